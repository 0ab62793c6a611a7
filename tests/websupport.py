"""The example site as the web app sees it: seeded history, audited findings, users of every role.

    from websupport import login, csrf_token   # helpers; the fixtures come through conftest.py

``web_site`` gives a ``WebSite`` with ``app``, ``url`` (the database) and ``client(username)``, a test
client already signed in. Users (password ``PASSWORD``):

| user | role | units |
|---|---|---|
| admin | admin | all |
| thanhtra | inspector | NA (the province: both communes) |
| lanhdao-tv | manager | NA-TRUONGVINH |
| xem-tv | viewer | NA-TRUONGVINH |
| xem-dc | viewer | NA-DIENCHAU |
| cb-tv-01, cb-tv-02 | staff | the officials CB-TV-01 and CB-TV-02 (STAFF_USERS; not in USERS) |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest

PASSWORD = "mat-khau-du-dai-2026"
USERS = {"admin": ("admin", ()), "thanhtra": ("inspector", ("NA",)), "lanhdao-tv": ("manager", ("NA-TRUONGVINH",)),
         "xem-tv": ("viewer", ("NA-TRUONGVINH",)), "xem-dc": ("viewer", ("NA-DIENCHAU",))}
STAFF_USERS = {"cb-tv-01": ("CB-TV-01", "hoa.cb-tv-01@example.vn"), "cb-tv-02": ("CB-TV-02", None)}
SEEDED_UNTIL = date(2026, 3, 31)
NOW = datetime(2026, 4, 1, 3, 0, tzinfo=timezone.utc)


@dataclass
class WebSite:
    app: object
    url: str
    factory: object

    def client(self, username: str | None = None):
        """A test client, signed in as ``username`` (None: anonymous)."""
        client = self.app.test_client()
        if username is not None:
            login(client, username)
        return client


def login(client, username: str, password: str = PASSWORD):
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def csrf_token(client, path: str = "/units") -> str:
    """The CSRF token of the client's session (read from a page's logout form)."""
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def build_site(url: str, days: int = 3, *, data_dir=None):
    """Migrate, import the example site, seed ``days`` working days up to 31/03/2026, audit them, add the users."""
    from sqlalchemy import select

    from audit.services.audit_run import run_audit
    from audit.services.scores import compute_month
    from deskaudit import paths
    from deskaudit.demo.seeding import seed_history
    from deskaudit.siteconfig import load_site_config
    from deskaudit.siteconfig.importer import import_site
    from deskaudit.siteconfig.schema import ScoringConfig
    from models import migrate
    from models.access import User
    from models.db import make_engine, session_factory
    from models.enums import Role
    from models.org import Staff, Unit
    from web.passwords import hash_password

    migrate.upgrade(url)
    factory = session_factory(make_engine(url))
    loaded = load_site_config(paths.EXAMPLE_CONFIG)
    hashed = hash_password(PASSWORD)
    # Three seeded days are too few for a month's coverage: these pages are tested with the check off
    # ([scoring] 0 and 0); tests/test_score_coverage.py tests the check itself.
    site = loaded.site.model_copy(update={"scoring": ScoringConfig(min_observed_share=0, min_worked_share=0)})
    with factory.begin() as session:
        import_site(session, site, actor="test", base_dir=loaded.path.parent, now=NOW)
    with factory.begin() as session:
        report = seed_history(session, days=days, until=SEEDED_UNTIL)
        run_audit(session, report.days, now=NOW)
        compute_month(session, "2026-03", now=NOW)
        units = {u.code: u for u in session.scalars(select(Unit))}
        for name, (role, scope) in USERS.items():
            session.add(User(username=name, full_name=name, role=Role(role), password_hash=hashed,
                             units=[units[c] for c in scope]))
        for name, (code, email) in STAFF_USERS.items():
            official = session.scalars(select(Staff).where(Staff.code == code)).one()
            session.add(User(username=name, full_name=official.full_name, role=Role.STAFF, password_hash=hashed,
                             units=[official.unit], staff_id=official.id, email=email))
    return factory


@pytest.fixture(scope="session")
def _web_templates(tmp_path_factory, pg_available):
    """The built site once per test session and database kind; each test gets a copy (fast)."""
    import uuid

    from sqlalchemy import text

    from conftest import PG_ADMIN_URL, _pg_engine

    built: dict[str, str] = {}
    admin = None

    def get(kind: str) -> str:
        nonlocal admin
        if kind not in built:
            if kind == "sqlite":
                path = tmp_path_factory.mktemp("web-template") / "template.sqlite3"
                build_site(f"sqlite:///{path}").kw["bind"].dispose()
                built[kind] = str(path)
            else:
                from sqlalchemy.engine import make_url

                admin = admin or _pg_engine(PG_ADMIN_URL)
                name = f"deskaudit_webtpl_{uuid.uuid4().hex[:10]}"
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
                build_site(url).kw["bind"].dispose()
                built[kind] = name
        return built[kind]

    yield get
    if admin is not None and "postgresql" in built:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{built["postgresql"]}" WITH (FORCE)'))
        admin.dispose()


def _copy_of_template(db_url: str, templates) -> None:
    import shutil

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from conftest import PG_ADMIN_URL, _pg_engine

    if db_url.startswith("sqlite"):
        shutil.copyfile(templates("sqlite"), make_url(db_url).database)
        return
    template, name = templates("postgresql"), make_url(db_url).database
    admin = _pg_engine(PG_ADMIN_URL)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()


@pytest.fixture
def web_site(db_url, tmp_path, _web_templates):
    """The example site with history, findings, scores and users (a copy of a once-built template)."""
    from models.db import make_engine, session_factory
    from web import create_app

    _copy_of_template(db_url, _web_templates)
    factory = session_factory(make_engine(db_url))
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "DATA_DIR": str(tmp_path / "data"),
                      "SECRET_KEY": "test"})
    yield WebSite(app, db_url, factory)
    factory.kw["bind"].dispose()
    app.extensions["deskaudit.db"].kw["bind"].dispose()
