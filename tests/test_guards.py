"""The guards against hostile or careless input (issue 22): every name that becomes a path is confined,
``--force`` removes only what a command writes, every checkpoint is checked before use, run directories are
locked, and the command line answers a user error with one line and exit 2.

Each test drives the real command line in a fresh process, on real files, folders and (where the kernel lets
the test mount one) tmpfs file systems; a full disk without a mount is a real ``ulimit -f``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_python, run_zoo

OFFLINE = {"ZOO_OFFLINE": "1"}


def one_line_error(result, command: str) -> str:
    """The one stderr line of a user error (exit 2, nothing on stdout, no traceback), without its prefix."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == "", result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    prefix = f"zoo {command}: error: "
    assert lines[0].startswith(prefix), lines[0]
    return lines[0][len(prefix):]


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "64k", *, read_only: bool = False):
    """A real tmpfs of ``size`` mounted at ``path`` (skips where this process may not mount one)."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


# --- 1. a name that becomes a path is confined -----------------------------------------------------


def test_a_catalog_tag_name_cannot_escape_the_cache(tmp_path, zoo_home):
    zoo_home.mkdir()
    (zoo_home / "registry.yaml").write_text(
        "weights:\n"
        "  resnet18.x/../../../../ESCAPED:\n"
        "    file_name: resnet18-f37072fd.pth\n"
        "    urls: ['https://127.0.0.1:9/resnet18-f37072fd.pth']\n"
        "    hash: f37072fd\n"
        "    format: torchvision\n")
    (tmp_path / "img.png").write_bytes(b"")
    message = one_line_error(run_zoo("predict", "resnet18.x/../../../../ESCAPED", str(tmp_path / "img.png"),
                                     env=OFFLINE, cwd=tmp_path), "predict")
    assert "tag='x/../../../../ESCAPED' is not allowed: it must be a plain name" in message
    assert not list(tmp_path.rglob("ESCAPED*")) and not list(tmp_path.parent.glob("ESCAPED*"))


def test_confined_refuses_every_way_out_and_names_too_long(tmp_path):
    from zoo.files import confined

    (tmp_path / "link").symlink_to("/")
    for name in ("../x", "/etc/passwd", "..", ".", "", "a/b", ".hidden", "x\x00y", "link"):
        with pytest.raises(ValueError, match="is not allowed"):
            confined(tmp_path, name, "name")
    with pytest.raises(ValueError, match="it is 300 bytes long, and a file name may have at most 255"):
        confined(tmp_path, "a" * 300, "name")
    assert confined(tmp_path, "resnet18.tv_in1k.f37072fd.weights.h5", "name").parent == tmp_path


def test_new_plugin_with_a_name_too_long_for_a_file_is_one_line(tmp_path):
    message = one_line_error(run_zoo("new-plugin", "a" * 300, "--output", str(tmp_path)), "new-plugin")
    assert message.startswith("name='aaaa") and "a file name may have at most 255" in message
    assert list(tmp_path.iterdir()) == []


# --- 2. --force replaces only what the command writes ----------------------------------------------


def test_export_force_never_removes_a_folder_or_file_it_did_not_write(tmp_path):
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "thesis.tex").write_text("years of work")
    (tmp_path / "m.onnx").mkdir()
    (tmp_path / "m.onnx" / "notes.txt").write_text("mine")
    (tmp_path / "notes").write_text("a file")
    cases = [
        (["--format", "onnx", "--output", "project"], "output 'project' is a folder, not an ONNX export"),
        (["--format", "onnx", "--output", "m.onnx"], "output 'm.onnx' is a folder, not an ONNX export"),
        (["--format", "onnx", "--output", "notes"], "output 'notes' is a file, not an ONNX export"),
        (["--format", "saved_model", "--output", "notes"], "output 'notes' is a file, not a SavedModel export"),  # 15
        (["--format", "onnx", "--output", ""], "output='' is not allowed: name the file to write"),  # 18
        (["--format", "onnx", "--output", "."], "output='.' is not allowed: name the file to write"),  # 30
        (["--format", "saved_model", "--output", ".."], "output='..' is not allowed: name the folder to write"),
        (["--format", "onnx", "--output", "notes/m.onnx"],  # 28
         "cannot create the output's folder notes: a file is in the way where a directory is needed"),
    ]
    for args, expected in cases:
        message = one_line_error(run_zoo("export", "lenet5.mnist5k", *args, "--force", env=OFFLINE, cwd=tmp_path),
                                 "export")
        assert message.startswith(expected), message
    assert (tmp_path / "project" / "thesis.tex").read_text() == "years of work"
    assert (tmp_path / "m.onnx" / "notes.txt").read_text() == "mine"
    assert (tmp_path / "notes").read_text() == "a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx", "notes", "project"]  # no ..old-* folder


def test_move_into_place_keeps_the_old_folder_when_the_new_one_cannot_move(tmp_path):
    from zoo.errors import StorageError
    from zoo.files import move_into_place

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "saved_model.pb").write_text("old")
    with pytest.raises(StorageError, match="no such file or directory"):
        move_into_place(tmp_path / "missing", tmp_path / "out")
    assert (tmp_path / "out" / "saved_model.pb").read_text() == "old"
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "saved_model.pb").write_text("new")
    move_into_place(tmp_path / "new", tmp_path / "out")
    assert (tmp_path / "out" / "saved_model.pb").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _cli_calls(calls: list[list[str]], cwd: Path, timeout: int = 600) -> list[tuple[int, str]]:
    """Run several ``zoo`` commands in one fresh process (TensorFlow starts once): ``(exit status, stderr)`` each."""
    result = run_python(f"""
        import contextlib, io, json, sys
        from zoo.cli import main
        answers = []
        for argv in {calls!r}:
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                status = main(argv)
            answers.append([status, err.getvalue()])
        print(json.dumps(answers))
    """, env=OFFLINE, cwd=cwd, timeout=timeout)
    assert result.returncode == 0, result.stderr
    import json

    return [tuple(answer) for answer in json.loads(result.stdout.strip().splitlines()[-1])]


def test_export_force_replaces_an_earlier_export_and_disk_faults_are_one_line(tmp_path):
    with tmpfs(tmp_path / "ro", read_only=True), tmpfs(tmp_path / "full", "200k"):
        export = ["export", "lenet5.mnist5k"]
        answers = _cli_calls([
            [*export, "--format", "onnx", "--output", "ro/m.onnx"],  # 16
            [*export, "--format", "saved_model", "--output", "full/sm"],  # 17
            [*export, "--format", "onnx", "--output", "m.onnx"],
            [*export, "--format", "onnx", "--output", "m.onnx", "--force"],
            [*export, "--format", "saved_model", "--output", "sm"],
            [*export, "--format", "saved_model", "--output", "sm", "--force"],
            [*export, "--format", "litert", "--quantize", "int8", "--calibration", "/nonexistent", "--output",
             "q.tflite"],  # 29
        ], tmp_path)
        assert os.listdir(tmp_path / "full") == []
    (ro, ro_message), (full, full_message) = answers[:2]
    assert ro == 2 and ro_message.strip().splitlines() == [
        "zoo export: error: cannot write the export in ro: the file system is read-only"], ro_message
    assert full == 2 and len(full_message.strip().splitlines()) == 1, full_message
    assert full_message.startswith("zoo export: error: cannot write the export to full/sm: no space left on the device")
    assert [status for status, _ in answers[2:]] == [0, 0, 0, 0, 2], answers
    assert answers[6][1].strip().splitlines() == [
        "zoo export: error: data='/nonexistent' is neither a built-in dataset (digits, fashion_mnist, mnist, mnist5k, "
        "rotten_tomatoes) nor an existing directory"]
    assert (tmp_path / "m.onnx").read_bytes()[:1] == b"\x08" and (tmp_path / "sm" / "saved_model.pb").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# --- every checkpoint is checked before use (3, 4, 7, 12, 13, 22-25, 27) ----------------------------

LENET = Path(__file__).resolve().parents[1] / "plugins" / "weights" / "lenet5_mnist5k.weights.h5"


def _lenet_file(path: Path, change=None) -> Path:
    """A copy of the shipped LeNet-5 weights; ``change(h5py.File)`` alters it."""
    import shutil

    import h5py

    shutil.copyfile(LENET, path)
    if change is not None:
        with h5py.File(path, "r+") as f:
            change(f)
    return path


def _nan(f):
    f["layers/conv2d/vars/0"][0, 0, 0, 0] = float("nan")


def _as_int(f):
    values = f["layers/dense_2/vars/0"][()]
    del f["layers/dense_2/vars/0"]
    f["layers/dense_2/vars/0"] = (values * 100).astype("int64")


def _digit(path: Path) -> Path:
    from PIL import Image

    import numpy as np

    Image.fromarray(np.zeros((28, 28), np.uint8)).save(path)
    return path


def test_imported_weights_are_checked_for_values_dtypes_and_fit(tmp_path, zoo_home):
    import pickle

    nan = _lenet_file(tmp_path / "nan.weights.h5", _nan)
    ints = _lenet_file(tmp_path / "ints.weights.h5", _as_int)
    good = _lenet_file(tmp_path / "good.weights.h5")
    (tmp_path / "empty.pth").write_bytes(b"")
    (tmp_path / "legacy.pth").write_bytes(pickle.dumps({"fc.weight": os.getcwd}, protocol=4))
    (tmp_path / "folder").mkdir()
    image = _digit(tmp_path / "digit.png")
    imports = ["weights", "import"]
    answers = _cli_calls([
        [*imports, str(nan), "--as", "lenet5.nan"],  # 4
        [*imports, str(ints), "--as", "lenet5.ints"],  # 4
        [*imports, str(nan), "--as", "lenet5.unchecked", "--no-check"],
        ["predict", "lenet5.unchecked", str(image)],  # 4: never "nan%"
        [*imports, str(good), "--as", "lenet5.none", "--num-classes", "0"],  # 3
        [*imports, str(good), "--as", "lenet5.flat", "--input-shape", "28,28"],  # 25
        [*imports, str(good), "--as", "lenet5.neg", "--input-shape=-28,28,1"],  # 25
        [*imports, str(good), "--as", "lenet5.big", "--input-shape", "40,40,1"],  # 24
        [*imports, str(tmp_path / "empty.pth"), "--as", "resnet18.mine", "--from", "torchvision"],  # 12
        [*imports, str(tmp_path / "legacy.pth"), "--as", "resnet18.mine", "--from", "torchvision"],  # 22
        [*imports, str(tmp_path / "folder"), "--as", "lenet5.dir"],  # 23
        [*imports, str(good), "--as", "lenet5.mnist5k"],  # a shipped tag is never replaced
    ], tmp_path)
    lines = [message.strip().splitlines() for _, message in answers]
    print("\n".join(map(str, lines)))
    assert [status for status, _ in answers] == [2, 2, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2], answers
    assert all(len(found) == 1 for i, found in enumerate(lines) if i != 2), lines
    assert "layer 'conv1' weight 0 (layers/conv2d/vars/0) holds 1 value(s) that are not finite (NaN or infinity)" in lines[0][0]
    assert "weight 'predictions/kernel' is stored as int64 values, not floating-point weights" in lines[1][0]
    assert "not finite" in lines[3][0] and "nan%" not in answers[3][1]
    assert lines[4][0].endswith("--num-classes=0 is not allowed: it must be a positive integer")
    assert "input_shape=(28, 28) is not allowed for lenet5: it takes a tuple of 3 dimensions" in lines[5][0]
    assert "--input-shape='-28,28,1' is not allowed: use positive integers" in lines[6][0]
    assert str(good) in lines[7][0] and ".tmp" not in lines[7][0], lines[7]
    assert lines[8][0].endswith("not a readable PyTorch checkpoint (truncated or corrupt: the file is empty)")
    assert "torch.load(weights_only=True) refuses this file" in lines[9][0] and "UserWarning" not in answers[9][1]
    assert "folder is a directory, not a weights file" in lines[10][0]
    assert "lenet5.mnist5k is a tag that keras-zoo or a plugin ships" in lines[11][0]
    catalog = (zoo_home / "registry.yaml").read_text()
    assert "lenet5.unchecked" in catalog and "num_classes: 0" not in catalog
    assert not any(name in catalog for name in ("lenet5.nan", "lenet5.ints", "lenet5.none", "lenet5.flat"))


def test_converted_tensors_of_integers_or_nan_are_refused():
    import keras
    import numpy as np

    from zoo.weights.convert import place_tensors

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="fc")(inputs))
    names = {"fc": "fc"}
    good = {"fc.weight": np.ones((2, 3), np.float32), "fc.bias": np.zeros(2, np.float32)}
    place_tensors(model, good, names, where="ok.safetensors")
    with pytest.raises(ValueError, match=r"ints.safetensors: fc.weight holds int64 values, not floating-point"):
        place_tensors(model, {**good, "fc.weight": np.ones((2, 3), np.int64)}, names, where="ints.safetensors")
    with pytest.raises(ValueError, match=r"nan.safetensors: fc.bias holds 1 value\(s\) that are not finite"):
        place_tensors(model, {**good, "fc.bias": np.array([0, np.nan], np.float32)}, names, where="nan.safetensors")


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A LeNet-5 run directory written by zoo train (one epoch on 200 MNIST digits), and another model's weights."""
    import numpy as np

    import zoo

    root = tmp_path_factory.mktemp("runs")
    x, y = zoo.datasets.load("mnist5k", split="train")
    zoo.train("lenet5", (x[:200], y[:200]), epochs=1, run_dir=root / "run", verbose=0, seed=0)
    zoo.train("lenet5", (x[:200], y[:200]), epochs=1, run_dir=root / "other", verbose=0, seed=1)
    np.save(root / "y.npy", y[:20])
    return root


def _copy_run(trained_run: Path, tmp_path: Path, name: str = "run") -> Path:
    import shutil

    return Path(shutil.copytree(trained_run / name, tmp_path / name))


def test_run_folders_are_checked_against_their_card(tmp_path, trained_run):
    import json
    import shutil

    image = _digit(tmp_path / "digit.png")
    changed = _copy_run(trained_run, tmp_path)
    with open(changed / "best.weights.h5", "r+b") as f:  # 7: eight bytes of the weights overwritten
        f.seek(-4000, os.SEEK_END)
        f.write(b"\xff" * 8)
    swapped = Path(shutil.copytree(changed, tmp_path / "swapped"))
    shutil.copyfile(trained_run / "other" / "best.weights.h5", swapped / "best.weights.h5")  # 7: another model's
    untagged = _copy_run(trained_run, tmp_path / "untagged")  # 13: no tag, no file name, a wrong hash
    card = json.loads((untagged / "card.json").read_text())
    card.update(tag=None, file_name=None, hash="0" * 64)
    (untagged / "card.json").write_text(json.dumps(card))
    missing = _copy_run(trained_run, tmp_path / "missing")  # 27
    (missing / "best.weights.h5").unlink()
    answers = _cli_calls([
        ["evaluate", str(changed), "--data", "mnist5k"],
        ["export", str(changed), "--format", "onnx", "--output", str(tmp_path / "m.onnx")],
        ["evaluate", str(swapped), "--data", "mnist5k"],
        ["predict", str(untagged), str(image)],
        ["predict", str(missing), str(image)],
        ["predict", str(_copy_run(trained_run, tmp_path / "intact")), str(image)],
        ["predict", str(tmp_path / "intact" / "run"), str(tmp_path / "missing.png")],  # 26
        ["predict", "textcnn_rand.rotten_tomatoes", str(image)],  # a text model given an image file
    ], tmp_path)
    statuses = [status for status, _ in answers]
    lines = [message.strip().splitlines() for _, message in answers]
    assert statuses == [2, 2, 2, 2, 2, 0, 2, 2], answers
    assert lines[6] == [f"zoo predict: error: '{tmp_path / 'missing.png'}': no such file; this model takes "
                        "(28, 28, 1) images (.bmp, .gif, .jpeg, .jpg, .png)"]
    assert lines[7] == [f"zoo predict: error: '{image}' is an image file, but textcnn_rand.rotten_tomatoes "
                        "classifies text: pass the text itself, one argument per text"]
    assert all(len(found) == 1 for found in lines[:5]), lines
    for index in (0, 1, 2):
        assert "are not the file recorded for them: sha256" in lines[index][0], lines[index]
    assert "card.json names no weights: neither a weights file (file_name) nor a weight tag (tag)" in lines[3][0]
    assert lines[4][0].endswith(f"weights ({missing / 'best.weights.h5'}): no such file")
    assert not (tmp_path / "m.onnx").exists()


def test_a_run_checkpoint_is_checked_before_it_is_resumed(tmp_path, trained_run):
    import json

    import zoo

    run = _copy_run(trained_run, tmp_path)
    state = json.loads((run / "checkpoint" / "state.json").read_text())
    assert len(state["sha256"]) == 64 and len(state["best"]["sha256"]) == 64
    with open(run / "checkpoint" / state["weights"], "r+b") as f:
        f.seek(-4000, os.SEEK_END)
        f.write(b"\xff" * 8)
    x, y = zoo.datasets.load("mnist5k", split="train")
    with pytest.raises(zoo.weights.io.WeightsMismatchError, match="the checkpoint of run .* are not the file recorded"):
        zoo.train("lenet5", (x[:200], y[:200]), epochs=2, run_dir=run, verbose=0, seed=0)


# --- silent wrong results: the data must fit (5, 6, 8) and a run directory is one process's (9) -------


def _image_folder(root: Path, classes: dict[str, int]) -> Path:
    """A folder of small PNG digits, one subfolder per class."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for name, count in classes.items():
        (root / name).mkdir(parents=True)
        for i in range(count):
            Image.fromarray(rng.integers(0, 255, (28, 28), dtype=np.uint8)).save(root / name / f"{i}.png")
    return root


def test_data_that_does_not_fit_is_refused_and_a_search_resumes_only_on_its_own_data(tmp_path, trained_run):
    one = _image_folder(tmp_path / "one", {"cat": 12})
    two = _image_folder(tmp_path / "two", {"cat": 12, "dog": 12})
    tune = ["tune", "lenet5", "--max-trials", "1", "--epochs", "1", "--tuner", "random", "--directory", "t",
            "--project-name", "p", "--no-tune-training"]
    answers = _cli_calls([
        ["train", "lenet5", "--data", str(one), "--epochs", "1", "--run-dir", "r1"],  # 5
        ["evaluate", str(_copy_run(trained_run, tmp_path)), "--data", str(two)],  # 6
        [*tune, "--data", "digits"],
        [*tune, "--data", "mnist5k"],  # 8
    ], tmp_path)
    lines = [message.strip().splitlines() for _, message in answers]
    assert [status for status, _ in answers] == [2, 2, 0, 2], answers
    assert lines[0] == [f"zoo train: error: data 'one' has 1 class (cat): a classifier is trained to tell classes "
                        "apart, so it needs 2 or more (a folder: one subfolder per class)"]
    assert len(lines[1]) == 1 and "data 'two' has 2 classes (cat, dog) but" in lines[1][0]
    assert "has 10 (0, 1, 2, 3, 4, ...): its labels would be compared with the model's outputs by index" in lines[1][0]
    assert len(lines[3]) == 1 and "the search in t/p ran with dataset='digits', not 'mnist5k'" in lines[3][0]
    assert not (tmp_path / "r1" / "best.weights.h5").exists()


def test_a_run_directory_is_used_by_one_process_at_a_time(tmp_path):
    command = ["train", "lenet5", "--data", "mnist5k", "--epochs", "3", "--run-dir", "twice"]
    code = f"import sys; from zoo.cli import main; sys.exit(main({command!r}))"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **OFFLINE)
    processes = [subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results = [(p.wait(timeout=600), *p.communicate()) for p in processes]
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [0, 2], results
    busy = next(err for status, _, err in results if status == 2).strip().splitlines()
    assert busy == [f"zoo train: error: run_dir='twice' is in use by another process (it holds twice/.lock): wait "
                    "until it ends, or pass another run directory (--run-dir)"]
    log = (tmp_path / "twice" / "log.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in log] == ["epoch", "0", "1", "2"], log


# --- tracebacks and messages (10, 11, 20, 21, 31, 32) -------------------------------------------------


def test_a_reader_that_stops_reading_ends_the_command_quietly(tmp_path):
    for args in (["list"], ["info", "resnet50"]):
        code = f"import sys; from zoo.cli import main; sys.exit(main({args!r}))"
        process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=dict(os.environ, **OFFLINE))
        process.stdout.close()  # as `| head -c 0` would: every write finds the pipe closed
        error = process.stderr.read().decode()
        assert process.wait(timeout=120) == 141 and error == "", error


def test_a_failing_plugin_is_one_line_naming_it_and_zoo_debug_shows_the_traceback(tmp_path):
    from conftest import make_plugin

    make_plugin(tmp_path / "site", "zoo-broken", {"broken": "zoo_broken"}, {"zoo_broken": """
        import zoo

        def build(**kwargs):
            raise RuntimeError("the filters ran out")

        @zoo.hookimpl
        def zoo_register_architectures(registry):
            registry.add(zoo.Architecture(name="brokennet", family="broken", build="zoo_broken:build",
                                          input_shape=(32, 32, 3), num_classes=10))
    """})
    result = run_zoo("stats", "brokennet", pythonpath=[tmp_path / "site"], env=OFFLINE)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines() == [
        "zoo stats: error: plugin 'broken' failed (in zoo_broken.build): RuntimeError: the filters ran out; "
        "ZOO_DEBUG=1 shows the traceback"]
    debug = run_zoo("stats", "brokennet", pythonpath=[tmp_path / "site"], env={**OFFLINE, "ZOO_DEBUG": "1"})
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "the filters ran out" in debug.stderr
    message = one_line_error(run_zoo("stats", "--plugin", "brokn", pythonpath=[tmp_path / "site"], env=OFFLINE),
                             "stats")  # 31
    assert message.startswith("unknown plugin 'brokn'; did you mean broken?")


def test_download_settings_and_faults_are_one_line_and_keep_passwords_out(tmp_path, server):
    from zoo.errors import DownloadError
    from zoo.files import fetch
    from zoo.files.settings import max_download_bytes

    server.files["f.bin"] = b"x" * 100
    for value in ("inf", "nan", "-1", "lots"):  # 10
        os.environ["ZOO_MAX_DOWNLOAD_MB"] = value
        try:
            with pytest.raises(ValueError, match=f"ZOO_MAX_DOWNLOAD_MB='{value}' is not allowed"):
                max_download_bytes()
            with pytest.raises(ValueError, match="ZOO_MAX_DOWNLOAD_MB"):
                fetch([server.url("ok", "f.bin")], tmp_path / "f.bin", hash="0" * 64)
        finally:
            del os.environ["ZOO_MAX_DOWNLOAD_MB"]
    with pytest.raises(DownloadError) as loop:  # 21
        fetch([server.url("loop", "f.bin")], tmp_path / "f.bin", hash="0" * 64)
    assert "\n" not in str(loop.value) and "HTTP 302 redirects without end (a redirect loop)" in str(loop.value)
    secret = server.url("missing", "f.bin").replace("http://", "http://me:s3cret@")  # 32
    with pytest.raises(DownloadError) as missing:
        fetch([secret], tmp_path / "f.bin", hash="0" * 64)
    assert "s3cret" not in str(missing.value) and "http://me:***@127.0.0.1" in str(missing.value)


def test_a_corrupt_image_is_named_without_tensorflow_internals(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    message = one_line_error(run_zoo("predict", "lenet5.mnist5k", str(tmp_path / "broken.png"), env=OFFLINE),
                             "predict")
    assert message.startswith(f"corrupt or unreadable image '{tmp_path / 'broken.png'}': ")
    assert "{{" not in message and "[Op:" not in message and "function_node" not in message


def test_a_disk_that_fills_during_the_first_checkpoint_is_one_line_and_no_crash(tmp_path):
    """14: HDF5 crashed the process at exit after a write failed mid-file; the room is now checked first."""
    import resource

    code = "import sys; from zoo.cli import main; sys.exit(main(sys.argv[1:]))"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **OFFLINE)

    def train(run_dir: Path, preexec=None):
        return subprocess.run([sys.executable, "-c", code, "train", "lenet5", "--data", "mnist5k", "--epochs", "1",
                               "--run-dir", str(run_dir)], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=600, preexec_fn=preexec)

    with tmpfs(tmp_path / "full", "250k"):
        full = train(tmp_path / "full" / "run")
    limited = train(tmp_path / "limited", preexec=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (200_000,) * 2))
    assert full.returncode == 2 and full.stderr.strip().splitlines() == [
        f"zoo train: error: cannot save weights to {tmp_path / 'full' / 'run' / 'best.weights.h5'}: no space left "
        f"on the device ({full.stderr.split('(')[-1].strip()}"], full.stderr
    assert limited.returncode == 2 and len(limited.stderr.strip().splitlines()) == 1, limited.stderr
    assert "the file would be larger than this process may write (file-size limit" in limited.stderr


def test_tune_overwrite_never_removes_a_folder_a_search_did_not_write(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print('mine')")
    message = one_line_error(run_zoo("tune", "lenet5", "--data", "digits", "--directory", ".", "--project-name",
                                     "src", "--overwrite", env=OFFLINE, cwd=tmp_path), "tune")
    assert message.startswith("project 'src' is a folder, not a tuning search's folder: overwrite (--overwrite) "
                              "replaces only what this command writes")
    assert (tmp_path / "src" / "main.py").read_text() == "print('mine')"
