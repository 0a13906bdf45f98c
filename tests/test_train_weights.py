"""The zoo-trained weights shipped in plugins/weights/ load with zoo.get and score what registry.yaml records."""

from __future__ import annotations

from pathlib import Path

import pytest

import zoo
import zoo.registry.request
from zoo.inference.evaluation import evaluate
from zoo.registry.loader import get_registry

SHIPPED = {"lenet5.mnist5k": "mnist5k", "lenet5.fashion_mnist": "fashion_mnist",
           "resnet20.fashion_mnist": "fashion_mnist"}  # tag -> dataset it was tested on


@pytest.mark.parametrize("tag, dataset", SHIPPED.items())
def test_shipped_weights_reach_their_recorded_accuracy(tag, dataset, monkeypatch):
    if dataset == "fashion_mnist" and not Path("/usr/share/datasets/fashion-mnist").is_dir():
        pytest.skip("apt-get install dataset-fashion-mnist")
    monkeypatch.setenv("ZOO_OFFLINE", "1")  # shipped files are found in plugins/weights/, no download
    entry = get_registry().weights[tag]
    assert entry.hash and entry.recipe and entry.source.startswith("zoo train ")
    model = zoo.get(tag, pretrained=True)
    metrics, _, _ = evaluate(model, zoo.datasets.load(dataset), "test", identity=zoo.registry.request.locate(tag))
    assert abs(metrics["accuracy"] - entry.metrics["test_accuracy"]) <= 0.005, (metrics, entry.metrics)
