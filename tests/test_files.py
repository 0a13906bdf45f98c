"""The file layer (zoo.files) against a fault-injecting HTTP(S) server on 127.0.0.1: mirrors, hashes, every kind
of broken transfer, size limits, schemes, locking, names, offline, progress (issue 12)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import run_python
from zoo.errors import DownloadError
from zoo.files import check_name, check_url, confined, fetch, file_hash, offline, same_hash


@pytest.fixture
def payload(server):
    data = bytes(range(256)) * 4000  # ~1 MB
    server.files["w.h5"] = data
    return data, hashlib.sha256(data).hexdigest()


def test_fetch_checks_the_hash_and_renames_into_place(server, payload, tmp_path):
    data, sha = payload
    path = fetch([server.url("ok", "w.h5")], tmp_path / "w.h5", hash=sha)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.h5", "w.h5.lock"]  # no partial file left
    fetch([server.url("ok", "w.h5")], path, hash=sha.upper())  # already there (any case): no second request
    assert server.count("ok", "w.h5") == 1


def test_md5_as_keras_applications_publishes(server, payload, tmp_path):
    data, _ = payload
    md5 = hashlib.md5(data).hexdigest()
    path = fetch(server.url("ok", "w.h5"), tmp_path / "w.h5", hash=md5, hash_algorithm="md5")
    assert file_hash(path, "md5") == md5 and same_hash(md5.upper(), md5)


def test_wrong_hash_names_url_expected_and_actual_then_the_next_mirror(server, payload, tmp_path):
    data, sha = payload
    url = server.url("wrong", "w.h5")
    with pytest.raises(DownloadError) as error:
        fetch([url], tmp_path / "w.h5", hash=sha)
    assert url in str(error.value) and sha in str(error.value) and "wrong sha256" in str(error.value)
    assert not any(p.suffix in (".h5",) for p in tmp_path.iterdir() if not p.name.endswith(".lock"))
    assert fetch([url, server.url("ok", "w.h5")], tmp_path / "w.h5", hash=sha).read_bytes() == data


def test_a_hash_prefix_is_checked_as_torch_hub_does(server, payload, tmp_path):
    data, sha = payload
    path = fetch([server.url("ok", "w.h5")], tmp_path / "w.h5", hash=sha[:8])
    assert path.read_bytes() == data
    with pytest.raises(DownloadError, match=f"expected {'0' * 8}"):
        fetch([server.url("ok", "w.h5")], tmp_path / "other.h5", hash="0" * 8)
    assert same_hash(sha, sha[:8].upper()) and not same_hash(sha, sha[:7])  # fewer than 8 digits never match


@pytest.mark.parametrize("mode, reason", [
    ("missing", "HTTP 404"),
    ("error", "HTTP 500"),
    ("truncated", "truncated response: received"),
    ("unsized", "wrong sha256"),  # no Content-Length: the hash is what tells
    ("chunked", "the connection closed mid-body"),
    ("reset", "Connection reset|Remote end closed connection"),
    ("stall", "timed out"),
])
def test_every_broken_transfer_moves_on_to_the_next_mirror(server, payload, tmp_path, mode, reason):
    data, sha = payload
    broken = server.url(mode, "w.h5")
    with pytest.raises(DownloadError) as error:
        fetch([broken], tmp_path / "w.h5", hash=sha, timeout=1.0)
    assert broken in str(error.value) and re.search(reason, str(error.value)), str(error.value)
    assert not (tmp_path / "w.h5").exists()
    path = fetch([broken, server.url("ok", "w.h5")], tmp_path / "w.h5", hash=sha, timeout=1.0)
    assert path.read_bytes() == data and server.count("ok", "w.h5") == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no partial file left


def test_a_truncated_body_without_a_hash_is_caught_by_its_length_or_its_structure(tls_server, tmp_path):
    from zoo.weights.cache import check_hdf5

    import h5py
    import numpy as np

    with h5py.File(tmp_path / "real.h5", "w") as f:
        f["kernel"] = np.random.default_rng(0).random((200, 200))
    tls_server.files["u.h5"] = (tmp_path / "real.h5").read_bytes()
    with pytest.raises(DownloadError, match="truncated response"):  # Content-Length tells
        fetch([tls_server.url("truncated", "u.h5")], tmp_path / "u.h5", verify=check_hdf5)
    with pytest.raises(DownloadError, match="incomplete or corrupt"):  # no Content-Length: the structure tells
        fetch([tls_server.url("unsized", "u.h5")], tmp_path / "u.h5", verify=check_hdf5)
    assert not (tmp_path / "u.h5").exists()
    fetch([tls_server.url("unsized", "u.h5"), tls_server.url("ok", "u.h5")], tmp_path / "u.h5", verify=check_hdf5)
    assert (tmp_path / "u.h5").read_bytes() == tls_server.files["u.h5"]


def test_every_download_has_a_size_limit(server, payload, tmp_path, monkeypatch):
    data, sha = payload
    monkeypatch.setenv("ZOO_MAX_DOWNLOAD_MB", "0.5")
    started = time.monotonic()
    with pytest.raises(DownloadError, match="passed the 524288 bytes allowed .*ZOO_MAX_DOWNLOAD_MB.*abandoned"):
        fetch([server.url("endless", "w.h5")], tmp_path / "w.h5", hash=sha)
    assert time.monotonic() - started < 30 and not (tmp_path / "w.h5").exists()
    with pytest.raises(DownloadError, match=f"announces {len(data)} bytes, more than the 524288 allowed"):
        fetch([server.url("ok", "w.h5")], tmp_path / "w.h5", hash=sha)
    monkeypatch.delenv("ZOO_MAX_DOWNLOAD_MB")
    with pytest.raises(DownloadError, match="more than the 1000 allowed \\(the expected size\\)"):
        fetch([server.url("ok", "w.h5")], tmp_path / "w.h5", hash=sha, size=1000)
    path = fetch([server.url("endless", "w.h5"), server.url("ok", "w.h5")], tmp_path / "w.h5", hash=sha,
                 size=len(data))
    assert path.read_bytes() == data


@pytest.mark.parametrize("url, hashed, allowed", [
    ("https://a.example/w.h5", False, True),
    ("file:///mirror/w.h5", False, True),
    ("http://a.example/w.h5", True, True),
    ("http://a.example/w.h5", False, False),
    ("ftp://a.example/w.h5", True, False),
    ("data:application/octet-stream;base64,AAAA", True, False),
    ("/etc/passwd", True, False),
])
def test_only_safe_url_schemes(url, hashed, allowed):
    if allowed:
        assert check_url(url, hashed=hashed) == url
    else:
        with pytest.raises(ValueError, match=f"urls item {url!r} is not allowed"):
            check_url(url, hashed=hashed)


def test_a_redirect_to_an_unsafe_scheme_is_refused(server, payload, tmp_path):
    data, sha = payload
    with pytest.raises(DownloadError, match="ftp://127.0.0.1/w.h5' is not allowed"):
        fetch([server.url("ftp", "w.h5")], tmp_path / "w.h5", hash=sha)
    assert fetch([server.url("redirect", "w.h5")], tmp_path / "w.h5", hash=sha).read_bytes() == data


@pytest.mark.parametrize("name", ["../../x", "/etc/passwd", "a/b", "..", ".", ".hidden", "", "a\x00b", "a\\b"])
def test_names_are_confined(name, tmp_path):
    with pytest.raises(ValueError, match="file_name=.* is not allowed: it must be a plain name"):
        check_name("file_name", name)
    with pytest.raises(ValueError, match="file_name"):
        confined(tmp_path, name, "file_name")


def test_a_symbolic_link_out_of_the_directory_is_refused(tmp_path):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "w.h5").symlink_to("/etc/passwd")
    with pytest.raises(ValueError, match="resolves to /etc/passwd, outside"):
        confined(tmp_path / "cache", "w.h5", "file_name")
    assert confined(tmp_path / "cache", "v.h5", "file_name") == tmp_path / "cache" / "v.h5"


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("YES", True), ("On", True),
                                             ("0", False), ("false", False), ("no", False), ("OFF", False),
                                             ("", False)])
def test_zoo_offline_has_one_reading(monkeypatch, value, expected):
    monkeypatch.setenv("ZOO_OFFLINE", value)
    assert offline() is expected


def test_a_zoo_offline_value_that_means_nothing_is_an_error(monkeypatch):
    monkeypatch.setenv("ZOO_OFFLINE", "maybe")
    with pytest.raises(ValueError, match="ZOO_OFFLINE='maybe' is not allowed: use one of 1, true, yes, on"):
        offline()


def test_offline_fetch_uses_file_urls_only(server, payload, tmp_path, monkeypatch):
    data, sha = payload
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "w.h5").write_bytes(data)
    monkeypatch.setenv("ZOO_OFFLINE", "True")
    with pytest.raises(DownloadError, match="not downloaded \\(offline"):
        fetch([server.url("ok", "w.h5")], tmp_path / "cache" / "w.h5", hash=sha)
    path = fetch([server.url("ok", "w.h5"), (mirror / "w.h5").as_uri()], tmp_path / "cache" / "w.h5", hash=sha)
    assert path.read_bytes() == data and sum(server.requests.values()) == 0


def test_progress_bar_only_when_asked_or_on_a_terminal(server, payload, tmp_path, capsys):
    data, sha = payload
    fetch([server.url("ok", "w.h5")], tmp_path / "a.h5", hash=sha)  # stderr is not a terminal here
    assert capsys.readouterr().err == ""
    fetch([server.url("ok", "w.h5")], tmp_path / "b.h5", hash=sha, progress=True)
    err = capsys.readouterr().err
    assert "w.h5" in err and "MB" in err and err.endswith("\n")


def test_four_processes_download_once(server, payload, tmp_path):
    """Four real processes ask for the same file at the same moment: one request, four good files."""
    data, sha = payload
    url, destination = server.url("slow", "w.h5"), tmp_path / "cache" / "w.h5"
    start = time.time() + 2.0
    code = f"""
        import sys, time
        from zoo.files import fetch
        time.sleep(max(0.0, {start} - time.time()))
        path = fetch([{url!r}], {str(destination)!r}, hash={sha!r})
        print(open(path, "rb").read() == open(path, "rb").read() and path.stat().st_size)
    """
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert [out.strip() for out, _ in outputs] == [str(len(data))] * 4
    assert server.count("slow", "w.h5") == 1
    assert destination.read_bytes() == data


def test_the_file_layer_imports_no_tensorflow():
    result = run_python("import sys, zoo.files, zoo.weights.cache, zoo.datasets.files; "
                        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    assert result.returncode == 0, result.stderr
