"""Shared fixtures: a clean zoo environment, a fault-injecting HTTP server, and real subprocesses."""

from __future__ import annotations

import collections
import hashlib
import http.server
import os
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
# Before any test imports TensorFlow: torch's CUDA build crashes (in triton, which torch._dynamo imports)
# when torchvision or timm is imported after TensorFlow. tests/test_torch_parity.py uses both.
import timm  # noqa: F401, E402
import torchvision  # noqa: F401, E402

ROOT = Path(__file__).resolve().parents[1]
ZOO_VARIABLES = ("ZOO_LOAD_PLUGINS", "ZOO_DISABLE_PLUGINS", "ZOO_STRICT_PLUGINS", "ZOO_REGISTRY",
                 "ZOO_HOME", "ZOO_OFFLINE", "ZOO_WEIGHTS_PATH", "ZOO_DATA_PATH")


def shipped_weights() -> dict:
    """The raw entries of every weight tag in registry.yaml, across the built-in plugins' sections."""
    import yaml

    sections = yaml.safe_load((ROOT / "registry.yaml").read_text())
    return {name: entry for section in sections.values() for name, entry in section["weights"].items()}


@pytest.fixture(autouse=True)
def zoo_home(tmp_path, monkeypatch):
    """Every test gets its own empty ZOO_HOME and none of the user's other ZOO_* settings."""
    for name in ZOO_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "zoo_home"
    monkeypatch.setenv("ZOO_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def fresh_keras_session():
    """Each test starts Keras' global state afresh, so hundreds of built models don't slow later tests."""
    yield
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()


def run_python(code: str, *, env: dict | None = None, pythonpath: list | None = None, timeout: int = 300,
               cwd=None):
    """Run ``code`` in a fresh Python process with this interpreter (in ``cwd``); returns the CompletedProcess."""
    full_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    if pythonpath:
        full_env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full_env, capture_output=True,
                          text=True, timeout=timeout, cwd=cwd)


def run_zoo(*args: str, env: dict | None = None, pythonpath: list | None = None, timeout: int = 300, cwd=None):
    """Run the ``zoo`` command line in a fresh process (in ``cwd``); returns the CompletedProcess."""
    return run_python(f"import sys; from zoo.cli import main; sys.exit(main({list(args)!r}))",
                      env=env, pythonpath=pythonpath, timeout=timeout, cwd=cwd)


def image_dependent_weights(model, preprocessing: dict, path: Path) -> Path:
    """``model``'s weights saved to ``path`` once its batch norms have the statistics of the export check's inputs.

    Random weights alone give most architectures probabilities that hardly depend on the input (EfficientNet-B0's
    vary by 4e-8 across images), so a check would compare constants: :func:`zoo.kit.calibrate_batch_norms` on the
    check's own 32 synthetic images (and, where that is not enough, :func:`zoo.kit.scale_logits`) make them tell
    the images apart, and this asserts that they do.
    """
    import tensorflow as tf

    from zoo.datasets.pipeline import model_input_shape, preprocess
    from zoo.exporting.exporter import synthetic_examples
    from zoo.kit import calibrate_batch_norms, scale_logits

    examples, _ = synthetic_examples(model)
    x = preprocess(tf.constant(examples), model_input_shape(model), preprocessing)
    calibrate_batch_norms(model, x)
    if float(model.predict(x, verbose=0).std(axis=0).max()) < 1e-2:  # ConvNeXt's (no batch norms): 7e-4
        scale_logits(model, x)
    assert float(model.predict(x, verbose=0).std(axis=0).max()) > 1e-2  # the probabilities depend on the image
    model.save_weights(path)
    return path


def make_plugin(root: Path, distribution: str, entry_points: dict, modules: dict) -> Path:
    """Write a real distribution with ``keras_zoo`` entry points under ``root`` (put it on PYTHONPATH).

    ``importlib.metadata`` finds the ``.dist-info`` there exactly as it finds an installed package.
    """
    root.mkdir(parents=True, exist_ok=True)
    info = root / f"{distribution.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n")
    lines = "\n".join(f"{name} = {value}" for name, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[keras_zoo]\n{lines}\n")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))
    return root


class FaultServer:
    """A loopback HTTP server on a free port, in a thread, that serves bytes the test gives it.

    The first path component chooses the behaviour, ``/MODE/NAME``:

    - ``ok``: the file with its Content-Length; ``missing``: 404; ``error``: 500;
    - ``truncated``: announces the full length, sends half, closes;
    - ``unsized``: no Content-Length, sends half, closes (only a hash or a structural check can tell);
    - ``chunked``: chunked transfer encoding, dropped in the middle of a chunk;
    - ``reset``: the connection is reset (TCP RST) before any byte;
    - ``stall``: headers and a few bytes, then nothing (until the client's timeout);
    - ``endless``: no Content-Length, bytes without end (a size limit must stop it);
    - ``slow``: waits a second, then serves the file; ``wrong``: serves other bytes under the name;
    - ``ftp``: a redirect to an ``ftp://`` URL; ``redirect``: a redirect to ``/ok/NAME``; ``loop``: a redirect
      to itself, without end.

    Requests are counted per path.
    """

    def __init__(self, certificate: Path | None = None):
        self.files: dict[str, bytes] = {}
        self.requests = collections.Counter()
        self.scheme = "https" if certificate else "http"
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                _, mode, name = self.path.split("/", 2)
                server.requests[self.path] += 1
                body = server.files.get(name)
                if mode == "missing" or (body is None and mode not in ("endless", "ftp", "loop")):
                    return self.fail(404)
                if mode == "error":
                    return self.fail(500)
                if mode == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    return
                if mode in ("ftp", "redirect", "loop"):
                    self.send_response(302)
                    self.send_header("Location", {"ftp": f"ftp://127.0.0.1/{name}", "redirect": f"/ok/{name}",
                                                  "loop": f"/loop/{name}"}[mode])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if mode == "slow":
                    time.sleep(1.0)
                if mode == "wrong":
                    body = b"not the file you asked for" * 100
                self.send_response(200)
                self.close_connection = True
                if mode == "chunked":
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    half = body[: len(body) // 2]
                    self.wfile.write(f"{len(body):x}\r\n".encode() + half)  # a chunk announced whole, cut
                    return
                if mode in ("unsized", "endless"):
                    self.end_headers()
                    if mode == "endless":
                        block = b"\0" * 65536
                        try:
                            while True:
                                self.wfile.write(block)
                        except OSError:
                            return
                    self.wfile.write(body[: len(body) // 2])
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mode == "stall":
                    self.wfile.write(body[:10])
                    self.wfile.flush()
                    time.sleep(3.0)
                    return
                self.wfile.write(body[: len(body) // 2] if mode == "truncated" else body)

            def fail(self, code):
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if certificate:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificate, certificate.with_suffix(".key"))
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, mode: str, name: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.httpd.server_address[1]}/{mode}/{name}"

    def count(self, mode: str, name: str) -> int:
        return self.requests[f"/{mode}/{name}"]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    """A :class:`FaultServer` on 127.0.0.1 for the test (plain http: for files with a hash)."""
    server = FaultServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> Path:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command), trusted through SSL_CERT_FILE."""
    directory = tmp_path_factory.mktemp("tls")
    cert = directory / "server.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(cert.with_suffix(".key")),
                    "-out", str(cert)], check=True, capture_output=True)
    return cert


@pytest.fixture
def tls_server(certificate, monkeypatch):
    """A :class:`FaultServer` over https on 127.0.0.1, its certificate trusted by this process and its children."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    server = FaultServer(certificate)
    yield server
    server.close()


# --- a catalog of weights, and a served lenet5 tag --------------------------------------------------


@pytest.fixture
def catalog(tmp_path, monkeypatch):
    """Write a catalog file, point ZOO_REGISTRY at it and start from a fresh registry."""
    import yaml

    import zoo.registry.loader

    path = tmp_path / "catalog.yaml"

    def write(weights: dict) -> Path:
        path.write_text(yaml.safe_dump({"weights": weights}), encoding="utf-8")
        monkeypatch.setenv("ZOO_REGISTRY", str(path))
        monkeypatch.setattr(zoo.registry.loader, "_registry", None)
        return path

    monkeypatch.setattr(zoo.registry.loader, "_registry", None)
    return write


@pytest.fixture(scope="module")
def lenet_file(tmp_path_factory):
    """A lenet5 model with random weights and its ``.weights.h5`` bytes."""
    import keras

    import zoo

    keras.utils.set_random_seed(1)
    model = zoo.get("lenet5")
    path = tmp_path_factory.mktemp("lenet") / "lenet5_test.weights.h5"
    model.save_weights(path)
    return model, path.read_bytes()


@pytest.fixture
def lenet_tag(server, catalog, lenet_file):
    """``lenet5.test`` served at a 404 mirror then a good one; returns (reference model, catalog entry)."""
    model, data = lenet_file
    server.files["lenet5_test.weights.h5"] = data
    entry = {
        "file_name": "lenet5_test.weights.h5",
        "urls": [server.url("missing", "lenet5_test.weights.h5"), server.url("ok", "lenet5_test.weights.h5")],
        "hash": hashlib.sha256(data).hexdigest(), "num_classes": 10, "default": True, "input_shape": [32, 32, 1],
        "class_names": [str(i) for i in range(10)],
        "preprocessing": {"scale": 1 / 255},
    }
    catalog({"lenet5.test": entry})
    return model, entry
