"""``deskaudit backup`` / ``deskaudit restore``: a round trip of the database and the data directory on SQLite and
PostgreSQL, refusals that write nothing, and an archive that cannot escape the data directory."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from sqlalchemy import func, select, text

from conftest import _fresh_pg_database
from deskaudit.cli import cli
from models import Camera, ChangeLog, Desk, Staff, Unit

TABLES = (Unit, Desk, Camera, Staff, ChangeLog)


def _counts(session_for) -> dict[str, int]:
    with session_for() as session:
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


@pytest.fixture
def site(migrated_url, cli_runner, monkeypatch, write_config, example_raw, tmp_path):
    """The example site imported, and a data directory with evidence and the secret key."""
    data = tmp_path / "data"
    (data / "evidence" / "2026" / "03").mkdir(parents=True)
    (data / "evidence" / "2026" / "03" / "f1.jpg").write_bytes(b"\xff\xd8 evidence \xff\xd9")
    (data / "secret_key").write_text("k" * 64)
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    monkeypatch.setenv("DESKAUDIT_DATA_DIR", str(data))
    result = cli_runner.invoke(cli, ["config", "import", str(write_config(example_raw)), "--actor", "tester"])
    assert result.exit_code == 0, result.output
    return data


def test_backup_then_restore_brings_back_the_database_and_the_files(site, cli_runner, session_for, tmp_path):
    before = _counts(session_for)
    archive = tmp_path / "site.tar.gz"
    made = cli_runner.invoke(cli, ["backup", "--output", str(archive)])
    assert made.exit_code == 0, made.output
    assert "at revision" in made.output and "2 data files" in made.output
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert {"manifest.json", "data/secret_key", "data/evidence/2026/03/f1.jpg"} <= names
    assert manifest["format"] == 1 and manifest["data_files"] == 2

    # the site is damaged: rows deleted, a file lost
    with session_for() as session, session.begin():
        session.execute(text("DELETE FROM change_log"))
    (site / "evidence" / "2026" / "03" / "f1.jpg").unlink()
    assert _counts(session_for)["change_log"] == 0

    refused = cli_runner.invoke(cli, ["restore", str(archive)])
    assert refused.exit_code == 1 and "already holds a deskaudit site" in refused.output
    assert _counts(session_for)["change_log"] == 0  # nothing written

    restored = cli_runner.invoke(cli, ["restore", str(archive), "--force"])
    assert restored.exit_code == 0, restored.output
    assert _counts(session_for) == before
    assert (site / "evidence" / "2026" / "03" / "f1.jpg").read_bytes() == b"\xff\xd8 evidence \xff\xd9"
    assert "password" not in restored.output.lower()


def test_restore_into_a_fresh_database_of_the_same_kind(site, cli_runner, session_for, tmp_path, monkeypatch,
                                                      db_url, pg_available):
    before = _counts(session_for)
    archive = tmp_path / "site.tar.gz"
    assert cli_runner.invoke(cli, ["backup", "-o", str(archive)]).exit_code == 0
    admin = None
    if db_url.startswith("sqlite"):
        fresh = f"sqlite:///{tmp_path / 'elsewhere' / 'fresh.sqlite3'}"
    else:
        admin, name, fresh = _fresh_pg_database(pg_available)
    try:
        monkeypatch.setenv("DESKAUDIT_DATABASE_URL", fresh)
        monkeypatch.setenv("DESKAUDIT_DATA_DIR", str(tmp_path / "new-data"))
        restored = cli_runner.invoke(cli, ["restore", str(archive)])
        assert restored.exit_code == 0, restored.output
        from models.db import make_engine, session_factory

        engine = make_engine(fresh)
        factory = session_factory(engine)
        try:
            assert _counts(lambda: factory()) == before
        finally:
            engine.dispose()
        assert (tmp_path / "new-data" / "secret_key").read_text() == "k" * 64
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _archive_with(path, members: dict[str, bytes], manifest: dict | None = None) -> None:
    with tarfile.open(path, "w:gz") as tar:
        entries = dict(members)
        if manifest is not None:
            entries = {"manifest.json": json.dumps(manifest).encode(), **entries}
        for name, body in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))


@pytest.mark.parametrize("members, message", [
    ({"data/../../escape.txt": b"x"}, "unsafe"),
    ({"/etc/passwd": b"x"}, "unsafe"),
    ({"other.txt": b"x"}, "not part of a deskaudit backup"),
    ({"database.sqlite3": b"x"}, "no manifest.json"),
])
def test_a_bad_archive_is_refused_and_nothing_is_written(site, cli_runner, session_for, tmp_path, members, message):
    before = _counts(session_for)
    archive = tmp_path / "bad.tar.gz"
    _archive_with(archive, members)
    refused = cli_runner.invoke(cli, ["restore", str(archive), "--force"])
    assert refused.exit_code == 2 and message in refused.output
    assert _counts(session_for) == before and not (tmp_path / "escape.txt").exists()


def test_not_an_archive_and_a_missing_file_are_clear(site, cli_runner, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not gzip at all")
    assert "not a readable deskaudit backup" in cli_runner.invoke(cli, ["restore", str(junk)]).output
    assert "no such file" in cli_runner.invoke(cli, ["restore", str(tmp_path / "none.tar.gz")]).output


def test_an_empty_database_has_nothing_to_back_up(cli_runner, monkeypatch, tmp_path):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    monkeypatch.setenv("DESKAUDIT_DATA_DIR", str(tmp_path / "data"))
    result = cli_runner.invoke(cli, ["backup", "-o", str(tmp_path / "b.tar.gz")])
    assert result.exit_code == 1 and "no deskaudit schema" in result.output
    assert not (tmp_path / "b.tar.gz").exists()
