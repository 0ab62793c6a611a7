"""``deskaudit demo``: the example site on SQLite, served on localhost — no camera needed.

``deskaudit demo seed --days N`` fills the same database with N working days of scripted history.
"""

from __future__ import annotations

import socket
from datetime import date, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import select

from deskaudit import paths
from deskaudit.cli.common import BadInput, Failure, database
from deskaudit.cli.webserver import serve_web
from deskaudit.demo.history import EventKind
from deskaudit.demo.seeding import MAX_DAYS, NoWorkingDays, SeedConflict, SeedReport, seed_history
from deskaudit.siteconfig import ConfigError, load_site_config
from deskaudit.siteconfig.importer import import_site
from models import migrate
from models.base import utcnow
from models.db import redacted
from models.enums import local_zone
from models.observing import Observation
from models.org import Unit


def _port_or_any(host: str, preferred: int) -> int:
    """``preferred`` if it is free, else 0 (the server then takes any free port)."""
    with socket.socket() as probe:
        try:
            probe.bind((host, preferred))
            return preferred
        except OSError:
            click.echo(f"      port {preferred} is busy; taking a free one")
            return 0


@click.group(invoke_without_command=True)
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=paths.EXAMPLE_CONFIG,
              show_default=True, help="Site config to load.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Keep the demo in its own SQLite database in this folder [default: the configured database, "
                   "$DESKAUDIT_DATABASE_URL or DATA_DIR/deskaudit.sqlite3].")
@click.option("--history-days", default=22, show_default=True, type=click.IntRange(0, MAX_DAYS),
              help="On first start, seed this many working days of history and audit them (0: none).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Preferred port; a free one is taken if it is busy.")
@click.option("--no-serve", is_flag=True, help="Prepare the database and stop (no web server).")
@click.option("--sampler/--no-sampler", default=True, show_default=True,
              help="Sample the demo cameras (real footage, around the clock) while serving.")
@click.pass_context
def demo(ctx: click.Context, config_file: Path, data_dir: Path | None, history_days: int, host: str, port: int,
         no_serve: bool, sampler: bool) -> None:
    """Create the demo database, import the example site, sample its cameras and serve the web app.

    On first start it also writes --history-days working days of scripted history (dữ liệu mẫu) and
    audits them, so findings, scores and reports have data. Prints the URL once the server is listening.
    `deskaudit demo seed --days N` writes history on its own.
    """
    if ctx.invoked_subcommand is not None:
        return
    directory, url = _prepare(config_file, data_dir)
    if history_days:
        first_history(url, history_days, now=datetime.now(local_zone()))
    if no_serve:
        click.echo(f"[3/3] ready: {redacted(url)}")
        return
    login = _demo_admin(url, directory)
    web_port = _port_or_any(host, port)

    def banner(base: str) -> str:
        return f"\n  deskaudit demo: {base}\n  đăng nhập / sign in: {login[0]} / {login[1]}\n"

    if not sampler:
        click.echo("[3/3] web server (Ctrl-C to stop)")
        serve_web(url, host, web_port, announce=banner, data_dir=directory)
        return
    from deskaudit.cli.together import run_together

    click.echo("[3/3] sampler (six cameras replaying real footage, around the clock) and web server; Ctrl-C stops both")
    code = run_together(["--ignore-hours"], ["--host", host, "--port", str(web_port)],
                        env={"DESKAUDIT_DATABASE_URL": url, "DESKAUDIT_DATA_DIR": str(directory)},
                        on_url=lambda base: click.echo(banner(base)))
    raise SystemExit(code)


DEMO_LOGIN_FILE = "demo-admin-login.txt"


def _demo_admin(url: str, directory: Path) -> tuple[str, str]:
    """The demo's admin account: created once with a random password, kept in DATA_DIR (0600) to be shown again."""
    import os
    import secrets

    from models.access import User
    from models.enums import Role
    from web.passwords import hash_password, verify_password

    path = directory / DEMO_LOGIN_FILE
    saved = path.read_text(encoding="utf-8").split() if path.exists() else []
    with database(url) as session:
        user = session.scalar(select(User).where(User.username == "admin"))
        if user is not None and len(saved) == 2 and verify_password(user.password_hash, saved[1]):
            return saved[0], saved[1]
        if user is not None:  # someone else's admin account: its password is theirs, never reset here
            return "admin", "(mật khẩu của bạn / your own password)"
        password = secrets.token_urlsafe(12)
        session.add(User(username="admin", full_name="Quản trị (demo)", role=Role.ADMIN,
                         password_hash=hash_password(password)))
    directory.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(f"admin {password}\n")
    return "admin", password


def _prepare(config_file: Path, data_dir: Path | None) -> tuple[Path, str]:
    """Migrate the demo database (in ``data_dir``, else the configured one) and import the site config into it.

    Refuses a database that already holds another site: the demo would mix its example units into it.
    """
    if data_dir is not None:
        directory = data_dir.resolve()
        url = paths.database_url(directory)
    else:
        directory, url = paths.data_dir(), paths.database_url()
    try:
        loaded = load_site_config(config_file)
    except ConfigError as error:
        raise BadInput(str(error)) from None
    click.echo(f"[1/3] database {redacted(url)}")
    if url.startswith("sqlite"):
        directory.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(url)
    click.echo(f"[2/3] site config {config_file}")
    with database(url) as session:
        ours = {unit.id for unit in loaded.site.units}
        others = sorted(set(session.scalars(select(Unit.code))) - ours)
        if others:
            raise BadInput(f"database {redacted(url)} already holds another site (units {', '.join(others[:5])}"
                           f"{' …' if len(others) > 5 else ''}); give the demo its own with --data-dir DIR")
        report = import_site(session, loaded.site, actor="demo", base_dir=loaded.path.parent, now=utcnow())
    click.echo(f"      {report.changed} change(s)" if report.changed else "      already up to date")
    return directory, url


def first_history(url: str, days: int, *, now: datetime) -> SeedReport | None:
    """Seed ``days`` working days up to the day before ``now`` (local) and audit them, and score every month
    they touch, unless seeded history is already there; the report of what was seeded, else None."""
    from audit.services.audit_run import run_audit
    from audit.services.scores import compute_month
    from deskaudit.demo.history import SEED_MODEL_ID

    with database(url) as session:
        if session.scalar(select(Observation.id).where(Observation.model_id == SEED_MODEL_ID).limit(1)) is not None:
            click.echo("      history: already seeded (`deskaudit demo seed --days N` writes more)")
            return None
        yesterday = now.astimezone(local_zone()).date() - timedelta(days=1)
        click.echo(f"      history: {days} working day(s) up to {yesterday} (dữ liệu mẫu), then the audit")
        with click.progressbar(length=1, label="      seed ") as bar:
            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            try:
                report = seed_history(session, days=days, until=yesterday, progress=progress)
            except (SeedConflict, NoWorkingDays) as error:
                click.echo(f"      history skipped: {error}")
                return None
        with click.progressbar(length=len(report.days), label="      audit") as bar:
            audited = run_audit(session, report.days, now=now, progress=lambda _: bar.update(1))
        for month in sorted({day.strftime("%Y-%m") for day in report.days}):
            compute_month(session, month, now=now)
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(audited.by_kind.items())) or "none"
    click.echo(f"      {report.observations} observations; findings proposed: {kinds}")
    return report


@demo.command("seed")
@click.option("--days", type=int, required=True, help=f"Working days of history to write (1..{MAX_DAYS}).")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Last day to seed, YYYY-MM-DD [default: yesterday, local time].")
@click.option("--seed", "seed_value", type=int, default=2026, show_default=True,
              help="Random seed: the same seed gives the same history.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="Site config to load [default: as `deskaudit demo`, the example site].")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="The demo's own SQLite database folder [default: as `deskaudit demo`, the configured database].")
@click.option("--force", is_flag=True, help="Also replace observations a real sampler wrote on those days.")
@click.pass_context
def seed(ctx: click.Context, days: int, until: datetime | None, seed_value: int, config_file: Path | None,
         data_dir: Path | None, force: bool) -> None:
    """Write N working days of scripted history (dữ liệu mẫu) into the demo database.

    Every enabled camera of every active desk, inside working hours only, with late arrivals,
    breaks, unattended spells, queues and camera faults; plus one excused morning of leave and
    monthly dossier statistics per official. Running it again for the same days replaces them.
    """
    today = datetime.now(local_zone()).date()
    if not 1 <= days <= MAX_DAYS:
        raise BadInput(f"--days {days}: số ngày phải từ 1 đến {MAX_DAYS} / must be within 1..{MAX_DAYS}")
    if seed_value < 0:
        raise BadInput(f"--seed {seed_value}: phải ≥ 0 / must be ≥ 0")
    last: date = until.date() if until is not None else today - timedelta(days=1)
    if last > today:
        raise BadInput(f"--until {last}: không tạo dữ liệu cho ngày tương lai / cannot seed days after today ({today})")
    outer = ctx.parent.params if ctx.parent is not None else {}  # `deskaudit demo --data-dir D seed …` works too
    config_file = config_file or outer.get("config_file") or paths.EXAMPLE_CONFIG
    _, url = _prepare(config_file, data_dir or outer.get("data_dir"))
    click.echo(f"[3/3] {days} working day(s) up to {last}, seed {seed_value}")
    with database(url) as session, click.progressbar(length=1, label="      desk-days") as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        try:
            report = seed_history(session, days=days, until=last, seed=seed_value, progress=progress, force=force)
        except SeedConflict as error:
            raise BadInput(str(error)) from None
        except NoWorkingDays as error:
            raise Failure(str(error)) from None
    _summary(report)


def _summary(report: SeedReport) -> None:
    first, last = report.days[0], report.days[-1]
    click.echo(f"      {len(report.days)} ngày làm việc / working days ({first} … {last}), "
               f"{report.desks} quầy / desks, {report.cameras} camera")
    click.echo(f"      {report.observations} quan sát / observations, {report.presence_events} presence events"
               + (f", {report.replaced_observations} replaced" if report.replaced_observations else ""))
    click.echo(f"      camera mất tín hiệu / outages: {report.count(EventKind.OUTAGE)}, "
               f"đứng hình / frozen: {report.count(EventKind.FROZEN)}")
    with_queue = sum(1 for e in report.events if e.event.kind is EventKind.UNATTENDED and e.event.with_queue)
    click.echo(f"      vắng quầy > 15 phút / unattended spells: {report.count(EventKind.UNATTENDED)} "
               f"({with_queue} khi có người dân chờ / with citizens waiting)")
    click.echo(f"      đi muộn / late arrivals: {report.count(EventKind.LATE_ARRIVAL)}, "
               f"về sớm / early leaves: {report.count(EventKind.EARLY_LEAVE)}, "
               f"vắng cả buổi / absent sessions: {report.count(EventKind.ABSENT_SESSION)}")
    if report.excused:
        click.echo(f"      nghỉ phép có đơn / excused leave: {report.excused[0]}, sáng {report.excused[1]}")
    click.echo(f"      thống kê hồ sơ / dossier statistics: {report.dossier_stats} row(s)")
    if report.inspections:
        click.echo(f"      biên bản kiểm tra / inspection records: {report.inspections}")
