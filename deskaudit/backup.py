"""Back up and restore a deskaudit site: the database and the data directory in one ``.tar.gz``.

The archive holds ``manifest.json`` (format, schema revision, database kind, when), the database —
SQLite through its online backup API (consistent while the sampler writes), PostgreSQL as a ``pg_dump``
custom-format dump — and ``data/``: the data directory (evidence frames, snapshots, inspection photos, the
secret key), without the SQLite database file itself. Restoring checks the whole archive before it writes
anything, refuses a database that already holds a site unless forced, and never extracts outside the
data directory. Passwords go to ``pg_dump``/``pg_restore`` through the environment, never the command line.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from deskaudit import __version__
from models import migrate
from models.db import make_engine, redacted

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER, PG_MEMBER, DATA_PREFIX = "database.sqlite3", "database.pgdump", "data"
SKIPPED = ("deskaudit.sqlite3-wal", "deskaudit.sqlite3-shm")  # SQLite's own side files


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why (never a password)."""


class BadArchive(BackupError):
    """The file given to restore is not a usable deskaudit backup."""


@dataclass(frozen=True)
class Manifest:
    format: int
    created_at: str
    revision: str | None
    database: str  # "sqlite" or "postgresql"
    version: str
    data_files: int


def _kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"{redacted(url)}: only SQLite and PostgreSQL databases can be backed up")
    return backend


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url}: an in-memory database has nothing to back up")
    return Path(database).resolve()


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment that carries it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} not found: install the PostgreSQL client (apt-get install postgresql-client)")
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        password = env.get("PGPASSWORD")
        message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        if password:
            message = message.replace(password, "***")
        raise BackupError(f"{what} failed: {message}")


def backup(url: str, data_dir: Path, output: Path) -> Manifest:
    """Write the archive ``output`` of the database at ``url`` and the data directory."""
    kind = _kind(url)
    revision = migrate.current_revision(url)
    if revision is None:
        raise BackupError(f"{redacted(url)}: no deskaudit schema here (nothing to back up)")
    data_dir = Path(data_dir).resolve()
    sqlite_file = _sqlite_path(url) if kind == "sqlite" else None
    with tempfile.TemporaryDirectory(prefix="deskaudit-backup-") as tmp:
        dump = Path(tmp) / (SQLITE_MEMBER if kind == "sqlite" else PG_MEMBER)
        if sqlite_file is not None:
            source = sqlite3.connect(f"file:{sqlite_file}?mode=ro", uri=True)
            target = sqlite3.connect(dump)
            try:
                source.backup(target)  # a consistent copy while others write
            finally:
                target.close()
                source.close()
        else:
            uri, env = _libpq(url)
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), uri], env, "pg_dump")
        files = [p for p in sorted(data_dir.rglob("*")) if p.is_file() and p.resolve() != sqlite_file
                 and p.name not in SKIPPED] if data_dir.is_dir() else []
        manifest = Manifest(FORMAT, datetime.now(timezone.utc).isoformat(timespec="seconds"), revision, kind,
                            __version__, len(files))
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            body = json.dumps(manifest.__dict__, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(body), int(datetime.now().timestamp())
            archive.addfile(info, io.BytesIO(body))
            archive.add(dump, arcname=dump.name)
            for path in files:
                archive.add(path, arcname=f"{DATA_PREFIX}/{path.relative_to(data_dir).as_posix()}")
        partial.replace(output)  # a half-written archive never carries the final name
    return manifest


def read_manifest(archive_path: Path) -> Manifest:
    """The archive's manifest, after checking that every member is where a deskaudit backup puts it."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            members = archive.getmembers()
            _check_members(members)
            handle = archive.extractfile(MANIFEST) if MANIFEST in archive.getnames() else None
            if handle is None:
                raise BadArchive(f"{archive_path}: no {MANIFEST}: not a deskaudit backup")
            raw = json.loads(handle.read())
    except FileNotFoundError:
        raise BadArchive(f"{archive_path}: no such file") from None
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BadArchive(f"{archive_path}: not a readable deskaudit backup ({type(error).__name__})") from None
    except json.JSONDecodeError:
        raise BadArchive(f"{archive_path}: {MANIFEST} is not JSON") from None
    try:
        manifest = Manifest(**raw)
    except TypeError:
        raise BadArchive(f"{archive_path}: {MANIFEST} has unexpected fields") from None
    if manifest.format != FORMAT:
        raise BadArchive(f"{archive_path}: backup format {manifest.format}, this version reads {FORMAT}")
    names = {m.name for m in members}
    if (SQLITE_MEMBER if manifest.database == "sqlite" else PG_MEMBER) not in names:
        raise BadArchive(f"{archive_path}: the {manifest.database} database is missing from the archive")
    return manifest


def _check_members(members: list[tarfile.TarInfo]) -> None:
    for member in members:
        path = PurePosixPath(member.name)
        top = path.parts[0] if path.parts else ""
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BadArchive(f"archive member {member.name!r} is unsafe (absolute, '..', or a link)")
        if top not in (MANIFEST, SQLITE_MEMBER, PG_MEMBER, DATA_PREFIX):
            raise BadArchive(f"archive member {member.name!r} is not part of a deskaudit backup")


def holds_a_site(url: str) -> bool:
    """Does the database already hold deskaudit tables?"""
    engine = make_engine(url)
    try:
        return "units" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def restore(archive_path: Path, url: str, data_dir: Path, *, force: bool = False) -> Manifest:
    """Put the archive's database at ``url`` and its files into ``data_dir``; returns its manifest."""
    manifest = read_manifest(archive_path)
    kind = _kind(url)
    if kind != manifest.database:
        raise BackupError(f"the backup holds a {manifest.database} database; {redacted(url)} is {kind} "
                          "(move between them with a fresh import instead)")
    if not force and holds_a_site(url):
        raise BackupError(f"{redacted(url)} already holds a deskaudit site: restore over it with --force")
    data_dir = Path(data_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="deskaudit-restore-") as tmp, \
            tarfile.open(archive_path, "r:gz") as archive:
        archive.extractall(tmp, filter="data")
        staged = Path(tmp)
        if kind == "sqlite":
            target_path = _sqlite_path(url)
            target_path.parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(staged / SQLITE_MEMBER)
            target = sqlite3.connect(target_path)
            try:
                source.backup(target)  # replaces every page of the target, in one go
            finally:
                target.close()
                source.close()
        else:
            uri, env = _libpq(url)
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                  "--dbname", uri, str(staged / PG_MEMBER)], env, "pg_restore")
        files = staged / DATA_PREFIX
        if files.is_dir():
            data_dir.mkdir(parents=True, exist_ok=True)
            shutil.copytree(files, data_dir, dirs_exist_ok=True)
    return manifest
