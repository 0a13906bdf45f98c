"""zoo.download against a real HTTP server on 127.0.0.1: mirrors, hashes, truncation, locking, progress.

The server (:class:`WeightServer`, also used by test_weights.py) serves bytes
the test gives it, under paths that choose its behaviour:
``/ok/NAME`` serves the file, ``/missing/NAME`` answers 404,
``/truncated/NAME`` announces the full length and closes half-way,
``/slow/NAME`` waits a second before serving. It counts requests per path.
"""

from __future__ import annotations

import collections
import hashlib
import http.server
import sys
import threading
import time

import pytest

from conftest import run_python
from zoo.download import DownloadError, download, file_hash


class WeightServer:
    """A loopback HTTP server on a free port, in a thread."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.requests = collections.Counter()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                _, mode, name = self.path.split("/", 2)
                server.requests[self.path] += 1
                body = server.files.get(name)
                if mode == "missing" or body is None:
                    self.send_error(404)
                    return
                if mode == "slow":
                    time.sleep(1.0)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if mode == "truncated" else body)
                self.wfile.flush()
                if mode == "truncated":
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, mode: str, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{mode}/{name}"

    def count(self, mode: str, name: str) -> int:
        return self.requests[f"/{mode}/{name}"]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    server = WeightServer()
    yield server
    server.close()


@pytest.fixture
def payload(server):
    data = bytes(range(256)) * 4000  # ~1 MB
    server.files["w.h5"] = data
    return data, hashlib.sha256(data).hexdigest()


def test_download_checks_the_hash_and_renames_into_place(server, payload, tmp_path):
    data, sha = payload
    path = download([server.url("ok", "w.h5")], tmp_path / "w.h5", hash=sha)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.h5", "w.h5.lock"]  # no partial file left
    download([server.url("ok", "w.h5")], path, hash=sha)  # already there: no second request
    assert server.count("ok", "w.h5") == 1


def test_md5_as_keras_applications_publishes(server, payload, tmp_path):
    data, _ = payload
    md5 = hashlib.md5(data).hexdigest()
    path = download(server.url("ok", "w.h5"), tmp_path / "w.h5", hash=md5, hash_algorithm="md5")
    assert file_hash(path, "md5") == md5


def test_wrong_hash_names_url_expected_and_actual(server, payload, tmp_path):
    data, sha = payload
    wrong = "0" * 64
    url = server.url("ok", "w.h5")
    with pytest.raises(DownloadError) as error:
        download([url], tmp_path / "w.h5", hash=wrong)
    message = str(error.value)
    assert url in message and wrong in message and sha in message
    assert not any(p.suffix in (".h5", ".part") for p in tmp_path.iterdir())


def test_wrong_hash_on_first_mirror_then_the_next(server, payload, tmp_path):
    data, sha = payload
    server.files["bad.h5"] = b"not the weights"
    # same file name at both mirrors: serve "bad" content under the first URL
    first = server.url("ok", "bad.h5")
    path = download([first, server.url("ok", "w.h5")], tmp_path / "w.h5", hash=sha)
    assert path.read_bytes() == data and server.count("ok", "bad.h5") == 1


def test_truncated_response_is_an_error_then_next_mirror(server, payload, tmp_path):
    data, sha = payload
    truncated = server.url("truncated", "w.h5")
    with pytest.raises(DownloadError, match="truncated"):
        download([truncated], tmp_path / "w.h5", hash=sha)
    with pytest.raises(DownloadError, match="truncated"):  # caught by its length even without a hash
        download([truncated], tmp_path / "w.h5")
    assert not (tmp_path / "w.h5").exists()
    path = download([truncated, server.url("ok", "w.h5")], tmp_path / "w.h5", hash=sha)
    assert path.read_bytes() == data


def test_404_on_first_mirror_success_on_second(server, payload, tmp_path):
    data, sha = payload
    path = download([server.url("missing", "w.h5"), server.url("ok", "w.h5")], tmp_path / "w.h5", hash=sha)
    assert path.read_bytes() == data
    assert server.count("missing", "w.h5") == 1 and server.count("ok", "w.h5") == 1
    with pytest.raises(DownloadError, match="HTTP 404"):
        download([server.url("missing", "w.h5")], tmp_path / "other.h5")


def test_a_corrupt_destination_is_replaced(server, payload, tmp_path):
    data, sha = payload
    (tmp_path / "w.h5").write_bytes(b"corrupted on disk")
    assert download([server.url("ok", "w.h5")], tmp_path / "w.h5", hash=sha).read_bytes() == data


def test_progress_bar_only_when_asked_or_on_a_terminal(server, payload, tmp_path, capsys):
    data, sha = payload
    download([server.url("ok", "w.h5")], tmp_path / "a.h5", hash=sha)  # stderr is not a terminal here
    assert capsys.readouterr().err == ""
    download([server.url("ok", "w.h5")], tmp_path / "b.h5", hash=sha, progress=True)
    err = capsys.readouterr().err
    assert "w.h5" in err and "MB" in err and err.endswith("\n")


def test_four_processes_download_once(server, payload, tmp_path):
    """Four real processes ask for the same file at the same moment: one request, four good files."""
    data, sha = payload
    url, destination = server.url("slow", "w.h5"), tmp_path / "cache" / "w.h5"
    start = time.time() + 2.0
    code = f"""
        import sys, time
        from zoo.download import download
        time.sleep(max(0.0, {start} - time.time()))
        path = download([{url!r}], {str(destination)!r}, hash={sha!r})
        print(open(path, "rb").read() == open(path, "rb").read() and path.stat().st_size)
    """
    import subprocess
    import textwrap

    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert [out.strip() for out, _ in outputs] == [str(len(data))] * 4
    assert server.count("slow", "w.h5") == 1
    assert destination.read_bytes() == data


def test_download_imports_no_tensorflow():
    result = run_python("import sys, zoo.download, zoo.cache; "
                        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    assert result.returncode == 0, result.stderr


def test_a_hash_prefix_is_checked_as_torch_hub_does(server, payload, tmp_path):
    data, sha = payload
    path = download([server.url("ok", "w.h5")], tmp_path / "w.h5", hash=sha[:8])
    assert path.read_bytes() == data
    with pytest.raises(DownloadError, match=f"expected {'0' * 8}"):
        download([server.url("ok", "w.h5")], tmp_path / "other.h5", hash="0" * 8)
