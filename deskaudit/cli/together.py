"""``deskaudit run all``: the sampler and the web app as two processes; one Ctrl-C stops both.

The parent starts ``deskaudit run sampler`` and ``deskaudit run web`` with the same environment,
relays their output line by line (prefixed), and when either ends, stops the other.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence

import click

URL_LINE = re.compile(r"deskaudit web: (http://\S+)")


def run_together(sampler_args: Sequence[str], web_args: Sequence[str], *, env: dict[str, str] | None = None,
                 on_url: Callable[[str], None] | None = None) -> int:
    """Run both services until Ctrl-C / SIGTERM or until one of them stops; the exit code of the first to stop."""
    environment = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "deskaudit"]
    children = {
        "sampler": subprocess.Popen([*command, "run", "sampler", *sampler_args], env=environment,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    start_new_session=True),
        "web": subprocess.Popen([*command, "run", "web", *web_args], env=environment, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True),
    }
    finished = threading.Event()

    def relay(name: str, child: subprocess.Popen) -> None:
        for line in child.stdout:
            match = URL_LINE.search(line)
            if match and on_url is not None:
                on_url(match[1])
            else:
                click.echo(f"[{name}] {line.rstrip()}")
        finished.set()

    threads = [threading.Thread(target=relay, args=item, daemon=True) for item in children.items()]
    for thread in threads:
        thread.start()
    previous = {sig: signal.signal(sig, lambda *_: finished.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not finished.wait(0.5):
            if any(child.poll() is not None for child in children.values()):
                break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        first = next((c for c in children.values() if c.poll() is not None), None)
        _stop(children.values())
        for thread in threads:
            thread.join(timeout=5)
    code = first.returncode if first is not None else 0
    click.echo("stopped: sampler and web" if code in (0, -signal.SIGINT, -signal.SIGTERM) else
               f"stopped: a service exited with code {code}")
    return 0 if code in (0, -signal.SIGINT, -signal.SIGTERM) else (code if code > 0 else 1)


def _stop(children) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    for child in children:
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
