"""Nothing lost: a training process killed with SIGKILL resumes, when started again, at its last finished epoch,
with its optimizer, its moving average of the weights and its augmentation's generators where they were."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import run_zoo

EPOCHS = 4


@pytest.mark.slow
def test_sigkill_then_same_command_resumes(tmp_path):
    run_dir = tmp_path / "run"
    args = ["train", "lenet5", "--data", "digits", "--epochs", str(EPOCHS), "--batch-size", "32",
            "--set", "augmentation=[translate]", "--set", "randaugment_ops=1", "--set", "erasing_prob=0.5",
            "--set", "mixup_alpha=0.2", "--set", "ema_decay=0.99", "--run-dir", str(run_dir)]
    code = f"import sys; from zoo.cli import main; sys.exit(main({args!r}))"
    process = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state_file = run_dir / "checkpoint" / "state.json"
    deadline = time.time() + 240
    try:
        while time.time() < deadline and process.poll() is None:
            if state_file.exists() and json.loads(state_file.read_text())["epoch"] >= 2:
                break
            time.sleep(0.05)
        assert process.poll() is None, "training ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
    killed = json.loads(state_file.read_text())
    killed_at = killed["epoch"]
    assert 2 <= killed_at < EPOCHS and len(killed["augmentation"]) >= 4

    again = run_zoo(*args)
    assert again.returncode == 0, again.stderr
    assert f"Epoch {killed_at + 1}/{EPOCHS}" in again.stdout and "Epoch 1/" not in again.stdout
    assert "test accuracy: " in again.stdout
    epochs = [line.split(",")[0] for line in (run_dir / "log.csv").read_text().splitlines()[1:]]
    assert epochs == [str(i) for i in range(EPOCHS)]  # each epoch logged once, none lost
    state = json.loads(state_file.read_text())
    assert state["epoch"] == EPOCHS
    # the generators went on from where the killed process left them: as far again per epoch as before it
    per_epoch = killed["augmentation"][0][1] // killed_at
    assert per_epoch > 0 and state["augmentation"][0][1] == per_epoch * EPOCHS
    assert json.loads((run_dir / "card.json").read_text())["epochs"] == EPOCHS
