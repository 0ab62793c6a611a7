"""`deskaudit run web --workers N`: worker processes share one port, a dead worker is replaced, Ctrl-C stops all."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from deskaudit.cli.webserver import bind, default_workers

pytestmark = pytest.mark.slow


def children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def start(tmp_path, *args, ignore_sigint: bool = False) -> tuple[subprocess.Popen, str, list[str]]:
    from models import migrate

    url = f"sqlite:///{tmp_path / 'deskaudit.sqlite3'}"
    if not (tmp_path / "deskaudit.sqlite3").exists():
        migrate.upgrade(url)
    env = {**os.environ, "DESKAUDIT_DATABASE_URL": url, "DESKAUDIT_DATA_DIR": str(tmp_path / "data"),
           "PYTHONUNBUFFERED": "1"}
    ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore_sigint else None
    process = subprocess.Popen([sys.executable, "-m", "deskaudit", "run", "web", *args], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=ignore)
    lines, base, deadline = [], None, time.monotonic() + 60
    while base is None and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if match := re.search(r"deskaudit web: (http://127\.0\.0\.1:\d+/)", line):
            base = match[1]
    if base is None:
        process.kill()
        pytest.fail("web server did not start:\n" + "".join(lines))
    return process, base, lines


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


def test_workers_share_the_port_are_replaced_and_stop_together(tmp_path):
    process, base, _ = start(tmp_path, "--port", "0", "--workers", "2")
    try:
        assert process.stdout.readline().strip() == "2 worker processes × 8 threads"
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(get, [base + "login"] * 40)) == {200}
        first = children(process.pid)
        assert len(first) == 2
        os.kill(first[0], signal.SIGKILL)  # a worker dies: another takes its place, the port keeps answering
        wait_for(lambda: len(children(process.pid)) == 2 and first[0] not in children(process.pid))
        assert first[1] in children(process.pid)
        assert get(base + "login") == 200
        workers = children(process.pid)
        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert process.wait(30) == 0
        assert "stopped" in process.stdout.read()
        for pid in workers:
            assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
        with pytest.raises(OSError, match="Connection refused"):
            get(base + "login")
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_and_sigterm_stop_the_server_even_when_started_with_sigint_ignored(tmp_path, workers, stop):
    """A background job of a non-interactive shell starts with SIGINT ignored; the server still stops on it."""
    process, base, _ = start(tmp_path, "--port", "0", "--workers", workers, ignore_sigint=True)
    try:
        assert get(base + "login") == 200
        assert len(children(process.pid)) == (0 if workers == "1" else 2)  # one worker: the process itself
        process.send_signal(stop)
        assert process.wait(30) == 0
        assert "stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()


def test_a_taken_port_is_a_clear_error(tmp_path):
    taken = bind("127.0.0.1", 0)
    try:
        port = taken.getsockname()[1]
        from models import migrate

        url = f"sqlite:///{tmp_path / 'deskaudit.sqlite3'}"
        migrate.upgrade(url)
        env = {**os.environ, "DESKAUDIT_DATABASE_URL": url, "DESKAUDIT_DATA_DIR": str(tmp_path / "data")}
        result = subprocess.run([sys.executable, "-m", "deskaudit", "run", "web", "--port", str(port),
                                 "--workers", "2"], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    finally:
        taken.close()


def test_bind_and_default_workers():
    assert 1 <= default_workers() <= 4
    listener = bind("127.0.0.1", 0)
    try:
        assert listener.getsockname()[1] > 0 and listener.type == socket.SOCK_STREAM
    finally:
        listener.close()


def test_waitress_queue_warnings_are_summed_up_once_a_minute():
    import logging

    from deskaudit.cli.webserver import QueueDepthSummary

    now = [100.0]
    summary = QueueDepthSummary(every_s=60, clock=lambda: now[0])

    def warn(depth: int) -> str | None:
        record = logging.LogRecord("waitress.queue", logging.WARNING, __file__, 1, "Task queue depth is %d",
                                   (depth,), None)
        return record.getMessage() if summary.filter(record) else None

    first = warn(2)
    assert first is not None and "queue depth 2" in first and "60 s" in first  # the first wait is said at once
    now[0] += 1
    assert [warn(d) for d in (1, 5, 3)] == [None, None, None]  # then silence inside the minute …
    now[0] += 59.5
    line = warn(1)  # … and one line with what was held back
    assert line is not None and line.startswith("4 request(s) waited for a free thread in the last 60 s")
    assert "deepest queue 5" in line
    now[0] += 10
    assert warn(9) is None
