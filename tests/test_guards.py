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
import uuid
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
        ], tmp_path)
        assert os.listdir(tmp_path / "full") == []
    (ro, ro_message), (full, full_message) = answers[:2]
    assert ro == 2 and ro_message.strip().splitlines() == [
        "zoo export: error: cannot write the export in ro: the file system is read-only"], ro_message
    assert full == 2 and len(full_message.strip().splitlines()) == 1, full_message
    assert full_message.startswith("zoo export: error: cannot write the export to full/sm: no space left on the device")
    assert [status for status, _ in answers[2:]] == [0, 0, 0, 0], answers
    assert (tmp_path / "m.onnx").read_bytes()[:1] == b"\x08" and (tmp_path / "sm" / "saved_model.pb").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
