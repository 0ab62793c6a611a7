"""Serving the web app: waitress threads in one process, or worker processes sharing one listening socket.

One Python process runs one request's Python code at a time (the GIL), so one process serves about one
CPU core's worth of requests. With ``workers > 1`` the parent binds the address once and forks that
many processes; each builds its own app (its own database pool and caches) and serves the shared
socket with waitress, and the kernel hands each new connection to one of them. The parent only
watches: a worker that dies is started again (a worker that dies within ``CRASH_WINDOW_S`` of its
start, ``MAX_EARLY_CRASHES`` times in a row, stops the server with an error instead), and Ctrl-C or
SIGTERM stops every worker. Everything workers must agree on lives in the database (sessions are
signed cookies with the shared secret key; the sign-in rate limit is the ``login_failures`` table).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

from deskaudit.settings import Settings, load_settings

THREADS = 8  # waitress threads per process: requests wait on the database while others run
CACHE_SECONDS = 5.0  # web.cache: the wall changes when cameras are sampled (every 30 s or more)
CRASH_WINDOW_S = 10.0
MAX_EARLY_CRASHES = 3
STOP_GRACE_S = 10.0
QUEUE_REPORT_EVERY_S = 60.0


class QueueDepthSummary(logging.Filter):
    """waitress warns "Task queue depth is N" for each request that has to wait for a free thread: under
    load, hundreds of lines a second. This lets one line through per ``every_s`` instead, saying how many
    requests waited since the last line and the deepest the queue got."""

    def __init__(self, every_s: float = QUEUE_REPORT_EVERY_S, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.every_s, self.clock = every_s, clock
        self.last: float | None = None
        self.waited = self.deepest = 0

    def filter(self, record: logging.LogRecord) -> bool:
        depth = record.args[0] if isinstance(record.args, tuple) and record.args else 0
        self.waited += 1
        self.deepest = max(self.deepest, int(depth))
        now = self.clock()
        if self.last is not None and now - self.last < self.every_s:
            return False
        if self.last is None:
            record.msg = ("a request waits for a free thread (queue depth %d); from now on such waits are "
                          "counted and reported at most once every %.0f s")
            record.args = (self.deepest, self.every_s)
        else:
            record.msg = ("%d request(s) waited for a free thread in the last %.0f s (deepest queue %d); "
                          "--threads or --workers may help")
            record.args = (self.waited, now - self.last, self.deepest)
        self.last, self.waited, self.deepest = now, 0, 0
        return True


def default_workers() -> int:
    """One worker process per CPU core, at most 4 (the database, not Python, limits beyond that)."""
    return max(1, min(4, os.cpu_count() or 1))


def serve_web(url: str, host: str, port: int, *, announce: Callable[[str], str] | None = None,
              data_dir: Path | None = None, workers: int = 1, threads: int = THREADS,
              cache_seconds: float = CACHE_SECONDS) -> None:
    """Serve the web app until interrupted; ``announce(base_url)`` is printed once listening."""
    config = {**web_config(load_settings(), url, data_dir), "CACHE_SECONDS": cache_seconds}
    listener = bind(host, port)
    base_url = f"http://{host}:{listener.getsockname()[1]}/"
    if workers > 1 and not hasattr(os, "fork"):
        raise click.ClickException("--workers above 1 needs a system with fork(); use --workers 1 here")
    if workers == 1:
        previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:  # the handlers are set explicitly: a process started in the background inherits SIGINT ignored
            _serve(config, listener, threads, lambda: click.echo(announce(base_url) if announce
                                                                  else f"deskaudit web: {base_url}"))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        click.echo("stopped")
        return
    _supervise(config, listener, workers, threads, base_url, announce)


def web_config(settings: Settings, url: str | None = None, data_dir: Path | None = None) -> dict:
    """What ``create_app`` takes from the settings (web/ reads no environment): database, key, data, cookies,
    and how many reverse proxies to believe about the client's address."""
    return {"DATABASE_URL": url or settings.database(), "SECRET_KEY": secret_key(settings),
            "DATA_DIR": str(data_dir or settings.data_path), "SESSION_COOKIE_SECURE": settings.secure_cookies,
            "TRUSTED_PROXIES": settings.trusted_proxies,
            "ATTACHMENT_MAX_BYTES": settings.attachment_max_mb * 1024 * 1024}


def secret_key(settings: Settings) -> bytes:
    """$DESKAUDIT_SECRET_KEY, else a random key kept in DATA_DIR/secret_key (0600), so sign-ins survive restarts."""
    import secrets

    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_path / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port), or a clear error."""
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        listener = socket.socket(info[0], socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(info[4])
        listener.listen(1024)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    return listener


def _serve(config: dict, listener: socket.socket, threads: int, ready: Callable[[], None] | None = None) -> None:
    """Build the app and serve ``listener`` with waitress in this process until interrupted."""
    from waitress import create_server

    from web import create_app

    app = create_app(dict(config))
    gc.collect()
    gc.freeze()  # the app's long-lived objects leave the collector's scans: fewer, shorter pauses under load
    server = create_server(app, sockets=[listener], threads=threads, ident="deskaudit")
    queue_log = logging.getLogger("waitress.queue")
    for old in [f for f in queue_log.filters if isinstance(f, QueueDepthSummary)]:
        queue_log.removeFilter(old)
    queue_log.addFilter(QueueDepthSummary())
    if ready is not None:
        ready()
    try:
        server.run()  # returns on Ctrl-C / SIGTERM (waitress handles the KeyboardInterrupt)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def _worker(config: dict, listener: socket.socket, threads: int) -> None:
    """A worker process: SIGTERM stops it; Ctrl-C is the parent's to handle (it reaches the whole group)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(SystemExit):
        _serve(config, listener, threads)


def _supervise(config: dict, listener: socket.socket, workers: int, threads: int, base_url: str,
               announce: Callable[[str], str] | None) -> None:
    context = multiprocessing.get_context("fork")
    stopping: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, _frame: stopping.append(number))
                for sig in (signal.SIGINT, signal.SIGTERM)}

    def start(slot: int):
        process = context.Process(target=_worker, args=(config, listener, threads), name=f"deskaudit-web-{slot}",
                                  daemon=False)
        process.start()
        return process, time.monotonic()

    running = [start(slot) for slot in range(workers)]
    click.echo(announce(base_url) if announce else f"deskaudit web: {base_url}")
    click.echo(f"{workers} worker processes × {threads} threads")
    early_crashes, failure = 0, None
    try:
        while not stopping:
            time.sleep(0.2)
            for slot, (process, started) in enumerate(running):
                if process.is_alive():
                    continue
                early = time.monotonic() - started < CRASH_WINDOW_S
                early_crashes = early_crashes + 1 if early else 0
                if early_crashes >= MAX_EARLY_CRASHES:
                    failure = (f"web worker processes keep exiting at start (last exit code {process.exitcode}); "
                               "see the messages above")
                    break
                click.echo(f"web worker {process.pid} exited with code {process.exitcode}; starting another", err=True)
                running[slot] = start(slot)
            if failure:
                break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop([process for process, _ in running])
        listener.close()
    if failure:
        raise click.ClickException(failure)
    click.echo("stopped")


def _stop(processes) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()  # SIGTERM: the worker exits
    deadline = time.monotonic() + STOP_GRACE_S
    for process in processes:
        process.join(max(0.1, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()
