"""The alerts page: open and acknowledged alerts of the user's units, and acknowledging them."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from websupport import csrf_token, web_site  # noqa: F401  (fixture)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
USERS = ("admin", "thanhtra", "lanhdao-tv", "xem-tv", "xem-dc")
TV_USERS, DC_USERS = {"admin", "thanhtra", "lanhdao-tv", "xem-tv"}, {"admin", "thanhtra", "xem-dc"}
NOW = datetime(2026, 4, 1, 9, 30, tzinfo=VN)


def add_alert(site, desk_code: str, opened_at: datetime, *, kind: str = "unattended", status: str = "open",
              severity: str = "warning", escalated_at: datetime | None = None, message: str | None = None) -> int:
    from models.alerts import Alert
    from models.enums import AlertKind, AlertStatus, Severity
    from models.org import Desk

    with site.factory.begin() as session:
        desk = session.scalars(select(Desk).filter_by(code=desk_code)).one()
        alert = Alert(unit_id=desk.unit_id, desk_id=desk.id, camera_id=desk.cameras[0].id if kind == "camera_fault"
                      else None, kind=AlertKind(kind), severity=Severity(severity), status=AlertStatus(status),
                      condition_key=f"{desk.code}:{kind}:{opened_at.isoformat()}", opened_at=opened_at,
                      escalated_at=escalated_at, message=message or f"Cảnh báo {kind} tại quầy {desk.code}",
                      details={"message_en": f"Alert {kind} at desk {desk.code}"})
        session.add(alert)
        session.flush()
        return alert.id


def alerts(site) -> dict[str, int]:
    """A morning's alerts in both communes (one resolved, one acknowledged, one escalated)."""
    site.app.config["CLOCK"] = lambda: NOW
    return {
        "tv": add_alert(site, "TV-DD", datetime(2026, 4, 1, 8, 45, tzinfo=VN), severity="critical",
                        kind="unattended_queue", escalated_at=datetime(2026, 4, 1, 9, 15, tzinfo=VN)),
        "tv_camera": add_alert(site, "TV-CT", datetime(2026, 4, 1, 8, 10, tzinfo=VN), kind="camera_fault"),
        "tv_acknowledged": add_alert(site, "TV-HT", datetime(2026, 4, 1, 7, 50, tzinfo=VN), status="acknowledged"),
        "tv_resolved": add_alert(site, "TV-HT", datetime(2026, 4, 1, 7, 40, tzinfo=VN), status="resolved",
                                 message="Đã kết thúc từ sớm"),
        "dc": add_alert(site, "DC-HT", datetime(2026, 4, 1, 9, 0, tzinfo=VN), kind="long_queue"),
    }


def post_acknowledge(client, alert_id, token: str | None = "from-page", next_path: str | None = None):
    data = {}
    if token == "from-page":
        data["csrf_token"] = csrf_token(client, "/alerts")
    if next_path is not None:
        data["next"] = next_path
    return client.post(f"/alerts/{alert_id}/acknowledge", data=data)


# --- authorisation matrix -------------------------------------------------------------------------

ALL = dict.fromkeys(USERS, 200)
GETS = [
    ("/alerts", ALL),
    ("/alerts?status=open&kind=camera_fault", ALL),
    ("/alerts?unit=NA-TRUONGVINH", {u: (200 if u in TV_USERS else 404) for u in USERS}),
    ("/alerts?unit=NA-DIENCHAU", {u: (200 if u in DC_USERS else 404) for u in USERS}),
    ("/alerts?unit=NOWHERE", dict.fromkeys(USERS, 404)),
    ("/alerts?status=everything", dict.fromkeys(USERS, 400)),
    ("/alerts?kind=fire", dict.fromkeys(USERS, 400)),
]
POSTS = [  # (alert, status per user): viewers may not acknowledge (403), another commune's alert is not found (404)
    ("tv", {"admin": 302, "thanhtra": 302, "lanhdao-tv": 302, "xem-tv": 403, "xem-dc": 403}),
    ("dc", {"admin": 302, "thanhtra": 302, "lanhdao-tv": 404, "xem-tv": 403, "xem-dc": 403}),
    ("missing", {"admin": 404, "thanhtra": 404, "lanhdao-tv": 404, "xem-tv": 403, "xem-dc": 403}),
]


@pytest.mark.parametrize("user", USERS)
def test_authorisation_matrix(web_site, user):
    ids = {**alerts(web_site), "missing": 999_999}
    client = web_site.client(user)
    for path, expected in GETS:
        assert client.get(path).status_code == expected[user], (user, path)
    for name, expected in POSTS:
        assert post_acknowledge(client, ids[name]).status_code == expected[user], (user, name)
    assert web_site.client().get("/alerts").status_code == 302


# --- the list -------------------------------------------------------------------------------------


def rows_of(page: str) -> list[str]:
    return re.findall(r'<tr class="alert-row[^"]*" data-alert="(\d+)"', page)


def test_open_and_acknowledged_alerts_newest_first_in_scope(web_site):
    ids = alerts(web_site)
    page = web_site.client("lanhdao-tv").get("/alerts").get_data(as_text=True)
    assert rows_of(page) == [str(ids["tv"]), str(ids["tv_camera"]), str(ids["tv_acknowledged"])]
    assert "Đã kết thúc từ sớm" not in page  # resolved alerts are not listed
    assert "DC-HT" not in page  # another commune's alert
    assert "01/04/2026 08:45" in page and "Nghiêm trọng" in page
    assert "Đã chuyển cấp lúc 01/04/2026 09:15" in page
    assert "Cảnh báo unattended_queue tại quầy TV-DD" in page
    assert 'href="/wall/desk/TV-DD?day=2026-04-01"' in page
    assert page.count(">Tiếp nhận</button>") == 2  # only open alerts have the button
    everyone = web_site.client("thanhtra").get("/alerts").get_data(as_text=True)
    assert rows_of(everyone)[0] == str(ids["dc"])


def test_filters(web_site):
    ids = alerts(web_site)
    client = web_site.client("admin")
    assert rows_of(client.get("/alerts?status=acknowledged").get_data(as_text=True)) == [str(ids["tv_acknowledged"])]
    assert rows_of(client.get("/alerts?kind=camera_fault").get_data(as_text=True)) == [str(ids["tv_camera"])]
    assert rows_of(client.get("/alerts?unit=NA-DIENCHAU").get_data(as_text=True)) == [str(ids["dc"])]
    assert rows_of(client.get("/alerts?unit=NA&status=open&kind=long_queue").get_data(as_text=True)) == [str(ids["dc"])]
    bad = client.get("/alerts?kind=fire")
    assert bad.status_code == 400 and "fire" in bad.get_data(as_text=True)


def test_viewer_sees_no_acknowledge_button(web_site):
    alerts(web_site)
    page = web_site.client("xem-tv").get("/alerts").get_data(as_text=True)
    assert len(rows_of(page)) == 3 and ">Tiếp nhận</button>" not in page and "/acknowledge" not in page


def test_english_messages(web_site):
    alerts(web_site)
    page = web_site.client("xem-dc").get("/alerts?lang=en").get_data(as_text=True)
    assert "Alert long_queue at desk DC-HT" in page and "Cảnh báo long_queue" not in page


# --- acknowledging --------------------------------------------------------------------------------


def stored(site, alert_id: int):
    from models.alerts import Alert

    with site.factory() as session:
        return session.get(Alert, alert_id)


def user_id(site, name: str) -> int:
    from models.access import User

    with site.factory() as session:
        return session.scalars(select(User.id).where(User.username == name)).one()


def test_acknowledge_flow(web_site):
    ids = alerts(web_site)
    client = web_site.client("lanhdao-tv")
    response = post_acknowledge(client, ids["tv"], next_path="/alerts?kind=unattended_queue")
    assert response.status_code == 302 and response.headers["Location"] == "/alerts?kind=unattended_queue"
    alert = stored(web_site, ids["tv"])
    assert alert.status.value == "acknowledged" and alert.acknowledged_by_id == user_id(web_site, "lanhdao-tv")
    assert alert.acknowledged_at == NOW.astimezone(timezone.utc)
    page = client.get("/alerts").get_data(as_text=True)
    assert f"Đã tiếp nhận cảnh báo #{ids['tv']}." in page
    assert "lanhdao-tv lúc 01/04/2026 09:30" in page
    assert page.count(">Tiếp nhận</button>") == 1

    web_site.app.config["CLOCK"] = lambda: datetime(2026, 4, 1, 10, 0, tzinfo=VN)
    again = post_acknowledge(web_site.client("thanhtra"), ids["tv"])
    assert again.status_code == 302 and again.headers["Location"] == "/alerts"
    assert stored(web_site, ids["tv"]).acknowledged_at == NOW.astimezone(timezone.utc)  # unchanged
    assert stored(web_site, ids["tv"]).acknowledged_by_id == user_id(web_site, "lanhdao-tv")
    thanhtra = web_site.client("thanhtra")
    post_acknowledge(thanhtra, ids["tv"])
    assert "đã được tiếp nhận trước đó" in thanhtra.get("/alerts").get_data(as_text=True)

    post_acknowledge(thanhtra, ids["tv_resolved"])
    assert "đã kết thúc, không cần tiếp nhận" in thanhtra.get("/alerts").get_data(as_text=True)
    assert stored(web_site, ids["tv_resolved"]).status.value == "resolved"


def test_acknowledge_goes_back_only_to_the_alert_list(web_site):
    ids = alerts(web_site)
    client = web_site.client("admin")
    for target in ("https://evil.example/alerts", "//evil.example/alerts", "/wall"):
        response = post_acknowledge(client, ids["tv_camera"], next_path=target)
        assert response.headers["Location"] == "/alerts", target


def test_acknowledge_needs_the_csrf_token(web_site):
    ids = alerts(web_site)
    client = web_site.client("admin")
    assert post_acknowledge(client, ids["tv"], token=None).status_code == 400
    assert client.post(f"/alerts/{ids['tv']}/acknowledge", data={"csrf_token": "forged"}).status_code == 400
    assert stored(web_site, ids["tv"]).status.value == "open"


def test_viewer_post_changes_nothing(web_site):
    ids = alerts(web_site)
    assert post_acknowledge(web_site.client("xem-tv"), ids["tv"]).status_code == 403
    alert = stored(web_site, ids["tv"])
    assert alert.status.value == "open" and alert.acknowledged_at is None and alert.acknowledged_by_id is None
