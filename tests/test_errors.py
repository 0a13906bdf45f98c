"""Every user error is one line and exit status 2, never a traceback (issue 12's findings, each a regression test).

Real subprocesses of the CLI; real read-only directories (a read-only tmpfs, or a mode-555 directory for a user
who is not root); a real full disk (a small tmpfs, else a file-size limit in the child process).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_python, run_zoo


def assert_one_line(result, *fragments):
    """Exit 2, one line on stderr starting ``zoo COMMAND: error:``, no traceback, each fragment in it."""
    line = result.stderr.strip()
    assert result.returncode == 2, (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr and "\n" not in line, result.stderr[-3000:]
    assert line.startswith("zoo ") and ": error: " in line, line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


TRAIN = ["train", "lenet5", "--data", "digits"]  # each case fails before training (or it would train 30 epochs)


@pytest.mark.parametrize("args, fragments", [
    (["--lr", "nan"], ["lr=nan is not allowed: it must be a finite number in (0.0, inf)"]),
    (["--lr", "inf"], ["lr=inf is not allowed"]),
    (["--set", "label_smoothing=5"], ["label_smoothing=5 is not allowed: it must be a finite number in [0.0, 1.0)"]),
    (["--set", "warmup_epochs=-3"], ["warmup_epochs=-3 is not allowed: it must be an integer >= 0"]),
    (["--set", "weight_decay=-0.5"], ["weight_decay=-0.5 is not allowed: it must be a finite number in [0.0, inf)"]),
    (["--set", "clipnorm=-1"], ["clipnorm=-1 is not allowed"]),
    (["--set", "augmentation=[foo"], ["--set 'augmentation=[foo' is not allowed", "is not a YAML value"]),
    (["--set", "epochs=1.5"], ["epochs=1.5 is not allowed: it must be a positive integer"]),
    (["--set", "step_boundaries=5"], ["step_boundaries=5 is not allowed: it must be a list of"]),
    (["--set", "augmentation=[foo]"], ["augmentation=['foo'] is not allowed: items are ('flip', 'crop', 'translate')"]),
    (["--arg", "filters=abc"], ["filters='abc' is not allowed for lenet5: it must be a list of integers, like (6, 16)"]),
])
def test_recipe_and_argument_values_that_cannot_work(args, fragments, tmp_path):
    assert_one_line(run_zoo(*TRAIN, "--run-dir", str(tmp_path / "run"), *args), *fragments)
    assert not (tmp_path / "run" / "checkpoint").exists()


def test_top_zero_is_refused():
    assert_one_line(run_zoo("predict", "lenet5.mnist5k", "x.png", "--top", "0"), "--top=0 is not allowed")


# --- names confined to their directories ---------------------------------------------------------


@pytest.mark.parametrize("file_name", ["../../x.weights.h5", "/etc/passwd", "sub/x.weights.h5"])
def test_a_catalog_file_name_outside_the_cache_is_refused_when_read(tmp_path, file_name):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"weights": {"lenet5.evil": {"file_name": file_name, "hash": "a" * 64}}}))
    result = run_zoo("weights", "list", env={"ZOO_REGISTRY": str(catalog)})
    assert_one_line(result, str(catalog), "weights['lenet5.evil']", f"file_name={file_name!r} is not allowed")


@pytest.mark.parametrize("url, fragment", [
    ("ftp://mirror.example/x.h5", "its scheme must be https, http (for a file with a hash) or file"),
    ("data:application/octet-stream;base64,AAAA", "its scheme must be"),
    ("http://mirror.example/x.h5", "plain http is accepted only for a file with a hash"),
])
def test_a_catalog_url_of_an_unsafe_scheme_is_refused_when_read(tmp_path, url, fragment):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"weights": {"lenet5.evil": {"file_name": "x.h5", "urls": [url],
                                                                   "format": "h5"}}}))
    assert_one_line(run_zoo("weights", "list", env={"ZOO_REGISTRY": str(catalog)}), "lenet5.evil", fragment)


def test_a_tag_name_with_a_separator_is_refused_by_import(tmp_path, zoo_home):
    path = tmp_path / "x.weights.h5"
    shutil.copy(ROOT / "plugins" / "weights" / "lenet5_mnist5k.weights.h5", path)
    result = run_zoo("weights", "import", str(path), "--as", "resnet20.a/b", "--no-check")
    assert_one_line(result, "name_tag='a/b' is not allowed: it must be a plain name")
    assert not (zoo_home / "weights").exists() or not list((zoo_home / "weights").rglob("*"))


def test_a_project_name_outside_the_tuning_directory_is_refused(tmp_path):
    result = run_zoo("tune", "lenet5", "--data", "digits", "--directory", str(tmp_path / "t"), "--project-name",
                     "../../x", "--max-trials", "1")
    assert_one_line(result, "project_name='../../x' is not allowed")
    assert not (tmp_path / "x").exists() and not Path("/x").exists()


def test_an_uppercase_hash_matches(tmp_path, monkeypatch):
    import zoo
    import zoo.registry.loader
    from zoo.files import file_hash

    shipped = ROOT / "plugins" / "weights" / "lenet5_mnist5k.weights.h5"
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"weights": {"lenet5.upper": {
        "file_name": shipped.name, "hash": file_hash(shipped).upper(), "input_shape": [28, 28, 1],
        "package": "zoo_plugins.weights"}}}))
    monkeypatch.setenv("ZOO_REGISTRY", str(catalog))
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    monkeypatch.setattr(zoo.registry.loader, "_registry", None)
    assert zoo.get("lenet5.upper", pretrained=True).output_shape == (None, 10)


# --- operating-system errors ---------------------------------------------------------------------


@pytest.fixture
def read_only_dir(tmp_path):
    """A real read-only directory: a read-only tmpfs for root (who may write anywhere else), mode 555 otherwise."""
    path = tmp_path / "read-only"
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o555)
        yield path
        path.chmod(0o755)
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)


def test_a_read_only_run_directory(read_only_dir):
    result = run_zoo(*TRAIN, "--run-dir", str(read_only_dir / "run"))
    assert_one_line(result, str(read_only_dir / "run"), "read-only" if os.geteuid() == 0 else "permission denied")


def test_a_run_directory_that_is_a_file(tmp_path):
    (tmp_path / "afile").write_text("not a directory")
    assert_one_line(run_zoo(*TRAIN, "--run-dir", str(tmp_path / "afile")), str(tmp_path / "afile"),
                    "a file is in the way where a directory is needed")
    assert (tmp_path / "afile").read_text() == "not a directory"


def test_a_read_only_zoo_home(read_only_dir, tmp_path):
    path = tmp_path / "x.weights.h5"
    shutil.copy(ROOT / "plugins" / "weights" / "lenet5_mnist5k.weights.h5", path)
    result = run_zoo("weights", "import", str(path), "--as", "lenet5.x", "--input-shape", "28,28,1",
                     env={"ZOO_HOME": str(read_only_dir / "home")})
    assert_one_line(result, str(read_only_dir / "home"))


def test_a_read_only_tuning_directory(read_only_dir):
    result = run_zoo("tune", "lenet5", "--data", "digits", "--directory", str(read_only_dir / "tuning"),
                     "--max-trials", "1", "--epochs", "1")
    assert_one_line(result, str(read_only_dir / "tuning"))


def test_zoo_registry_naming_a_directory(tmp_path):
    assert_one_line(run_zoo("list", env={"ZOO_REGISTRY": str(tmp_path)}), str(tmp_path),
                    "is a directory, not a catalog file")


def test_zoo_offline_true_keeps_datasets_offline_too(tmp_path):
    """``ZOO_OFFLINE=true`` (not only ``1``): MNIST is not downloaded; one line names every place looked in."""
    env = {"ZOO_OFFLINE": "true", "ZOO_DATA_PATH": str(tmp_path / "mirror"), "KERAS_HOME": str(tmp_path / "keras")}
    line = assert_one_line(run_zoo(*TRAIN[:2], "--data", "mnist", env=env), "mnist.npz", "ZOO_OFFLINE forbids")
    assert str(tmp_path / "mirror" / "mnist.npz") in line


def full_disk_env(tmp_path, size_kb: int):
    """(a directory on a full-able file system, the preexec function): a tmpfs of ``size_kb`` for root, else a
    directory with the child limited to files of ``size_kb`` (RLIMIT_FSIZE)."""
    path = tmp_path / "small"
    path.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)], check=True)
        return path, None, True
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (size_kb * 1024, size_kb * 1024))

    return path, limit, False


@pytest.mark.slow
def test_a_full_disk_stops_training_with_one_line_and_the_last_checkpoint_resumes(tmp_path):
    """LeNet's checkpoint with Adam's moments is ~750 KB and its best weights ~250 KB: 1.6 MB hold the first
    epoch's files and not the second's. The run stops with one line naming the path and the free space; the
    first epoch's checkpoint is intact, and the same command resumes from it once there is room."""
    directory, preexec, mounted = full_disk_env(tmp_path, 1600)
    if not mounted:  # not root: each file may be 600 KB, so the first checkpoint (~750 KB) cannot be written
        directory, preexec, mounted = full_disk_env(tmp_path / "limited", 600)
    run_dir = directory / "run"
    args = ["train", "lenet5", "--data", "digits", "--epochs", "3", "--set", "augmentation=[]", "--run-dir",
            str(run_dir)]
    try:
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        code = f"import sys; from zoo.cli import main; sys.exit(main({args!r}))"
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600,
                                preexec_fn=preexec)
        line = assert_one_line(result, str(run_dir))
        assert "no space left on the device" in line or "file-size limit" in line
        assert " free" in line
        if not mounted:
            assert not (run_dir / "checkpoint" / "state.json").exists()  # no half checkpoint stands for one
            return
        state = json.loads((run_dir / "checkpoint" / "state.json").read_text())
        assert state["epoch"] >= 1 and (run_dir / "checkpoint" / state["weights"]).is_file()
        roomy = tmp_path / "roomy"
        shutil.copytree(run_dir, roomy)
    finally:
        if mounted:
            subprocess.run(["umount", str(directory)], check=False)
    resumed = run_zoo(*args[:-1], str(roomy))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"Epoch {state['epoch'] + 1}/3" in resumed.stdout and "Epoch 1/3" not in resumed.stdout
    assert json.loads((roomy / "card.json").read_text())["epochs"] == 3


# --- plugins, tuning state, safe loading -----------------------------------------------------------


def test_unknown_names_in_zoo_load_plugins_are_a_warning_and_the_unknown_model_says_why():
    result = run_zoo("info", "lenet5", env={"ZOO_LOAD_PLUGINS": "lenett"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("keras-zoo: ZOO_LOAD_PLUGINS names 'lenett', which is no entry point")
    assert "the entry points are: convnext, densenet, efficientnet, efficientnetv2, inceptionresnetv2, inceptionv3, lenet, mobilenet, mobilenetv2, mobilenetv3, nasnet, resnet, textcnn, vgg, xception" in lines[0]
    assert lines[1].startswith("zoo info: error: unknown model 'lenet5'") and "ZOO_LOAD_PLUGINS=lenett" in lines[1]
    assert len(lines) == 2 and "Traceback" not in result.stderr
    strict = run_zoo("info", "lenet5", env={"ZOO_LOAD_PLUGINS": "lenett", "ZOO_STRICT_PLUGINS": "1"})
    assert_one_line(strict, "ZOO_LOAD_PLUGINS names 'lenett'")
    disabled = run_zoo("list", env={"ZOO_DISABLE_PLUGINS": "vgg,nope"})
    assert disabled.returncode == 0 and "ZOO_DISABLE_PLUGINS names 'nope'" in disabled.stderr
    assert "vgg16" not in disabled.stdout and "lenet5" in disabled.stdout


@pytest.mark.slow
def test_a_truncated_oracle_json_is_named_on_resume(tmp_path):
    args = ["tune", "lenet5", "--data", "digits", "--tuner", "random", "--max-trials", "1", "--epochs", "1",
            "--directory", str(tmp_path), "--project-name", "p", "--verbose", "0"]
    first = run_zoo(*args)
    assert first.returncode == 0, first.stderr[-3000:]
    oracle = tmp_path / "p" / "oracle.json"
    json.loads(oracle.read_text())  # written whole
    oracle.write_text(oracle.read_text()[: len(oracle.read_text()) // 2])
    more = list(args)
    more[more.index("--max-trials") + 1] = "2"
    again = run_zoo(*more)
    assert_one_line(again, str(oracle), "is truncated or corrupt", "--overwrite")


def test_a_keras_file_whose_vectorizer_names_a_local_file_is_refused_in_safe_mode(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("a\nb\n")
    result = run_python(f"""
        import json, zipfile, keras, zoo, zoo.layers.text
        model = zoo.get("textcnn", num_classes=2, include_preprocessing=True, max_tokens=10, embedding_dim=4,
                        num_filters=2, vocabulary=["a", "b"])
        model.save({str(tmp_path / 'm.keras')!r})
        with zipfile.ZipFile({str(tmp_path / 'm.keras')!r}) as archive:
            members = {{name: archive.read(name) for name in archive.namelist()}}
        config = json.loads(members["config.json"])
        layer = next(l for l in config["config"]["layers"] if l["class_name"] == "Vectorizer")
        layer["config"]["vocabulary"] = {str(secret)!r}
        members["config.json"] = json.dumps(config).encode()
        with zipfile.ZipFile({str(tmp_path / 'evil.keras')!r}, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        try:
            keras.saving.load_model({str(tmp_path / 'evil.keras')!r})
        except Exception as error:
            print("REFUSED", error)
        trusted = keras.saving.load_model({str(tmp_path / 'evil.keras')!r}, safe_mode=False)
        print("TRUSTED", trusted.get_layer("vectorizer").get_vocabulary())
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"names the file {str(secret)!r} as its vocabulary" in result.stdout
    assert "TRUSTED ['a', 'b']" in result.stdout  # the weights' vocabulary, once the file is trusted


def test_many_errors_at_once_are_each_one_line(tmp_path):
    """A sample run in parallel: user errors from different commands, none a traceback."""
    cases = [("info", "resnet5"), ("evaluate", "lenet5.mnist5k", "--data", "nope"),
             ("predict", "lenet5", str(tmp_path)), ("weights", "pull", "lenet5.nosuchtag"),
             ("train", "lenet5", "--data", str(tmp_path / "missing-dir"))]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda args: run_zoo(*args), cases))
    for args, result in zip(cases, results):
        assert_one_line(result), args
