"""The JSON API's test site: the seeded example site with alerts, ids of each commune's objects and a token
per user (tests/test_api*.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from websupport import NOW, USERS, web_site  # noqa: F401  (fixture)

API = "/api/v1"
TV, DC = "NA-TRUONGVINH", "NA-DIENCHAU"
WHOLE_DAY = "from=2026-03-31T07:30:00%2B07:00&to=2026-03-31T17:00:00%2B07:00"


@dataclass
class Site:
    """Ids of the example site's objects in each commune, and a bearer token per user."""

    tokens: dict[str, str]
    ids: dict[str, int]
    client: object

    def call(self, user: str, method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {self.tokens[user]}", **kwargs.pop("headers", {})}
        return self.client.open(f"{API}{path}", method=method, headers=headers, **kwargs)

    def get(self, user: str, path: str):
        return self.call(user, "GET", path)

    def post(self, user: str, path: str, body: dict | None = None, **kwargs):
        return self.call(user, "POST", path, json=body, **kwargs)


@pytest.fixture
def site(web_site):
    """The web site with an open alert per commune, a resolved one in Trường Vinh, and a token per user."""
    from models.access import ApiToken, User
    from models.alerts import Alert
    from models.checklists import Inspection
    from models.enums import AlertKind, AlertStatus, Severity
    from models.findings import Finding
    from models.org import Camera, Desk, Staff, Unit
    from web.auth import new_token, token_hash

    tokens, ids = {}, {}
    with web_site.factory.begin() as session:
        units = dict(session.execute(select(Unit.code, Unit.id)).all())
        for name in USERS:
            user = session.scalar(select(User).where(User.username == name))
            tokens[name] = new_token()
            session.add(ApiToken(user_id=user.id, name="test", token_hash=token_hash(tokens[name])))
        for key, code in (("tv", TV), ("dc", DC)):
            unit_id = units[code]
            desk = session.scalar(select(Desk).where(Desk.unit_id == unit_id).order_by(Desk.code))
            ids[f"{key}_desk"] = desk.id
            ids[f"{key}_camera"] = session.scalar(select(Camera.id).where(Camera.desk_id == desk.id))
            ids[f"{key}_finding"] = session.scalar(
                select(Finding.id).where(Finding.unit_id == unit_id, Finding.staff_id.is_not(None))
                .order_by(Finding.id))
            ids[f"{key}_inspection"] = session.scalar(select(Inspection.id).where(Inspection.unit_id == unit_id))
            alert = Alert(unit_id=unit_id, desk_id=desk.id, kind=AlertKind.UNATTENDED, severity=Severity.WARNING,
                          status=AlertStatus.OPEN, condition_key=f"unattended:{desk.code}", opened_at=NOW,
                          message=f"Quầy {desk.code} vắng 20 phút", details={"minutes": 20, "message_en": "Desk"})
            session.add(alert)
            session.flush()
            ids[f"{key}_alert"] = alert.id
        resolved = Alert(unit_id=units[TV], kind=AlertKind.CAMERA_FAULT, severity=Severity.CRITICAL,
                         status=AlertStatus.RESOLVED, condition_key="camera:old", opened_at=NOW, resolved_at=NOW)
        session.add(resolved)
        session.flush()
        ids["tv_resolved_alert"] = resolved.id
        ids["tv_staff"] = session.scalar(select(Staff.id).where(Staff.code == "CB-TV-01"))
    return Site(tokens, ids, web_site.client())


def count(web_site, model, *where) -> int:
    with web_site.factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))
