"""Distributed training: two MultiWorkerMirroredStrategy workers on 127.0.0.1 end with identical weights."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

WORKER = textwrap.dedent("""
    import sys
    import numpy as np
    import zoo

    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, size=(96, 28, 28, 1), dtype=np.uint8)
    y = np.arange(96) % 3
    result = zoo.train("lenet5", (x, y), epochs=2, batch_size=16, run_dir=sys.argv[1], strategy="multi_worker",
                       verbose=2)
    np.savez(sys.argv[2], *result.model.get_weights())
""")


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_two_workers_finish_with_identical_weights(tmp_path):
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    processes = []
    for index in range(2):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
                   TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}))
        processes.append(subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tmp_path / "run"), str(tmp_path / f"worker{index}.npz")],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = [p.communicate(timeout=600)[0] for p in processes]
    for p, out in zip(processes, outputs):
        assert p.returncode == 0, out[-3000:]
    first, second = (np.load(tmp_path / f"worker{i}.npz") for i in range(2))
    assert first.files == second.files and len(first.files) == 10
    for key in first.files:
        np.testing.assert_array_equal(first[key], second[key])
    # the chief writes the run directory; the other worker keeps its own files beside it
    chief_log = (tmp_path / "run" / "log.csv").read_text().splitlines()
    assert len(chief_log) == 3 and (tmp_path / "run" / "worker-1" / "checkpoint" / "state.json").exists()
    assert "Epoch 2/2" in outputs[0]


def test_multi_worker_needs_tf_config(monkeypatch):
    import zoo

    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="needs TF_CONFIG"):
        zoo.train("lenet5", (np.zeros((4, 28, 28, 1)), np.zeros(4, int)), strategy="multi_worker")
