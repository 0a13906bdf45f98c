"""Tuning end to end in real processes: resuming a killed search, and KerasTuner's chief/worker protocol."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import ROOT, run_zoo

SEARCH = """
import sys
from test_tuning import digits
import zoo

zoo.tune("lenet5", digits({n}), tuner="random", max_trials={max_trials}, epochs={epochs}, directory=sys.argv[1],
         project_name="p", seed=0, verbose=0, distributed={distributed})
"""


def start(tmp_path, directory, *, env=None, n=600, max_trials=4, epochs=2, distributed=False, log="log"):
    script = tmp_path / "search.py"
    script.write_text(SEARCH.format(n=n, max_trials=max_trials, epochs=epochs, distributed=distributed))
    full_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT / "tests"), **(env or {}))
    out = open(tmp_path / f"{log}.txt", "w")
    return subprocess.Popen([sys.executable, str(script), str(directory)], env=full_env, stdout=out,
                            stderr=subprocess.STDOUT, text=True)


def trial_files(project):
    """trial id -> (status, mtime_ns) of every trial.json under the project."""
    found = {}
    for path in sorted(project.glob("trial_*/trial.json")):
        found[path.parent.name.removeprefix("trial_")] = (json.loads(path.read_text())["status"], path.stat().st_mtime_ns)
    return found


@pytest.mark.slow
def test_killed_search_resumes_without_rerunning_completed_trials(tmp_path):
    project = tmp_path / "run" / "p"
    process = start(tmp_path, tmp_path / "run", log="first")
    deadline = time.time() + 300
    while time.time() < deadline and not any(s == "COMPLETED" for s, _ in trial_files(project).values()):
        assert process.poll() is None, (tmp_path / "first.txt").read_text()[-3000:]
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = {tid: info for tid, info in trial_files(project).items() if info[0] == "COMPLETED"}
    assert 1 <= len(before) < 4, before

    process = start(tmp_path, tmp_path / "run", log="second")
    assert process.wait(timeout=600) == 0, (tmp_path / "second.txt").read_text()[-3000:]
    log = (tmp_path / "second.txt").read_text()
    after = trial_files(project)
    assert len(after) == 4 and all(status == "COMPLETED" for status, _ in after.values()), after
    for tid, info in before.items():
        assert after[tid] == info  # untouched: not rerun
    ran = log.split("tuner0 ran trials: ")[1].splitlines()[0].split(", ")
    assert sorted(ran) == sorted(set(after) - set(before))
    assert "Reloading Tuner" in log and "best: trial" in log
    assert (project / "best" / "best.json").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_distributed_chief_and_two_workers(tmp_path):
    port = str(free_port())
    common = {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": port}
    options = dict(n=300, max_trials=4, epochs=1, distributed=True)
    chief = start(tmp_path, tmp_path / "run", env={**common, "KERASTUNER_TUNER_ID": "chief"}, log="chief", **options)
    workers = [start(tmp_path, tmp_path / "run", env={**common, "KERASTUNER_TUNER_ID": f"tuner{i}"},
                     log=f"tuner{i}", **options) for i in range(2)]
    try:
        for process in workers:
            assert process.wait(timeout=600) == 0
        assert chief.wait(timeout=300) == 0
    finally:
        for process in (chief, *workers):
            if process.poll() is None:
                process.kill()
    logs = {name: (tmp_path / f"{name}.txt").read_text() for name in ("chief", "tuner0", "tuner1")}
    ran = {}
    for name in ("tuner0", "tuner1"):
        line = logs[name].split(f"{name} ran trials: ")[1].splitlines()[0]
        ran[name] = [] if line == "none" else line.split(", ")
    every = ran["tuner0"] + ran["tuner1"]
    assert sorted(every) == sorted(set(every)) and len(every) == 4, ran  # each trial exactly once, by a worker
    assert "chief ran trials: none" in logs["chief"]
    assert "rank  trial  architecture  val_accuracy" in logs["chief"] and "best: trial" in logs["chief"]
    best = json.loads((tmp_path / "run" / "p" / "best" / "best.json").read_text())
    assert best["trial_id"] in every
    statuses = {json.loads(p.read_text())["status"] for p in (tmp_path / "run" / "p").glob("trial_*/trial.json")}
    assert statuses == {"COMPLETED"}


@pytest.mark.slow
def test_cli_tune_then_train_from_best_json(tmp_path):
    result = run_zoo("tune", "lenet5", "--data", "digits", "--tuner", "bayesian", "--max-trials", "2", "--epochs", "1",
                     "--directory", str(tmp_path / "tuning"), "--project-name", "p", "--seed", "1", "--verbose", "0",
                     timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rank  trial  architecture  val_accuracy  hyperparameters" in result.stdout
    best_json = tmp_path / "tuning" / "p" / "best" / "best.json"
    best = json.loads(best_json.read_text())
    assert best["dataset"] == "digits" and best["tuner"] == "bayesian"

    result = run_zoo("train", "lenet5", "--data", "digits", "--hparams", str(best_json), "--epochs", "1",
                     "--run-dir", str(tmp_path / "run"), timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    card = json.loads((tmp_path / "run" / "card.json").read_text())
    assert {k: card["arguments"][k] for k in best["arguments"]} == best["arguments"]
    recipe = json.loads((tmp_path / "run" / "recipe.json").read_text())
    assert all(recipe[key] == value for key, value in best["recipe"].items())


@pytest.mark.slow
def test_hyperband_is_capped_by_max_trials(tmp_path):
    import zoo
    from test_tuning import digits

    result = zoo.tune("lenet5", digits(300), tuner="hyperband", max_trials=3, epochs=3, directory=tmp_path,
                      project_name="hb", seed=0, verbose=0)
    assert len(result.tuner.oracle.trials) == 3
    assert 1 <= len(result.trials) <= 3 and result.best["tuner"] == "hyperband"
    assert all("tuner/epochs" in trial["values"] for trial in result.trials)
    assert (result.path / "model.keras").exists()


@pytest.mark.slow
def test_fine_tuning_search_from_a_weight_tag(tmp_path):
    import zoo

    result = zoo.tune("lenet5", "digits", pretrained="mnist5k", tuner="random", max_trials=1, directory=tmp_path,
                      project_name="ft", seed=0, verbose=0)
    best = result.best
    assert best["pretrained"] == "mnist5k" and best["arguments"] == {}  # the weights fix the arguments
    assert set(best["finetune"]) == {"head_epochs", "head_lr", "epochs", "lr"}
    assert not [name for name in result.trials[0]["values"] if name.startswith("lenet5/train/lr")]
    # MNIST features transfer to digits within a few epochs: well above the 10% of chance (one random trial,
    # so the phases' epochs and rates vary; 0.48 to 0.7 seen)
    assert best["objective"]["value"] > 0.3
