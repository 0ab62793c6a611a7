"""``deskaudit run web`` in a child process for bench/web_load.py, with its CPU time and memory.

The server may be several processes (``--workers``): CPU time and memory are summed over the parent
and every worker it started.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URL_LINE = re.compile(r"deskaudit web: (http://\S+)")


class Server:
    """``deskaudit run web`` on a free port; its output is drained so it never blocks on a full pipe."""

    def __init__(self, url: str, data_dir: Path, *, workers: int | None = None, threads: int | None = None,
                 cache: float | None = None):
        env = {**os.environ, "DESKAUDIT_DATABASE_URL": url, "DESKAUDIT_DATA_DIR": str(data_dir),
               "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", "deskaudit", "run", "web", "--port", "0"]
        if workers is not None:
            command += ["--workers", str(workers)]
        if threads is not None:
            command += ["--threads", str(threads)]
        if cache is not None:
            command += ["--cache", str(cache)]
        self.command = command[2:]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self.lines: list[str] = []
        self.base: str | None = None
        self.ready = threading.Event()
        for stream in (self.process.stdout, self.process.stderr):
            threading.Thread(target=self._drain, args=(stream,), daemon=True).start()

    def _drain(self, stream) -> None:
        for line in stream:
            self.lines.append(line.rstrip())
            found = URL_LINE.search(line)
            if found:
                self.base = found.group(1)
                self.ready.set()
        self.ready.set()

    def wait(self, timeout: float) -> str:
        self.ready.wait(timeout)
        if self.base is None:
            raise RuntimeError("the web server did not start:\n  " + "\n  ".join(self.lines[-25:]))
        return self.base

    def pids(self) -> list[int]:
        """The server process and its worker processes."""
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            with contextlib.suppress(OSError):
                todo += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        return found

    def rss_mb(self) -> tuple[float, float]:
        """Resident and peak resident memory of the server's processes together, MB."""
        rss = peak = 0.0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            rss += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
            peak += int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
        return rss, peak

    def cpu_seconds(self) -> dict[int, float]:
        """User + system CPU time of each of the server's processes, by pid."""
        used = {}
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return used

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the server's processes used between two ``cpu_seconds()`` readings."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
