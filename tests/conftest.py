"""Shared fixtures: isolated data dirs, and a fresh database per test on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = REPO / "config" / "example-site.toml"
PG_ADMIN_URL = os.environ.get("DESKAUDIT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
# What a test of the pure lane (``-m pure``) may not ask for: databases, services, the model, files of a site.
NOT_PURE = frozenset({"db_url", "migrated_url", "session_for", "pg_available", "web_site", "_web_templates",
                      "cli_runner", "weights_path", "yolo", "assets", "mqtt_broker", "write_config", "example_raw"})


def pytest_collection_modifyitems(config, items):
    """The pure lane stays pure: a ``pure`` test that asks for a database or a service is a usage error."""
    wrong = [f"{item.nodeid} uses {', '.join(sorted(NOT_PURE & set(item.fixturenames)))}"
             for item in items if item.get_closest_marker("pure") and NOT_PURE & set(item.fixturenames)]
    if wrong:
        raise pytest.UsageError("tests marked pure must not use a database or a service:\n" + "\n".join(wrong))


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """No test touches the user's data: own data and cache dirs, no inherited database URL."""
    monkeypatch.setenv("DESKAUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DESKAUDIT_DATABASE_URL", raising=False)


def _pg_engine(url: str):
    parsed = make_url(url).set(drivername="postgresql+psycopg")
    return create_engine(parsed, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_available() -> bool:
    try:
        engine = _pg_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception as error:  # noqa: BLE001
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL at {PG_ADMIN_URL} is unreachable: {error}")
        return False


def _fresh_pg_database(pg_available: bool):
    if not pg_available:
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} is unreachable (set DESKAUDIT_TEST_PG_URL)")
    name = f"deskaudit_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_engine(PG_ADMIN_URL)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    return admin, name, url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path, pg_available):
    """An empty database: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    admin, name, url = _fresh_pg_database(pg_available)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migrated_url(db_url):
    from models import migrate

    migrate.upgrade(db_url)
    return db_url


@pytest.fixture
def session_for(migrated_url):
    """A factory of sessions on the migrated test database."""
    from models.db import make_engine, session_factory

    engine = make_engine(migrated_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def example_raw():
    """The example site config as a plain dict, for tests that mutate it."""
    import tomllib

    return tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))


def _absolute_footage(raw: dict) -> dict:
    """Rewrite relative ``file:`` camera URLs so a copy of the config works from any directory."""
    for unit in raw.get("units", []):
        cameras = [*unit.get("cameras", []), *(c for desk in unit.get("desks", []) for c in desk.get("cameras", []))]
        for camera in cameras:
            url = camera.get("url", "")
            if url.startswith("file:") and not url.startswith("file:///"):
                camera["url"] = "file://" + str((EXAMPLE_CONFIG.parent / url[5:]).resolve())
    return raw


@pytest.fixture
def write_config(tmp_path):
    """Write a (mutated) config dict as TOML and return its path."""
    import tomli_w

    def write(raw: dict, name: str = "site.toml") -> Path:
        path = tmp_path / name
        path.write_text(tomli_w.dumps(_absolute_footage(raw)), encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli_runner():
    from click.testing import CliRunner

    return CliRunner()


EXCERPT = REPO / "tests" / "data" / "vtest-excerpt.mp4"


@pytest.fixture(scope="session")
def weights_path() -> Path:
    """The verified yolov8n.pt in the user's cache (the test command fetched it)."""
    from deskaudit.settings import load_settings
    from vision.weights import resolve_weights

    settings = load_settings()
    return resolve_weights(cache_dir=settings.cache_path / "models", official=settings.weights_official)


@pytest.fixture(scope="session")
def yolo(weights_path):
    """Detectors by backend, each loaded once per test session."""
    from vision.detector import DetectorSettings, YoloDetector

    made: dict[str, object] = {}

    def get(backend: str = "openvino"):
        if backend not in made:
            made[backend] = YoloDetector(weights_path, DetectorSettings(backend=backend))
        return made[backend]

    return get


@pytest.fixture(scope="session")
def assets() -> Path:
    """ultralytics' bundled sample images (bus.jpg: 4 persons, zidane.jpg: 2)."""
    import ultralytics

    return Path(ultralytics.__file__).parent / "assets"


MQTT_ADDRESS = os.environ.get("DESKAUDIT_TEST_MQTT", "127.0.0.1:1883")


@pytest.fixture(scope="session")
def mqtt_broker() -> tuple[str, int]:
    """The test Mosquitto broker as (host, port); skipped when unreachable, except in CI where that fails."""
    import socket

    host, _, port = MQTT_ADDRESS.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except (OSError, ValueError) as error:
        message = f"MQTT broker at DESKAUDIT_TEST_MQTT={MQTT_ADDRESS} is unreachable: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return host, int(port)


# The web app's seeded example site (tests/websupport.py), for every web test module.
from websupport import _web_templates, web_site  # noqa: E402,F401
