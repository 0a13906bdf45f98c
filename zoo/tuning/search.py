"""Tuning with KerasTuner: :func:`hypermodel` for any tuner, :func:`tune` for a whole search.

Both import KerasTuner, Keras and TensorFlow inside the call, so ``import zoo`` stays cheap.
The search space and the training of each trial are :mod:`zoo.tuning.hypermodel`'s; this module
resolves the data, runs the tuner, and writes what the search found (docs/tuning.md).
"""

from __future__ import annotations

import json
import os
import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo.checks import check_choice, check_integer
from zoo.datasets.sources import as_dataset
from zoo.errors import SearchFailedError, ZooWarning
from zoo.files import atomic_json, atomic_write, check_replaceable, confined, file_hash, make_directory, storage
from zoo.records.architecture import Architecture
from zoo.records.identity import CARD_NAME, card_at
from zoo.registry.arguments import build_arguments, shape_for
from zoo.registry.cards import info
from zoo.registry.loader import get_registry
from zoo.tables import format_table
from zoo.training.driver import check_classes, fit_input_shape
from zoo.training.phases import finetune_fields
from zoo.weights.io import save_weights

TUNERS = {"bayesian": "BayesianOptimization", "hyperband": "Hyperband", "random": "RandomSearch"}
DISTRIBUTED_VARIABLES = ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT")
SEARCH_RECORD = "search.json"  # under <directory>/<project_name>: the data and architectures the search runs on
BEST_DIR = "best"  # under <directory>/<project_name>: model.keras, best.json, model_card.md


class ArchitectureSkippedWarning(ZooWarning):
    """A matched architecture cannot take the requested num_classes or input_shape and is left out."""


def select_architectures(name_or_pattern) -> list[Architecture]:
    """The architectures a name, an fnmatch pattern or a list of them selects, in order, without repeats.

    An unknown name is a :class:`zoo.UnknownModelError`; a pattern matching nothing is a ValueError
    that lists the registered names.
    """
    registry = get_registry()
    patterns = [name_or_pattern] if isinstance(name_or_pattern, str) else list(name_or_pattern)
    if not patterns or not all(isinstance(p, str) and p for p in patterns):
        raise ValueError(f"name_or_pattern={name_or_pattern!r} must be a name, an fnmatch pattern or a list of them")
    names: list[str] = []
    for pattern in patterns:
        if any(char in pattern for char in "*?["):
            matched = registry.names(pattern)
            if not matched:
                raise ValueError(f"pattern {pattern!r} matches no architecture; the registered ones are: "
                                 f"{', '.join(sorted(registry.architectures)) or 'none'}")
        else:
            matched = [registry.resolve(pattern)[0].name]
        names += [name for name in matched if name not in names]
    return [registry.architectures[name] for name in names]


def match_architectures(name_or_pattern, *, num_classes, input_shape, task: str | None = None) -> list[Architecture]:
    """:func:`select_architectures`, less those that cannot take ``num_classes``, ``input_shape`` or ``task``.

    ``input_shape`` is one shape, or a dict of one per architecture name. Left-out architectures are
    named in an :class:`ArchitectureSkippedWarning`; none left is a ValueError.
    """
    kept, skipped = [], []
    for arch in select_architectures(name_or_pattern):
        try:
            if task is not None and arch.task != task:
                raise ValueError(f"it is a {arch.task} model and the data is {task}")
            build_arguments(arch, num_classes=num_classes, input_shape=shape_for(input_shape, arch.name))
        except ValueError as error:
            skipped.append(f"{arch.name} ({error})")
        else:
            kept.append(arch)
    if skipped and kept:
        warnings.warn(f"keras-zoo: left out of the search: {'; '.join(skipped)}", ArchitectureSkippedWarning,
                      stacklevel=3)
    if not kept:
        raise ValueError(f"no architecture matched by {name_or_pattern!r} can take num_classes={num_classes!r}, "
                         f"input_shape={input_shape!r}: {'; '.join(skipped)}")
    return kept


def hypermodel(name_or_pattern, *, num_classes, input_shape, pretrained=None, tune_training=True, model_args=None):
    """A ``keras_tuner.HyperModel`` over the architectures a name or fnmatch pattern selects.

    :param name_or_pattern: ``"lenet5"``, ``"resnet*"`` or a list of names and patterns.
    :param num_classes: classifier size; architectures that cannot take it are left out with a warning.
    :param input_shape: e.g. ``(28, 28, 1)``; likewise.
    :param pretrained: a weight tag (or True, or a local weights file): fine-tune in two phases.
    :param tune_training: also tune the recipe's lr, weight decay, label smoothing, batch size, optimizer.
    :param model_args: build arguments fixed for every trial (``{"include_preprocessing": True}``), given to
        each architecture that has them, over what its search space says.
    :return: a :class:`zoo.tuning.hypermodel.ZooHyperModel`.

    Example::

        >>> import keras_tuner as kt
        >>> hm = zoo.hypermodel("lenet5", num_classes=10, input_shape=(28, 28, 1))
        >>> tuner = kt.RandomSearch(hm, objective="val_accuracy", max_trials=5, directory="runs")
        >>> tuner.search(x, y, validation_split=0.2, epochs=3)
    """
    from zoo.tuning.hypermodel import ZooHyperModel

    architectures = match_architectures(name_or_pattern, num_classes=num_classes, input_shape=input_shape)
    check_model_args(model_args, architectures)
    return ZooHyperModel(architectures, num_classes=num_classes, input_shape=input_shape, pretrained=pretrained,
                         tune_training=tune_training, model_args=model_args)


def check_model_args(model_args, architectures) -> None:
    """Every fixed build argument must be an argument of at least one of the architectures."""
    for key, value in (model_args or {}).items():
        if not any(key in arch.defaults for arch in architectures):
            raise ValueError(f"{key}={value!r} is not an argument of {', '.join(a.name for a in architectures)}; "
                             f"`zoo info NAME` lists each architecture's arguments")


@dataclass
class TuningResult:
    """What :func:`tune` found: the best trial as best.json says it, and every trial ranked.

    ``path`` is the folder with ``model.keras``, ``best.json`` and ``model_card.md`` (None on a
    distributed worker, which leaves reporting to the chief).
    """

    best: dict[str, Any] | None
    trials: list[dict[str, Any]]
    path: Path | None
    tuner: Any = field(repr=False)


def tune(name_or_pattern, data, *, tuner: str = "bayesian", max_trials: int, objective="val_accuracy",
         directory="zoo-tuning", project_name: str | None = None, overwrite: bool = False, pretrained=None,
         tune_training: bool = True, model_args: dict | None = None, epochs: int | None = None,
         distributed: bool = False, seed: int | None = None, verbose="auto", **search_kwargs) -> TuningResult:
    """Search the architectures' and recipes' hyperparameters on a dataset with KerasTuner.

    Prints the trials ranked, then writes the best model, its hyperparameters (``best.json``,
    which ``zoo train NAME --hparams best.json`` reads) and a model card to
    ``<directory>/<project_name>/best/``. Run again with the same directory and project to
    continue an interrupted search.

    :param name_or_pattern: ``"lenet5"``, ``"resnet*"`` or a list of names and patterns.
    :param data: what ``zoo.train`` takes: a dataset name (``"digits"``), a directory of class folders,
        ``(x, y)`` arrays (a seeded stratified 10% validates), or a ``zoo.datasets.Dataset``. Images are
        resized to each architecture's input as in ``zoo.train``.
    :param tuner: ``"bayesian"``, ``"hyperband"`` or ``"random"``.
    :param max_trials: how many hyperparameter sets to try, in total across restarts and workers.
    :param objective: a metric the models report (``"val_accuracy"``, ``"val_loss"``...) or a ``kt.Objective``.
    :param directory: KerasTuner's working directory.
    :param project_name: its project folder (default: from the pattern).
    :param overwrite: start afresh instead of continuing.
    :param pretrained: fine-tune from these weights (see :func:`hypermodel`).
    :param tune_training: tune the recipe's training hyperparameters too.
    :param model_args: build arguments fixed for every trial, as in ``zoo.train`` (text models on raw
        strings need ``{"include_preprocessing": True}``).
    :param epochs: epochs per trial (default: the recipe's; Hyperband's maximum).
    :param distributed: run as a chief or worker of KerasTuner's protocol, from ``KERASTUNER_TUNER_ID``,
        ``KERASTUNER_ORACLE_IP`` and ``KERASTUNER_ORACLE_PORT``.
    :param seed: the tuner's random seed.
    :param verbose: ``"auto"``: a progress bar per trial in a terminal, one line per epoch otherwise; 0, 1 or 2.
    :param search_kwargs: passed to ``tuner.search`` and so to ``model.fit``.
    :return: a :class:`TuningResult`.

    Example::

        >>> result = zoo.tune("lenet5", "digits", tuner="random", max_trials=5, epochs=3)
        >>> result.best["arguments"], result.path
    """
    check_choice("tuner", tuner, TUNERS)
    check_integer("max_trials", max_trials)
    if epochs is not None:
        check_integer("epochs", epochs)
    role = _distributed_role(distributed)
    selected = select_architectures(name_or_pattern)  # a bad name or pattern fails before the data is loaded
    import keras_tuner as kt

    from zoo.tuning.hypermodel import ZooHyperModel, reported_metrics

    dataset = as_dataset(data, seed=seed or 0)
    check_classes(dataset)
    shapes = input_shapes(selected, dataset)
    architectures = match_architectures(name_or_pattern, num_classes=dataset.num_classes, task=dataset.task,
                                        input_shape=shapes)
    check_model_args(model_args, architectures)
    model = ZooHyperModel(architectures, num_classes=dataset.num_classes, input_shape=shapes, pretrained=pretrained,
                          tune_training=tune_training, model_args=model_args, seed=seed or 0)
    _check_objective(objective, reported_metrics(model, validation=dataset.validation is not None
                                                 or "validation_data" in search_kwargs))
    fit_kwargs = dict(search_kwargs)

    project_name = project_name or re.sub(r"[^\w.-]+", "_", "+".join(
        [name_or_pattern] if isinstance(name_or_pattern, str) else name_or_pattern)).strip("_.") or "search"
    make_directory(directory, "the tuning directory")
    project = confined(Path(directory), project_name, "project_name")
    record = {"dataset": dataset.name, "class_names": [str(c) for c in dataset.class_names],
              "architectures": sorted(a.name for a in architectures)}
    if not overwrite:
        check_saved_search(project, record)
    else:  # KerasTuner removes the project folder: only a search's own, never a folder of the user's
        check_replaceable(project, force=True, recognise=is_search, what="a tuning search's folder",
                          name="project", option="overwrite")
    options: dict[str, Any] = dict(objective=objective, directory=str(directory), project_name=project_name,
                                   overwrite=overwrite, seed=seed)
    if tuner == "hyperband":
        options["max_epochs"] = epochs or max(r.epochs for r in model.recipes.values())
    else:
        options["max_trials"] = max_trials
        if epochs is not None:
            fit_kwargs["epochs"] = epochs
    with storage(project, "write the search's files in"):
        search = type(TUNERS[tuner], (_RecordTrials, getattr(kt, TUNERS[tuner])), {})(model, **options)
        search.oracle.__class__ = type(type(search.oracle).__name__, (_AtomicOracle, type(search.oracle)), {})
        search.oracle.max_trials = max_trials  # Hyperband has no max_trials of its own; the oracle honours it
        atomic_json(project / SEARCH_RECORD, record)  # after the tuner: overwrite=True has emptied the project
        search.search(dataset, verbose=(1 if sys.stdout.isatty() else 2) if verbose == "auto" else verbose,
                      **fit_kwargs)

    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "tuner0")
    print(f"{tuner_id} ran trials: {', '.join(search.trials_run) or 'none'}")
    if role == "worker":
        print(f"{tuner_id} finished; the chief reports the results")
        return TuningResult(best=None, trials=[], path=None, tuner=search)
    trials = ranked_trials(search, model)
    if not trials:
        errors = [[line.strip() for line in t.message.splitlines() if "Error" in line][-1]
                  for t in search.oracle.trials.values() if t.message and "Error" in t.message]
        raise SearchFailedError(f"no trial completed in {search.project_dir}"
                           + (f"; the first error: {errors[0]}" if errors else "")
                           + " (every trial's error is in its trial_*/trial.json)")
    print(format_trials(trials, search.oracle.objective.name))
    best = {**trials[0]["best"], "objective": {"name": search.oracle.objective.name, "value": float(trials[0]["score"]),
                                                "direction": search.oracle.objective.direction},
            "trial_id": trials[0]["trial_id"], "tuner": tuner, "dataset": dataset.name}
    path = write_best(search, best, trials)
    print(f"best: trial {best['trial_id']} ({best['architecture']}), {best['objective']['name']}="
          f"{best['objective']['value']:.4f}; written to {path}")
    return TuningResult(best=best, trials=trials, path=path, tuner=search)


def read_hparams(path, name: str) -> dict[str, Any]:
    """A ``best.json`` written by :func:`tune` as ``zoo.train`` keywords: ``model_args``, ``recipe``, ``pretrained``.

    Example::

        >>> zoo.train("lenet5", "digits", **read_hparams("zoo-tuning/lenet5/best/best.json", "lenet5"))
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"hparams={str(path)!r}: no such file (zoo tune writes DIRECTORY/PROJECT/best/best.json)")
    try:
        best = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"hparams={str(path)!r} is not JSON: {error}") from None
    missing = [key for key in ("architecture", "arguments", "recipe") if not isinstance(best, dict) or key not in best]
    if missing:
        raise ValueError(f"hparams={str(path)!r} lacks {', '.join(missing)}: it is not a best.json written by zoo tune")
    architecture = get_registry().resolve(name)[0].name
    if architecture != best["architecture"]:
        raise ValueError(f"hparams={str(path)!r} was tuned for {best['architecture']!r}, not {architecture!r}: "
                         f"run zoo train {best['architecture']} --hparams {path}")
    recipe = dict(best["recipe"])
    if best.get("finetune"):  # the two phases the search tuned: head first, then everything
        recipe.update(finetune_fields(best["finetune"]))
    return {"model_args": dict(best["arguments"]), "recipe": recipe, "pretrained": best.get("pretrained") or False}


# --- the pieces of tune ---------------------------------------------------------------------------


def is_search(project: Path) -> bool:
    """Whether ``project`` is a folder a search wrote (its ``search.json`` or KerasTuner's ``oracle.json``), or empty."""
    return project.is_dir() and (any((project / name).is_file() for name in (SEARCH_RECORD, "oracle.json"))
                                 or not any(project.iterdir()))


def check_saved_search(project: Path, record: dict) -> None:
    """Before a search resumes in ``project``: it must search the same data and architectures as the search
    that started there (its ``search.json``: else its trials would be ranked with this one's), and every
    state file KerasTuner wrote must be whole JSON (a search stopped while KerasTuner wrote it in place,
    before the zoo wrote them atomically); else a ValueError naming what differs, or the file, and what to do."""
    saved = project / SEARCH_RECORD
    if saved.is_file():
        try:
            previous = json.loads(saved.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            previous = {}
        for key, value in record.items():
            if key in previous and previous[key] != value:
                raise ValueError(f"the search in {project} ran with {key}={_quoted(previous[key])}, not "
                                 f"{_quoted(value)}: its trials would be ranked with this search's; pass another "
                                 "project_name (--project-name), or overwrite=True (--overwrite) to start afresh")
    files = [project / "oracle.json", *project.glob("tuner*.json"), *project.glob("trial_*/trial.json")]
    for path in files:
        if not path.is_file():
            continue
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f"{path} is truncated or corrupt ({error}): the search in {project} cannot resume "
                             f"from it; remove that file (a trial's is rerun), or pass overwrite=True "
                             "(--overwrite) to start the search afresh") from None


def _quoted(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:56] + "...]"


class _AtomicOracle:
    """Mixed into the tuner's oracle: its state and each trial's are written whole (temporary file, rename)."""

    def save(self):
        atomic_json(self._get_oracle_fname(), self.get_state())

    def _save_trial(self, trial):
        atomic_json(Path(self._get_trial_dir(trial.trial_id)) / "trial.json", trial.get_state())


class _RecordTrials:
    """Mixed into the tuner: remembers the trials this process ran (printed; a worker's only report), and
    writes its own state whole."""

    trials_run: list[str] = []  # a chief runs none (its search only serves the oracle)

    def save(self):
        if not self._is_worker():
            self.oracle.save()
        atomic_json(self._get_tuner_fname(), self.get_state())

    def on_search_begin(self):
        self.trials_run = []
        super().on_search_begin()

    def on_trial_end(self, trial):
        super().on_trial_end(trial)
        self.trials_run.append(trial.trial_id)


def _distributed_role(distributed: bool) -> str | None:
    """``"chief"``, ``"worker"`` or None; the KerasTuner variables must be set exactly when asked for."""
    present = [name for name in DISTRIBUTED_VARIABLES if name in os.environ]
    if distributed and len(present) < len(DISTRIBUTED_VARIABLES):
        missing = [name for name in DISTRIBUTED_VARIABLES if name not in present]
        raise ValueError(f"distributed=True needs the environment variables {', '.join(DISTRIBUTED_VARIABLES)}; "
                         f"missing: {', '.join(missing)} (docs/tuning.md shows a chief and workers)")
    if not distributed:
        if present:
            raise ValueError(f"{', '.join(present)} set in the environment but distributed=False: pass "
                             "distributed=True (--distributed) to join a distributed search, or unset them")
        return None
    return "chief" if "chief" in os.environ["KERASTUNER_TUNER_ID"] else "worker"


def input_shapes(architectures, dataset) -> dict[str, tuple] | None:
    """Each image architecture's input shape for the dataset, as ``zoo.train`` builds it (None for text)."""

    if dataset.task != "image-classification":
        return None
    shapes = {}
    for arch in architectures:
        try:
            shapes[arch.name] = fit_input_shape(arch, tuple(dataset.input_shape))
        except ValueError:  # channels it cannot take: match_architectures leaves it out, naming why
            shapes[arch.name] = tuple(dataset.input_shape)
    return shapes


def _check_objective(objective, reported: set[str]) -> None:
    """A clear error, before any trial, for an objective the models do not report."""
    objectives = objective if isinstance(objective, (list, tuple)) else [objective]
    for item in objectives:
        name = item if isinstance(item, str) else getattr(item, "name", None)
        if name not in reported:
            hint = "" if any(r.startswith("val_") for r in reported) else \
                " (the data has no validation split: pass validation_data, or more examples per class)"
            raise ValueError(f"objective={name!r} is not reported by the models: they report "
                             f"{', '.join(sorted(reported))}{hint}")


def ranked_trials(search, model) -> list[dict[str, Any]]:
    """The completed trials, best first: id, score, hyperparameter values and what best.json would say."""
    completed = [trial for trial in search.oracle.get_best_trials(num_trials=len(search.oracle.trials))
                 if trial.status == "COMPLETED" and trial.score is not None]
    return [{"rank": rank, "trial_id": trial.trial_id, "score": trial.score,
             "values": dict(trial.hyperparameters.values), "best": model.describe(trial.hyperparameters.values)}
            for rank, trial in enumerate(completed, 1)]


def format_trials(trials: list[dict[str, Any]], objective: str) -> str:
    """The ranked table printed at the end of a search."""

    rows = []
    for trial in trials:
        arch = trial["best"]["architecture"]
        values = ", ".join(f"{k.removeprefix(arch + '/')}={_short(v)}" for k, v in trial["values"].items()
                           if k != "architecture" and not k.startswith("tuner/"))
        rows.append([trial["rank"], trial["trial_id"], arch, f"{trial['score']:.4f}", values])
    return format_table(["rank", "trial", "architecture", objective, "hyperparameters"], rows)


def _short(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def write_best(search, best: dict[str, Any], trials: list[dict[str, Any]]) -> Path:
    """Write the best model and its identity under the project folder; returns the folder.

    ``model.keras`` (the whole model), ``best.weights.h5`` with the ``card.json`` of its identity (so
    the folder is a run directory: ``zoo evaluate``, ``zoo predict`` and ``zoo weights import`` take it),
    ``best.json`` (for ``zoo train --hparams``) and ``model_card.md``.
    """
    from zoo.tuning.hypermodel import RUN_DIR

    path = Path(search.project_dir) / BEST_DIR
    path.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # the checkpoint's optimizer state is not wanted: the model is saved fresh
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model = search.get_best_models(num_models=1)[0]
    model.optimizer.build(model.trainable_variables)  # so that loading model.keras finds every slot
    model.save(path / "model.keras")
    save_weights(model, path / "best.weights.h5")
    trial_card = Path(search.get_trial_dir(best["trial_id"])) / RUN_DIR / CARD_NAME
    _, card = card_at(trial_card)
    card.update(file_name="best.weights.h5", hash=file_hash(path / "best.weights.h5"), hash_algorithm="sha256",
                metrics={best["objective"]["name"]: best["objective"]["value"]},
                source=f"zoo tune, trial {best['trial_id']} of {search.project_dir} ({best['tuner']})")
    atomic_json(path / CARD_NAME, card)
    best["identity"] = {k: card[k] for k in ("architecture", "arguments", "num_classes", "input_shape",
                                             "preprocessing", "class_names", "pretrained", "dataset")}
    atomic_write(path / "best.json", json.dumps(best, indent=2, default=_jsonable) + "\n")
    atomic_write(path / "model_card.md", search_card(best, trials, model.count_params()))
    return path


def _jsonable(value):
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def search_card(best: dict[str, Any], trials: list[dict[str, Any]], parameters: int) -> str:
    """A Markdown model card for the best trial: architecture, data, objective, hyperparameters, trials."""

    card = info(best["architecture"])
    objective = best["objective"]
    lines = [
        f"# {card.name}, tuned on {best['dataset']}",
        "",
        f"- family: {card.family} ({card.plugin}, {card.distribution} {card.version})".rstrip(),
        f"- paper: {card.paper or '-'}",
        f"- input shape: {tuple(best['input_shape'] or ()) or 'the default'}, classes: {best['num_classes']}, parameters: {parameters:,}",
        f"- pretrained: {best['pretrained'] or 'no'}",
        f"- search: {best['tuner']}, {len(trials)} completed trials, best is trial {best['trial_id']}",
        f"- {objective['name']}: {objective['value']:.4f} ({objective['direction']})",
        f"- arguments: {json.dumps(best['arguments'], default=_jsonable)}",
        f"- recipe overrides: {json.dumps(best['recipe'], default=_jsonable)}",
    ]
    if best.get("finetune"):
        lines.append(f"- fine-tuning: {json.dumps(best['finetune'])}")
    lines += ["", "Retrain with `zoo train " + card.name + " --hparams best.json`.", "", "## Trials", "", "```",
              format_trials(trials, objective["name"]), "```", ""]
    return "\n".join(lines)
