"""A training run's directory: checkpoints to resume from, best weights, logs and the model card.

Everything a run writes goes through the file layer's atomic writes
(:func:`zoo.files.atomic_output`: a temporary file, fsync, then ``os.replace``),
so a run killed at any moment, or stopped by a full disk, leaves either the old
file or the new one, never half of one. Weights are saved and loaded by
:mod:`zoo.weights.io`, which records each file's sha256 (in ``state.json`` and the
card) and refuses, when it is read back, a file that is not the one recorded.
A run directory is locked while a process uses it (:meth:`Run.lock`): a second
``zoo train`` on the same directory stops with one line instead of interleaving
its files with the first's. Layout::

    RUN_DIR/run.json            the identity of the model being trained (zoo.records.identity): a resume must match it
    RUN_DIR/recipe.json         the resolved recipe
    RUN_DIR/checkpoint/         state.json + the last finished epoch's weights and optimizer state
    RUN_DIR/best.weights.h5     the weights with the best validation score (no optimizer state)
    RUN_DIR/.lock               held while a process trains in the directory
    RUN_DIR/card.json           the model card: architecture, arguments, recipe, data, metrics, sha256
    RUN_DIR/log.csv, tensorboard/, curves.png
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from pathlib import Path

import keras

from zoo.files import atomic_json, atomic_write, make_directory, storage
from zoo.records.identity import RUN_FIELDS, ModelIdentity
from zoo.weights.io import load_weights, save_weights


class RunMismatchError(ValueError):
    """A run directory holds a run of another model than the one asked to resume there."""


class RunBusyError(ValueError):
    """Another process is training in the run directory (it holds the directory's lock)."""


def _run_differences(previous: dict, recorded: dict) -> list[tuple]:
    """What differs between the run recorded in ``run.json`` and the one starting (older files: architecture, dataset)."""
    if "identity" not in previous:
        return [(key, previous.get(key), recorded[key]) for key in ("architecture", "dataset")
                if previous.get(key) != recorded[key]]
    def make(data):
        fields = {k: data.get(k) for k in RUN_FIELDS}
        return ModelIdentity(**{**fields, "arguments": fields["arguments"] or {},
                                "preprocessing": fields["preprocessing"] or {}})

    return make(previous["identity"]).differences(make(recorded["identity"]), RUN_FIELDS)


class Run:
    """The files of one run directory.

    Example::

        >>> run = Run("runs/lenet5-mnist5k")
        >>> run.start(identity, resume=True)
        >>> initial_epoch, best = run.restore(model)
    """

    def __init__(self, path):
        self.path = Path(path)
        self.recipe = self.path / "recipe.json"
        self.config = self.path / "run.json"
        self.checkpoint = self.path / "checkpoint"
        self.state = self.checkpoint / "state.json"
        self.best = self.path / "best.weights.h5"
        self.card = self.path / "card.json"
        self.log = self.path / "log.csv"
        self.tensorboard = self.path / "tensorboard"
        self.curves = self.path / "curves.png"
        self.lockfile = self.path / ".lock"
        self._lock = None

    @contextlib.contextmanager
    def lock(self):
        """Hold the run directory for this process: a second process (another ``zoo train``, a tuning trial) that
        asks for it while it is held gets a :class:`RunBusyError` at once. Re-entrant for the same ``Run``.

        Example::

            >>> with run.lock():
            ...     run.start(identity, resume=True)
        """
        from filelock import FileLock, Timeout

        make_directory(self.path, "the run directory")
        if self._lock is None:
            self._lock = FileLock(str(self.lockfile))
        with storage(self.lockfile, "lock the run directory with"):
            try:
                self._lock.acquire(timeout=0)
            except Timeout:  # an OSError too: caught first
                raise RunBusyError(f"run_dir={str(self.path)!r} is in use by another process (it holds "
                                   f"{self.lockfile}): wait until it ends, or pass another run directory "
                                   "(--run-dir)") from None
        try:
            yield self
        finally:
            self._lock.release()

    def start(self, identity, *, resume: bool) -> None:
        """Create the directory; check that a resumed run trains the same model; start over when not resuming.

        :param identity: the :class:`zoo.records.identity.ModelIdentity` of the model to train.
        :raises RunMismatchError: the directory holds a run of another model with a finished epoch (one line
            naming the first field that differs, both values, and how to start over).
        """
        recorded = {"architecture": identity.architecture, "dataset": identity.dataset,
                    "identity": identity.to_dict()}
        # a directory without a finished epoch has nothing to resume (a build that failed left only run.json):
        # the run starting there replaces its record
        if self.config.exists() and resume and self.state.exists():
            with storage(self.config, "read"):
                text = self.config.read_text()
            try:
                previous = json.loads(text)
            except json.JSONDecodeError:
                raise ValueError(f"{self.config} is not valid JSON: not a run directory written by zoo train; "
                                 "pass another --run-dir, or --no-resume to start over there") from None
            differences = _run_differences(previous, recorded)
            if differences:
                field, old, new = differences[0]
                more = f" (and {len(differences) - 1} more difference(s))" if len(differences) > 1 else ""
                raise RunMismatchError(
                    f"run_dir={str(self.path)!r} holds a run with {field}={old!r}, not {new!r}{more}: "
                    "pass another run directory (--run-dir), or resume=False (--no-resume) to start over there"
                )
        make_directory(self.path, "the run directory")
        if not resume:
            with storage(self.path, "clear the run directory"):
                for stale in (self.checkpoint, self.tensorboard):
                    shutil.rmtree(stale, ignore_errors=True)
                for stale in (self.log, self.best, self.card, self.curves):
                    stale.unlink(missing_ok=True)
        atomic_json(self.config, recorded)

    def read_state(self) -> dict:
        """The checkpoint state: ``{"epoch": finished epochs, "weights": file, "best": {...}}``, or empty."""
        return json.loads(self.state.read_text()) if self.state.exists() else {}

    def restore(self, model, *, with_optimizer: bool = True) -> tuple[int, dict]:
        """Load the last checkpoint into ``model``; returns (finished epochs, best).

        ``with_optimizer=False`` loads the weights alone and leaves the compiled optimizer fresh
        (a run resuming at the start of a new phase, :mod:`zoo.training.phases`).
        """
        state = self.read_state()
        if not state:
            return 0, {}
        load_weights(model, self.checkpoint / state["weights"], what=f"the checkpoint of run {self.path}",
                     hash=state.get("sha256"), with_optimizer=with_optimizer)
        self.trim_log(state["epoch"])
        return state["epoch"], state.get("best", {})

    def trim_log(self, epochs: int) -> None:
        """Keep the CSV log's rows of the first ``epochs`` epochs (a killed run may have logged one more)."""
        if not self.log.exists():
            return
        lines = self.log.read_text().splitlines(keepends=True)
        kept = lines[:1] + [line for line in lines[1:] if line.split(",", 1)[0].isdigit()
                            and int(line.split(",", 1)[0]) < epochs]
        atomic_write(self.log, "".join(kept))

    def history(self) -> dict[str, list[float]]:
        """The per-epoch metrics of the CSV log, ``{"loss": [...], "val_loss": [...], ...}``."""
        import csv

        if not self.log.exists():
            return {}
        with open(self.log, newline="") as f:
            rows = list(csv.DictReader(f))
        return {key: [float(row[key]) for row in rows if row.get(key) not in (None, "", "NA")]
                for key in (rows[0] if rows else {}) if key != "epoch"}


class RunCheckpoint(keras.callbacks.Callback):
    """Each epoch: the best weights when the monitored metric improved, then the resumable checkpoint.

    The checkpoint's ``state.json`` is written last and names the weights file it belongs to, so the
    directory always holds one complete checkpoint. With a moving average of the weights (the
    optimizer's ``use_ema``), validation and the best weights use the averaged weights (swapped in by
    Keras' ``SwapEMAWeights``), while the checkpoint keeps the trained ones and the average (in the
    optimizer's state). ``augmentation``'s generator states go into ``state.json`` too, so that a resumed
    run draws what it would have drawn.
    """

    def __init__(self, run: Run, monitor: str, mode: str, best: dict | None = None, *, averaged: bool = False,
                 augmentation=None):
        super().__init__()
        self.run, self.monitor, self.mode = run, monitor, mode
        self.best = dict(best or {})
        self.swap = keras.callbacks.SwapEMAWeights() if averaged else None
        self.augmentation = augmentation

    def set_model(self, model):
        super().set_model(model)
        if self.swap is not None:
            self.swap.set_model(model)

    def improved(self, value: float) -> bool:
        if "value" not in self.best:
            return True
        return value > self.best["value"] if self.mode == "max" else value < self.best["value"]

    def on_test_begin(self, logs=None):  # validation, on the averaged weights
        if self.swap is not None:
            self.swap.on_test_begin(logs)

    def on_test_end(self, logs=None):
        if self.swap is not None:
            self.swap.on_test_end(logs)

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is not None and self.improved(float(value)):
            with self.averaged():
                digest = save_weights(self.model, self.run.best)
            self.best = {"monitor": self.monitor, "value": float(value), "epoch": epoch + 1, "sha256": digest}
        make_directory(self.run.checkpoint, "the checkpoint directory")
        name = f"epoch-{epoch + 1}.weights.h5"
        digest = save_weights(self.model, self.run.checkpoint / name, with_optimizer=True)
        state = {"epoch": epoch + 1, "weights": name, "sha256": digest, "best": self.best}
        if self.augmentation:
            state["augmentation"] = self.augmentation.state()
        atomic_json(self.run.state, state)
        for old in self.run.checkpoint.glob("epoch-*.weights.h5"):
            if old.name != name:
                old.unlink(missing_ok=True)

    @contextlib.contextmanager
    def averaged(self):
        """The model holds the averaged weights for the duration (with no average: its own)."""
        if self.swap is None:
            yield
            return
        self.swap.on_test_begin()
        try:
            yield
        finally:
            self.swap.on_test_end()


class EpochTimer(keras.callbacks.Callback):
    """Adds ``epoch_time`` (seconds of training and validation) to each epoch's logs, so the CSV log has it."""

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_time"] = round(time.perf_counter() - self.started, 3)
