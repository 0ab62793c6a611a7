"""The example site as the web app sees it: seeded history, audited findings, users of every role.

    from websupport import web_site, login   # fixtures and helpers for web tests

``web_site`` gives a ``WebSite`` with ``app``, ``url`` (the database) and ``client(username)``, a test
client already signed in. Users (password ``PASSWORD``):

| user | role | units |
|---|---|---|
| admin | admin | all |
| thanhtra | inspector | NA (the province: both communes) |
| lanhdao-tv | manager | NA-TRUONGVINH |
| xem-tv | viewer | NA-TRUONGVINH |
| xem-dc | viewer | NA-DIENCHAU |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest

PASSWORD = "mat-khau-du-dai-2026"
USERS = {"admin": ("admin", ()), "thanhtra": ("inspector", ("NA",)), "lanhdao-tv": ("manager", ("NA-TRUONGVINH",)),
         "xem-tv": ("viewer", ("NA-TRUONGVINH",)), "xem-dc": ("viewer", ("NA-DIENCHAU",))}
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

    from audit.run import run_audit
    from audit.scores import compute_month
    from audit.seeding import seed_history
    from deskaudit import paths
    from deskaudit.siteconfig import load_site_config
    from deskaudit.siteconfig.importer import import_site
    from models import migrate
    from models.access import User
    from models.db import make_engine, session_factory
    from models.enums import Role
    from models.org import Unit
    from web.passwords import hash_password

    migrate.upgrade(url)
    factory = session_factory(make_engine(url))
    loaded = load_site_config(paths.EXAMPLE_CONFIG)
    hashed = hash_password(PASSWORD)
    with factory.begin() as session:
        import_site(session, loaded.site, actor="test", base_dir=loaded.path.parent, now=NOW)
    with factory.begin() as session:
        report = seed_history(session, days=days, until=SEEDED_UNTIL)
        run_audit(session, report.days, now=NOW)
        compute_month(session, "2026-03", now=NOW)
        units = {u.code: u for u in session.scalars(select(Unit))}
        for name, (role, scope) in USERS.items():
            session.add(User(username=name, full_name=name, role=Role(role), password_hash=hashed,
                             units=[units[c] for c in scope]))
    return factory


@pytest.fixture
def web_site(migrated_url, tmp_path):
    from web import create_app

    factory = build_site(migrated_url)
    app = create_app({"DATABASE_URL": migrated_url, "TESTING": True, "DATA_DIR": str(tmp_path / "data"),
                      "SECRET_KEY": "test"})
    yield WebSite(app, migrated_url, factory)
    factory.kw["bind"].dispose()
