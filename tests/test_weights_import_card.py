"""`zoo weights import` of a zoo.train run: the tag takes its metadata from the run's card.json."""

import json

import numpy as np

import zoo
from test_train import tiny_images
from zoo.weights.pretrained import import_weights


def test_imported_run_weights_carry_the_card_and_reload(tmp_path):
    x, y = tiny_images(classes=3)
    result = zoo.train("lenet5", (x, y), epochs=1, batch_size=16, run_dir=tmp_path / "run", verbose=0,
                       model_args={"activation": "relu"})
    card = json.loads(result.card.read_text())

    tag = import_weights(result.weights, "lenet5.tiny")
    assert tag.num_classes == 3 and tag.arguments["activation"] == "relu"
    assert tag.arguments["subsampling"] == "avg"  # effective arguments: the defaults written out too
    assert tag.preprocessing == {"scale": 1 / 255}
    assert tag.metrics == card["metrics"] and tag.hash == card["hash"]
    assert "zoo train lenet5" in tag.source

    model = zoo.get("lenet5.tiny", pretrained=True)
    assert model.get_layer("conv1").activation.__name__ == "relu"
    probe = np.random.default_rng(1).random((2, *model.input_shape[1:]), dtype=np.float32)
    reference = zoo.get("lenet5", num_classes=3, activation="relu", input_shape=model.input_shape[1:])
    reference.load_weights(result.weights)
    np.testing.assert_allclose(model.predict(probe, verbose=0), reference.predict(probe, verbose=0), atol=1e-6)


def test_a_stale_card_is_ignored(tmp_path):
    x, y = tiny_images(classes=3)
    result = zoo.train("lenet5", (x, y), epochs=1, batch_size=16, run_dir=tmp_path / "run", verbose=0)
    card = json.loads(result.card.read_text())
    card["hash"] = "0" * 64
    result.card.write_text(json.dumps(card))
    tag = import_weights(result.weights, "lenet5.stale", num_classes=3, check=False)
    assert tag.metrics == {} and tag.source.startswith("imported from")
