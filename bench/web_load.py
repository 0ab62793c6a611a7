"""Web load: a year of data for 200 desks, then 20 concurrent clients on the desk wall and the API.

Builds (or reuses) a database with bench/web_data.py — 10 communes × 20 desks, one camera and one
official each, Mon–Fri 07:30–11:30 and 13:00–17:00, a sample per camera per minute for a year of
working days, presence events, alerts, findings and one month of scores — starts ``deskaudit run web``
(its defaults: one waitress process per CPU core up to 4, 8 threads each, the wall and a month's scores
shared for 5 s; ``--workers`` and ``--cache`` change them) on a free port, and runs ``--clients``
threads for ``--seconds``: half signed in as the admin through /login (session cookie, CSRF token from the form),
half with a commune viewer's bearer token, each on one keep-alive connection, each picking its next request from a
fixed mix:

    /wall 10 % · /wall/tiles 20 % · /api/v1/desks 10 % · /api/v1/alerts?status=open 15 %
    /api/v1/findings?month=M 15 % · /api/v1/observations?desk=D&from=…&to=… (one day) 20 %
    /api/v1/scores?month=M 10 %

Prints count, p50, p95, max and errors per endpoint (and each endpoint alone, one request at a time,
before the load), overall p50 / p95, requests/s, the server's RSS and the load average before and
after. An endpoint that answers 404 to the admin is reported missing and left out. Exit code 1 when
the overall p95 exceeds ``--target-ms``, on any error (non-2xx or exception) or a missing endpoint.
``--think-ms`` makes each client pause between requests; ``--baseline`` first runs the same load against
one server process without the shared cache (the server as it was before both), in the same run, then
prints both. Figures and analysis: docs/PERFORMANCE.md.

    .venv/bin/python bench/web_load.py [--reuse /tmp/web_load.sqlite3] [--clients 20] [--seconds 60]
    .venv/bin/python bench/web_load.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, update  # noqa: E402

import web_data  # noqa: E402  (bench/ is on sys.path)
from models.access import ApiToken, User  # noqa: E402
from models.alerts import Alert  # noqa: E402
from models.db import make_engine, redacted, session_factory, session_scope, sqlite_url  # noqa: E402
from models.enums import AlertStatus  # noqa: E402
from models.findings import Finding  # noqa: E402
from models.observing import Observation, PresenceEvent  # noqa: E402
from models.org import Camera, Desk, Unit  # noqa: E402
from models.scoring import Score  # noqa: E402
from web.auth import new_token, token_hash  # noqa: E402
from web.passwords import hash_password  # noqa: E402
from web_clients import Client, Requests, alone, echo, load, print_table, probe, summarise  # noqa: E402
from web_server import Server, cpu_used  # noqa: E402

# --- the database -----------------------------------------------------------------------------------


@dataclass
class Target:
    url: str
    existed: bool
    complete: bool = False  # a database built for --reuse is kept only once it is complete


@contextmanager
def database(args):
    """The database to load: a reused one, or a fresh SQLite file / PostgreSQL database removed afterwards."""
    if args.database_url is None:
        path = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="web_load.")) / "deskaudit.sqlite3"
        target = Target(sqlite_url(path), path.exists())
        try:
            yield target
        finally:
            if not args.reuse:
                shutil.rmtree(path.parent, ignore_errors=True)
            elif not target.existed and not target.complete:
                for leftover in path.parent.glob(path.name + "*"):
                    leftover.unlink()
        return
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(args.database_url)
    name = args.reuse or f"deskaudit_web_load_{os.getpid()}"
    plain = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        existed = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
        if not existed:
            conn.execute(f'CREATE DATABASE "{name}"')
    target = Target(base.set(database=name).render_as_string(hide_password=False), existed)
    try:
        yield target
    finally:
        if not args.reuse or (not existed and not target.complete):
            with psycopg.connect(plain, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def made_here(url: str) -> bool:
    """Was this database generated by this benchmark? (--reuse never touches any other.)"""
    engine = make_engine(url)
    try:
        with session_scope(session_factory(engine)) as session:
            return session.scalar(select(Unit.id).where(Unit.code == web_data.PROVINCE)) is not None
    except Exception:  # noqa: BLE001  (no schema, not a database: not ours either)
        return False
    finally:
        engine.dispose()


def database_size(url: str) -> str:
    """Space the data takes: SQLite pages in use (and the file, which keeps freed pages), or PostgreSQL's size."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name != "sqlite":
                return f"{conn.exec_driver_sql('SELECT pg_database_size(current_database())').scalar() / 2**30:.2f} GiB"
            pages, free, size = (conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                                 for name in ("page_count", "freelist_count", "page_size"))
            return f"{(pages - free) * size / 2**30:.2f} GiB in use (file {pages * size / 2**30:.2f} GiB)"
    finally:
        engine.dispose()


def write_snapshots(data_dir: Path, cameras: list[str]) -> None:
    """A latest (already blurred) snapshot per camera, as the sampler leaves them, so the wall links them."""
    import cv2

    frame = np.full((480, 640, 3), 90, dtype=np.uint8)
    cv2.rectangle(frame, (430, 150), (640, 360), (60, 110, 160), -1)
    cv2.rectangle(frame, (220, 150), (430, 340), (140, 140, 140), -1)
    _ok, jpeg = cv2.imencode(".jpg", cv2.GaussianBlur(frame, (31, 31), 0))
    latest = data_dir / "snapshots" / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    for code in cameras:
        (latest / f"{code}.jpg").write_bytes(jpeg.tobytes())


# --- what a run needs from the database ------------------------------------------------------------


@dataclass(frozen=True)
class Logins:
    """Fresh credentials for one run: the admin's password, the viewer's bearer token and unit."""

    admin: str
    viewer: str
    password: str
    token: str
    viewer_unit: str


def new_logins(url: str, now: datetime) -> Logins:
    """A fresh password for both users and a fresh bearer token for the viewer (older bench tokens revoked)."""
    password, token = secrets.token_urlsafe(12), new_token()
    engine = make_engine(url)
    try:
        with session_scope(session_factory(engine)) as session:
            names = [web_data.ADMIN, web_data.VIEWER]
            users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(names)))}
            digest = hash_password(password)
            for user in users.values():
                user.password_hash = digest
            viewer = users[web_data.VIEWER]
            session.execute(update(ApiToken).where(ApiToken.user_id == viewer.id, ApiToken.revoked_at.is_(None))
                            .values(revoked_at=now))
            session.add(ApiToken(user_id=viewer.id, name=f"thu-tai {now:%Y%m%d%H%M%S}", token_hash=token_hash(token)))
            unit = viewer.units[0].code
    finally:
        engine.dispose()
    return Logins(web_data.ADMIN, web_data.VIEWER, password, token, unit)


def describe(url: str) -> dict:
    """What a database holds: row counts, the span of the observations, the month that has scores, the desks."""
    engine = make_engine(url)
    try:
        with session_scope(session_factory(engine)) as session:
            count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
            first, last = session.execute(select(func.min(Observation.slot_at), func.max(Observation.slot_at))).one()
            desks = session.execute(select(Desk.code, Unit.code).join(Unit, Desk.unit_id == Unit.id)
                                    .order_by(Desk.code)).all()
            return {
                "units": count(Unit) - 1, "desks": len(desks), "observations": count(Observation),
                "presence_events": count(PresenceEvent), "alerts": count(Alert),
                "alerts_open": session.scalar(select(func.count()).select_from(Alert)
                                              .where(Alert.status != AlertStatus.RESOLVED)),
                "findings": count(Finding), "scores": count(Score), "first": first, "last": last,
                "score_month": session.scalar(select(func.max(Score.month))),
                "cadence": session.scalar(select(func.max(Camera.cadence_seconds))),
                "desk_units": [(d, u) for d, u in desks],
            }
    finally:
        engine.dispose()


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


# --- main -------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (e.g. postgresql://postgres@127.0.0.1:5432/"
                                               "test): a new database is created there and dropped afterwards")
    parser.add_argument("--reuse", metavar="PATH", help="keep the generated database here and reuse it next time "
                                                        "(a SQLite file; with --database-url, a database name)")
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--desks-per-unit", type=int, default=20)
    parser.add_argument("--days", type=int, default=365, help="calendar days of data up to now")
    parser.add_argument("--cadence", type=int, default=60, help="seconds between samples of a camera")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think-ms", type=float, default=0, help="mean pause of a client between requests")
    parser.add_argument("--target-ms", type=float, default=100, help="p95 target over all requests")
    parser.add_argument("--workers", type=int, help="server processes (default: the server's own, one per CPU "
                                                     "core up to 4)")
    parser.add_argument("--threads", type=int, help="request threads per server process (default: its own, 8)")
    parser.add_argument("--cache", type=float, help="seconds the server shares the wall and a month's scores "
                                                    "(default: its own, 5)")
    parser.add_argument("--baseline", action="store_true",
                        help="first run the same load against one server process without the shared cache "
                             "(--workers 1 --cache 0), then against the configuration asked for")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.clients < 2 or args.seconds <= 0 or args.cadence < 1 or args.days < 7:
        parser.error("need --clients ≥ 2, --seconds > 0, --cadence ≥ 1 and --days ≥ 7")

    echo(f"load average before: {load_average()}  ({os.cpu_count()} CPUs)")
    result: dict = {"load_average_before": os.getloadavg(), "cpus": os.cpu_count(), "args": {
        k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k != "database_url"}}
    with database(args) as target:
        url, existed = target.url, target.existed
        echo(f"database: {redacted(url)} ({'reused' if existed else 'new'})")
        if existed and not made_here(url):
            echo(f"FAILED: {redacted(url)} was not generated by this benchmark; give --reuse a new path or name")
            return 2
        if existed:
            from models import migrate

            if migrate.current_revision(url) != migrate.head_revision():
                echo(f"  migrating from revision {migrate.current_revision(url)} to {migrate.head_revision()}")
                migrate.upgrade(url)
            added = web_data.top_up(url, datetime.now(timezone.utc), args.seed, echo)
            echo(f"  brought up to now: {added:,} observations added")
        else:
            plan = web_data.Plan(args.units, args.desks_per_unit, args.days, args.cadence, args.seed)
            built = web_data.build(url, plan, datetime.now(timezone.utc), echo)
            target.complete = True
            result["generation"] = {"counts": built.counts, "seconds": built.seconds}
            echo("  generated in " + ", ".join(f"{k} {v:.1f} s" for k, v in built.seconds.items()))
        info = describe(url)
        result["data"] = {**{k: v for k, v in info.items() if k != "desk_units"},
                          "first": str(info["first"]), "last": str(info["last"]), "size": database_size(url)}
        echo("data: " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                                  for k, v in result["data"].items()))
        logins = new_logins(url, datetime.now(timezone.utc))
        runs = ([("baseline", 1, 0.0)] if args.baseline else []) + [("measured", args.workers, args.cache)]
        codes = []
        with tempfile.TemporaryDirectory(prefix="web_load_data.") as data_dir:
            write_snapshots(Path(data_dir), [f"{d}-CAM" for d, _ in info["desk_units"]])
            for label, workers, cache in runs:
                echo(f"\n=== {label} ===")
                figures: dict = {}
                codes.append(run_load(args, url, Path(data_dir), info, logins, figures, workers, cache))
                result[label] = figures
        if args.baseline:
            before, after = result["baseline"], result["measured"]
            if "all" in before and "all" in after:
                b, a = before["all"], after["all"]
                echo(f"\nbaseline → measured: p50 {b['p50']:.1f} → {a['p50']:.1f} ms, p95 {b['p95']:.1f} → "
                     f"{a['p95']:.1f} ms ({b['p95'] / a['p95']:.1f}× lower), {before['requests_per_s']:.1f} → "
                     f"{after['requests_per_s']:.1f} requests/s")
        code = codes[-1]
    result["load_average_after"] = os.getloadavg()
    echo(f"load average after: {load_average()}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return code


def run_load(args, url: str, data_dir: Path, info: dict, logins, result: dict, workers: int | None,
             cache: float | None) -> int:
    server = Server(url, data_dir, workers=workers, threads=None if workers == 1 and cache == 0 else args.threads,
                    cache=cache)
    try:
        base = server.wait(120)
        time.sleep(3)  # worker processes build their apps after the address is bound
        echo(f"server: {base} (`{' '.join(server.command)}`: {len(server.pids()) - (len(server.pids()) > 1)} "
             "process(es))")
        result["server"] = {"command": server.command}
        requests, rng = Requests(info, logins.viewer_unit), np.random.default_rng(args.seed)
        admin = Client(base, "admin")
        admin.sign_in(logins.admin, logins.password)
        present, missing = probe(admin, requests, rng)
        for endpoint in missing:
            echo(f"MISSING: {endpoint} answers 404 — left out of the load")
        viewer = Client(base, "viewer", token=logins.token)
        alone_ms = alone({"admin": admin, "viewer": viewer}, present, requests, rng, rounds=10)
        clients = []
        for index in range(args.clients):
            if index % 2 == 0:
                client = Client(base, "admin")
                client.sign_in(logins.admin, logins.password)
            else:
                client = Client(base, "viewer", token=logins.token)
            clients.append(client)
        echo(f"load: {len(clients)} clients ({len(clients) - len(clients) // 2} admin by session cookie, "
             f"{len(clients) // 2} viewer of {logins.viewer_unit} by bearer token) for {args.seconds:.0f} s"
             + (f", {args.think_ms:.0f} ms mean pause" if args.think_ms else ", back to back"))
        server_cpu, own_cpu = server.cpu_seconds(), time.process_time()
        records, elapsed = load(clients, present, requests, args.seconds, args.think_ms, args.seed)
        server_cpu, own_cpu = cpu_used(server_cpu, server.cpu_seconds()), time.process_time() - own_cpu
        rss, peak = server.rss_mb()
        summary = summarise(records, elapsed, present, alone_ms)
        print_table(summary)
        echo(f"CPU during the load: server {server_cpu / elapsed:.0%} of one CPU (all its processes) "
             f"({server_cpu / max(len(records), 1) * 1000:.1f} ms per request), clients {own_cpu / elapsed:.0%}")
        summary.update(server_cpu_share=server_cpu / elapsed, client_cpu_share=own_cpu / elapsed,
                       server_cpu_ms_per_request=server_cpu / max(len(records), 1) * 1000)
        queue_lines = [line for line in server.lines if "waited for a free thread" in line
                       or "waits for a free thread" in line]
        echo(f"server RSS at the end: {rss:.0f} MB (peak {peak:.0f} MB); requests that waited for a thread, "
             f"as the server logged them: {'; '.join(line.strip() for line in queue_lines[-2:]) or 'none'}")
        result.update(summary, missing=missing, server_rss_mb=rss, server_peak_rss_mb=peak,
                      queue_log=queue_lines)
        for client in [*clients, admin, viewer]:
            client.close()
    except (RuntimeError, OSError, http.client.HTTPException) as error:
        echo(f"FAILED: {error}")
        result["failure"] = str(error)
        return 1
    finally:
        server.stop()
    p95 = summary["all"]["p95"]
    verdict = [f"p95 {p95:.1f} ms {'≤' if p95 <= args.target_ms else '>'} target {args.target_ms:.0f} ms"]
    if summary["all"]["errors"]:
        verdict.append(f"{summary['all']['errors']} errors")
    if missing:
        verdict.append(f"missing: {', '.join(missing)}")
    ok = p95 <= args.target_ms and not summary["all"]["errors"] and not missing
    echo(("PASS: " if ok else "FAIL: ") + "; ".join(verdict))
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        echo("interrupted")
        sys.exit(130)
