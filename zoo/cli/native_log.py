"""Keeping TensorFlow's native log off the user's terminal: the CLI prints only its own output.

TensorFlow 2.21 writes its C++ start-up lines (oneDNN, CUDA stubs, ``cuInit``, CPU
features) straight to file descriptor 2, before ``TF_CPP_MIN_LOG_LEVEL`` is read by
its new logging. :func:`filtered_native_stderr` points descriptor 2 at a pipe whose
reader drops those lines — absl's prefixed ``I``/``W``/``E`` records below the
``TF_CPP_MIN_LOG_LEVEL`` the user set (default: all but fatal ones), with their
continuation lines, and absl's "before InitializeLog" banner — and passes everything
else through. Python's own ``sys.stderr`` keeps writing to the real stream, so it is
still a terminal when it was one.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading

# absl's record prefix: level letter, MMDD, time, thread id, file:line]
RECORD = re.compile(rb"^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [^\]]+\] ")
BANNER = b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
LEVELS = b"IWEF"  # TF_CPP_MIN_LOG_LEVEL 0 shows all, 1 hides I, 2 hides I and W, 3 hides I, W and E


def _level() -> int:
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    except ValueError:
        return 3


@contextlib.contextmanager
def filtered_native_stderr():
    """Within the block, native writes to descriptor 2 lose TensorFlow's log records; Python's ``sys.stderr``
    goes to the real stream. Does nothing where descriptor 2 cannot be redirected, or where ``sys.stderr`` is
    not the process's own (the CLI called from Python, its output captured)."""
    if sys.stderr is not sys.__stderr__:
        yield
        return
    try:
        real = os.dup(2)
        read, write = os.pipe()
    except OSError:
        yield
        return
    minimum = _level()
    python_stderr = sys.stderr
    sys.stderr = os.fdopen(os.dup(real), "w", buffering=1, encoding=getattr(python_stderr, "encoding", None),
                           errors="backslashreplace")
    os.dup2(write, 2)
    os.close(write)

    def forward():
        dropping = False
        with os.fdopen(read, "rb") as lines:
            for line in lines:
                record = RECORD.match(line)
                if record:
                    dropping = LEVELS.index(record.group(1)) < minimum
                elif line.rstrip(b"\n") == BANNER:
                    dropping = minimum > 0
                    continue
                if not dropping:
                    os.write(real, line)

    reader = threading.Thread(target=forward, name="zoo-native-log", daemon=True)
    reader.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(real, 2)  # closes the pipe's last writer: the reader sees the end
        reader.join(timeout=5)
        sys.stderr.close()
        sys.stderr = python_stderr
        os.close(real)
