"""docs/export.md's examples, run as they are: its `zoo export` commands, then each python block in a fresh process."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from conftest import ROOT, run_python, run_zoo

DOC = ROOT / "docs" / "export.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)


def export_commands() -> list[list[str]]:
    """Every ``$ zoo export ...`` line of the console blocks, once, as arguments (comments dropped)."""
    lines = [line for block in blocks("console") for line in block.splitlines() if line.startswith("$ zoo export ")]
    return [shlex.split(line[len("$ zoo "):], comments=True) for line in dict.fromkeys(lines)]


@pytest.fixture
def workdir(tmp_path):
    """A folder with a test digit (a 7) as digit.png and digit.jpg, and the docs' exports made in it."""
    from PIL import Image

    import zoo

    x, y = zoo.datasets.load("mnist5k", split="test")
    index = int(list(y).index(7))
    Image.fromarray(x[index, :, :, 0]).save(tmp_path / "digit.png")
    Image.fromarray(x[index, :, :, 0]).save(tmp_path / "digit.jpg", quality=95)
    for args in export_commands():
        result = run_zoo(*args, env={"ZOO_OFFLINE": "1"}, cwd=tmp_path)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stderr == "" and result.stdout.startswith("wrote ")
    return tmp_path


def test_the_commands_cover_every_format():
    formats = {args[args.index("--format") + 1] for args in export_commands()}
    assert formats == {"saved_model", "onnx", "litert"}


@pytest.mark.slow
def test_every_python_block_runs_and_the_request_body_is_what_tf_serving_feeds(workdir):
    outputs = []
    for code in blocks("python"):
        result = run_python(code, env={"ZOO_OFFLINE": "1"}, cwd=workdir, timeout=600)
        assert result.returncode == 0, (code, result.stderr)
        outputs.append(result.stdout)
    api, _request, tensorflow, onnx, litert = outputs
    assert api.startswith("digits.onnx digits.labels.txt ") and "onnxruntime 1.32.0 on 200 mnist5k test" in api
    assert [line.split()[0] for line in tensorflow.splitlines()] == ["7", "7"]
    for answer in (onnx, litert):
        label, probability = answer.split()
        assert label == "7" and float(probability) > 0.9

    # TensorFlow Serving's REST predict API, row format: each instance is the signature's one input, {"b64": ...}
    # decoded to bytes; the answer is one {output name: value} per instance.
    served = run_python("""
        import base64, json
        import tensorflow as tf
        body = json.load(open("request.json"))
        signature = tf.saved_model.load("models/lenet5/1").signatures[body["signature_name"]]
        (name,) = signature.structured_input_signature[1]
        batch = [base64.b64decode(instance["b64"]) for instance in body["instances"]]
        outputs = {k: v.numpy() for k, v in signature(**{name: tf.constant(batch)}).items()}
        predictions = [{k: v[i].tolist() for k, v in outputs.items()} for i in range(len(batch))]
        print(json.dumps({"predictions": predictions}, default=lambda b: b.decode()))
    """, cwd=workdir)
    assert served.returncode == 0, served.stderr
    predictions = json.loads(served.stdout)["predictions"]
    assert len(predictions) == 2 and set(predictions[0]) == {"probabilities", "labels", "scores"}
    assert [p["labels"][0] for p in predictions] == ["7", "7"] and len(predictions[0]["probabilities"]) == 10
