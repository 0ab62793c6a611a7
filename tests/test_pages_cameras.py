"""Camera pages as each role sees them: health history from observations, fault spans, snapshots, and the
zone editor's save (validated, versioned, change-logged, never partial)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from conftest import _fresh_pg_database
from fakecams import observe
from websupport import WebSite, build_site, web_site  # noqa: F401  (fixture)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x00\x90\x01\x00"
        b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9")  # a header-only JPEG of 256 × 144
STAFF = [[0.6, 0.3], [0.9, 0.3], [0.9, 0.7], [0.6, 0.7]]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_site(request, tmp_path_factory, pg_available):
    """One seeded site per database for the read-only checks (the authorisation matrix, refused saves)."""
    from web import create_app

    tmp = tmp_path_factory.mktemp("cameras")
    admin = name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'site.sqlite3'}"
    else:
        admin, name, url = _fresh_pg_database(pg_available)
    factory = build_site(url)
    data = tmp / "data"
    for code in ("TV-HT-CAM", "DC-HT-CAM"):
        (data / "snapshots" / "latest").mkdir(parents=True, exist_ok=True)
        (data / "snapshots" / "latest" / f"{code}.jpg").write_bytes(JPEG)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "DATA_DIR": str(data), "SECRET_KEY": "test"})
    yield WebSite(app, url, factory)
    signed_in.cache.clear()
    factory.kw["bind"].dispose()
    if admin is not None:
        from sqlalchemy import text

        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def signed_in(site, user: str | None):
    """A signed-in client per user, reused across the read-only checks of one site (sign-in is slow on purpose)."""
    key = (id(site), user)
    if key not in signed_in.cache:
        signed_in.cache[key] = site.client(user)
    return signed_in.cache[key]


signed_in.cache = {}


def token_of(client, path: str = "/cameras") -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def post_zones(client, code: str, payload, token: str | None = None):
    token = token if token is not None else token_of(client)
    return client.post(f"/cameras/{code}/zones", data=json.dumps(payload), content_type="application/json",
                       headers={"X-CSRFToken": token})


def counts(site) -> tuple[int, int, int]:
    from models.access import ChangeLog
    from models.org import Zone

    with site.factory() as session:
        return (session.scalar(select(func.count()).select_from(Zone)),
                session.scalar(select(func.count()).select_from(ChangeLog)),
                session.scalar(select(func.sum(Zone.version))))


# -- authorisation matrix -----------------------------------------------------------------------------
ALL = {"admin": 200, "thanhtra": 200, "lanhdao-tv": 200, "xem-tv": 200, "xem-dc": 200, None: 302}
TV = {"admin": 200, "thanhtra": 200, "lanhdao-tv": 200, "xem-tv": 200, "xem-dc": 404, None: 302}
DC = {"admin": 200, "thanhtra": 200, "lanhdao-tv": 404, "xem-tv": 404, "xem-dc": 200, None: 302}
NONE = {"admin": 404, "thanhtra": 404, "lanhdao-tv": 404, "xem-tv": 404, "xem-dc": 404, None: 302}
# a save with no staff zone: 422 proves the role may save, and nothing is written
SAVE_TV = {"admin": 422, "thanhtra": 422, "lanhdao-tv": 403, "xem-tv": 403, "xem-dc": 404}
SAVE_DC = {"admin": 422, "thanhtra": 422, "lanhdao-tv": 404, "xem-tv": 404, "xem-dc": 403}
GETS = {"/cameras": ALL, "/cameras/TV-HT-CAM": TV, "/cameras/DC-HT-CAM": DC, "/cameras/TV-HT-CAM/zones": TV,
        "/cameras/DC-XH-CAM/zones": DC, "/cameras/TV-HT-CAM/snapshot.jpg": TV, "/cameras/DC-HT-CAM/snapshot.jpg": DC,
        "/cameras/NO-SUCH-CAM": NONE, "/cameras/NO-SUCH-CAM/zones": NONE}


@pytest.mark.parametrize("path, user, status", [(p, u, s) for p, table in GETS.items() for u, s in table.items()])
def test_get_matrix(shared_site, path, user, status):
    response = signed_in(shared_site, user).get(path)
    assert response.status_code == status, (path, user)
    if status == 302:
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("code, user, status", [("TV-HT-CAM", u, s) for u, s in SAVE_TV.items()]
                         + [("DC-HT-CAM", u, s) for u, s in SAVE_DC.items()])
def test_save_matrix(shared_site, code, user, status):
    before = counts(shared_site)
    response = post_zones(signed_in(shared_site, user), code, {"zones": [{"name": "hang", "kind": "queue",
                                                                      "polygon": STAFF}]})
    assert response.status_code == status, (code, user)
    assert counts(shared_site) == before


@pytest.mark.parametrize("user, editable", [("admin", True), ("thanhtra", True), ("lanhdao-tv", False),
                                            ("xem-tv", False)])
def test_editor_is_read_only_for_managers_and_viewers(shared_site, user, editable):
    page = signed_in(shared_site, user).get("/cameras/TV-HT-CAM/zones").get_data(as_text=True)
    assert 'id="zone-canvas"' in page and 'id="zone-status"' in page
    assert ('id="zone-save"' in page) is editable and ('id="zone-new"' in page) is editable
    assert f'data-editable="{"true" if editable else "false"}"' in page
    assert page.count('<polygon class="zone zone-') == 3  # staff, queue and exclude zones of the example camera
    assert "zone-staff" in page and "zone-queue" in page and "zone-exclude" in page
    assert '<meta name="csrf-token"' in page and "zone-editor.js" in page


def test_save_needs_the_csrf_token(shared_site):
    before = counts(shared_site)
    client = signed_in(shared_site, "admin")
    payload = {"zones": [{"name": "ban", "kind": "staff", "polygon": STAFF}]}
    response = client.post("/cameras/TV-HT-CAM/zones", data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    assert post_zones(client, "TV-HT-CAM", payload, token="not-the-token").status_code == 400
    assert counts(shared_site) == before


BAD = [
    ({"zones": [{"name": "ban", "kind": "staff", "polygon": [[0.1, 0.1], [0.5, 0.1]]}]}, "ít nhất 3 điểm"),
    ({"zones": [{"name": "ban", "kind": "staff", "polygon": [[0.1, 0.1], [1.2, 0.1], [0.5, 0.5]]}]}, "0..1"),
    ({"zones": [{"name": "ban", "kind": "staff", "polygon": [[0.1, -0.01], [0.9, 0.1], [0.5, 0.5]]}]}, "0..1"),
    ({"zones": [{"name": "ban", "kind": "door", "polygon": STAFF}]}, "staff, queue hoặc exclude"),
    ({"zones": [{"name": "ban", "kind": "staff", "polygon": STAFF},
                {"name": "Ban", "kind": "queue", "polygon": STAFF}]},
     "bị trùng"),
    ({"zones": [{"name": "hang", "kind": "queue", "polygon": STAFF}]}, "vùng cán bộ"),
    ({"zones": [{"name": "no", "kind": "staff", "polygon": [[0.1, 0.1], [0.5, 0.5], [0.5, 0.1], [0.1, 0.5]]}]},
     "cắt nhau"),
    ({"zones": [{"name": "line", "kind": "staff", "polygon": [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]]}]}, "diện tích"),
    ({"zones": [{"name": "ban", "kind": "staff", "polygon": [[0.1, 0.1], ["x", 0.2], [0.3, 0.5]]}]}, "hai số"),
    ({"zones": [{"name": "", "kind": "staff", "polygon": STAFF}]}, "tên"),
    ({"zones": [{"name": "ban", "kind": "staff", "polygon": STAFF}], "extra": 1}, "không hợp lệ"),
    ({"zones": "ban"}, "zones"),
    (["not", "an", "object"], "zones"),
    # one good zone and one bad: nothing of either is written
    ({"zones": [{"name": "ban-tiep-nhan", "kind": "staff", "polygon": STAFF},
                {"name": "hang-cho", "kind": "queue", "polygon": [[0.1, 0.1]]}]}, "hang-cho"),
]


@pytest.mark.parametrize("payload, message", BAD)
def test_invalid_zones_are_refused_and_nothing_is_written(shared_site, payload, message):
    before = counts(shared_site)
    response = post_zones(signed_in(shared_site, "thanhtra"), "TV-HT-CAM", payload)
    assert response.status_code == 422
    body = response.get_json()
    assert body["ok"] is False and message in body["message"], body
    assert counts(shared_site) == before


def test_body_that_is_not_json_is_refused(shared_site):
    client = signed_in(shared_site, "admin")
    response = client.post("/cameras/TV-HT-CAM/zones", data="zones=1", headers={"X-CSRFToken": token_of(client)})
    assert response.status_code == 422 and "zones" in response.get_json()["message"]


# -- saving -------------------------------------------------------------------------------------------
def zone_rows(site, code: str) -> dict:
    from models.org import Camera, Zone

    with site.factory() as session:
        camera = session.scalars(select(Camera).filter_by(code=code)).one()
        return {z.name: (z.kind.value, z.polygon, z.version, z.changed_by, z.active)
                for z in session.scalars(select(Zone).where(Zone.camera_id == camera.id))}


def web_changes(site) -> list:
    from models.access import ChangeLog

    with site.factory() as session:
        return [(c.actor, c.entity_type, c.entity_key, c.action.value, c.changes, c.note)
                for c in session.scalars(select(ChangeLog).where(ChangeLog.source == "web").order_by(ChangeLog.id))]


def test_zone_save_versions_logs_and_deactivates(web_site):
    client = web_site.client("admin")
    before = zone_rows(web_site, "TV-HT-CAM")
    moved = [[0.65, 0.3], [1.0, 0.3], [1.0, 0.8], [0.65, 0.8]]
    door = [[0.0, 0.0], [0.1, 0.0], [0.1, 0.2]]
    payload = {"zones": [{"name": "ban-tiep-nhan", "kind": "staff", "polygon": moved},
                         {"name": "hang-cho", "kind": "queue", "polygon": before["hang-cho"][1]},
                         {"name": "cua ra vào", "kind": "exclude", "polygon": door}],
               "note": "Bàn dời sang phải"}
    response = post_zones(client, "TV-HT-CAM", payload)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["ok"] is True and body["version"] == 2 and body["changed"] == 3
    rows = zone_rows(web_site, "TV-HT-CAM")
    assert rows["ban-tiep-nhan"] == ("staff", moved, 2, "admin", True)
    assert rows["hang-cho"][2:] == (1, "test", True)  # unchanged: same version, same author
    assert rows["cot-bien-bao"][2:] == (2, "admin", False)  # left out: inactive
    assert rows["cua ra vào"] == ("exclude", door, 1, "admin", True)
    logged = web_changes(web_site)
    assert [(entry[2], entry[3]) for entry in logged] == [
        ("TV-HT-CAM/ban-tiep-nhan", "update"), ("TV-HT-CAM/cua ra vào", "create"),
        ("TV-HT-CAM/cot-bien-bao", "deactivate")]
    assert logged[0][0] == "admin" and logged[0][1] == "zone" and logged[0][5] == "Bàn dời sang phải"
    assert logged[0][4] == {"polygon": [before["ban-tiep-nhan"][1], moved]}
    assert logged[1][4] == {"kind": [None, "exclude"], "polygon": [None, door]}
    assert logged[2][4]["active"] == [True, False]

    again = post_zones(client, "TV-HT-CAM", payload)  # the same zones again: nothing changes
    assert again.get_json()["changed"] == 0 and len(web_changes(web_site)) == 3

    payload["zones"].append({"name": "cot-bien-bao", "kind": "exclude", "polygon": before["cot-bien-bao"][1]})
    back = post_zones(client, "TV-HT-CAM", payload)
    assert back.get_json()["version"] == 3
    assert zone_rows(web_site, "TV-HT-CAM")["cot-bien-bao"][2:] == (3, "admin", True)
    assert web_changes(web_site)[-1][3] == "reactivate"

    detail = client.get("/cameras/TV-HT-CAM").get_data(as_text=True)
    assert "cua ra vào" in detail and "Bàn dời sang phải" in detail
    editor = client.get("/cameras/TV-HT-CAM/zones").get_data(as_text=True)
    assert editor.count('<polygon class="zone zone-') == 4


def test_inspector_saves_zones_of_a_commune_in_scope(web_site):
    client = web_site.client("thanhtra")
    response = post_zones(client, "DC-XH-CAM",
                          {"zones": [{"name": "ban-tiep-nhan", "kind": "staff", "polygon": STAFF}]})
    assert response.status_code == 200 and response.get_json()["version"] == 2
    assert zone_rows(web_site, "DC-XH-CAM")["ban-tiep-nhan"][1:4] == (STAFF, 2, "thanhtra")


# -- credentials --------------------------------------------------------------------------------------
def test_camera_credentials_never_appear(web_site):
    from models.observing import Observation
    from models.org import Camera

    secrets = ("s3cr3t-Passw0rd", "camuser-xyz", "10.9.8.7", "stream-secret-path")
    with web_site.factory.begin() as session:
        for camera in session.scalars(select(Camera)):
            camera.username, camera.password = "camuser-xyz", "s3cr3t-Passw0rd"
            camera.source_url = "rtsp://10.9.8.7:554/stream-secret-path"
    observe(web_site.factory, "TV-HT-CAM", datetime(2026, 3, 31, 10, 0, tzinfo=timezone.utc),
            datetime(2026, 3, 31, 10, 5, tzinfo=timezone.utc), health="offline")
    with web_site.factory.begin() as session:  # a library's error message echoing the URL
        for row in session.scalars(select(Observation).where(Observation.health == "offline")):
            row.error = "cannot open rtsp://camuser-xyz:s3cr3t-Passw0rd@10.9.8.7:554/stream-secret-path"
    client = web_site.client("admin")
    token = token_of(client)
    responses = [client.get(path) for path in (
        "/cameras", "/cameras?until=2026-03-31", "/cameras/TV-HT-CAM?until=2026-03-31", "/cameras/TV-HT-CAM/zones",
        "/cameras/DC-DD-CAM", "/cameras/DC-DD-CAM/zones", "/settings", "/settings/thresholds/desk/TV-HT",
        "/cameras/TV-HT-CAM/snapshot.jpg")]
    responses.append(post_zones(client, "TV-HT-CAM", {"zones": [{"name": "x", "kind": "staff", "polygon": []}]}, token))
    responses.append(post_zones(client, "TV-HT-CAM", {"zones": [{"name": "ban", "kind": "staff", "polygon": STAFF}]},
                                token))
    assert [r.status_code for r in responses] == [200] * 8 + [404, 422, 200]
    assert "Mất kết nối" in responses[2].get_data(as_text=True)  # the fault span is shown, its URL is not
    for response in responses:
        text = response.get_data(as_text=True)
        for secret in secrets:
            assert secret not in text


# -- health history -----------------------------------------------------------------------------------
def at(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=VN)


def test_health_history_numbers_from_scripted_observations(web_site):
    day, early = date(2026, 3, 20), date(2026, 3, 10)
    f = web_site.factory
    observe(f, "TV-DD-CAM", at(day, 9), at(day, 9, 59, 30))  # 120 ok
    observe(f, "TV-DD-CAM", at(day, 10), at(day, 10, 29, 30), health="offline")  # 60
    observe(f, "TV-DD-CAM", at(day, 10, 30), at(day, 10, 44, 30), health="frozen")  # 30
    observe(f, "TV-DD-CAM", at(day, 10, 45), at(day, 10, 59, 30), health="dark")  # 30
    observe(f, "TV-DD-CAM", at(early, 8), at(early, 8, 9, 30), health="covered")  # 20, in the 14 days, not the 7
    observe(f, "TV-DD-CAM", at(early, 8, 10), at(early, 8, 19, 30), health="moved")  # 20
    client = web_site.client("xem-tv")

    index = client.get("/cameras?until=20/03/2026").get_data(as_text=True)
    row = index.split('id="cam-TV-DD-CAM"', 1)[1].split("</tr>", 1)[0]
    summary = re.sub(r"\s+", " ", row.split('class="health-summary">', 1)[1].split("</small>", 1)[0]).strip()
    assert summary == "Bình thường 50,0 % · Mất kết nối 25,0 % · Hình bị đứng 12,5 % · Quá tối 12,5 %"
    assert "240 mẫu" in row
    assert '<rect class="h-ok" x="0.0" y="0" width="50.0"' in row
    assert '<rect class="h-offline" x="50.0" y="0" width="25.0"' in row
    other = index.split('id="cam-TV-HT-CAM"', 1)[1].split("</tr>", 1)[0]
    assert "Không có dữ liệu" in other  # the seeded days are after 20/03

    detail = client.get("/cameras/TV-DD-CAM?until=2026-03-20").get_data(as_text=True)

    def cells(iso: str) -> list[str]:
        tr = detail.split(f'data-day="{iso}"', 1)[1].split("</tr>", 1)[0]
        return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>.*?</td>", tr, re.S)]

    assert cells("2026-03-20") == ["20/03/2026", "240", "50,0 %", "25,0 %", "12,5 %", "12,5 %", "0,0 %", "0,0 %",
                                   "0,0 %"]
    assert cells("2026-03-10") == ["10/03/2026", "40", "0,0 %", "0,0 %", "0,0 %", "0,0 %", "50,0 %", "50,0 %", "0,0 %"]
    assert cells("2026-03-15")[1:] == ["0", "Không có dữ liệu"]
    history = detail.split("Các đợt sự cố", 1)[0]
    assert "07/03/2026" in history and "06/03/2026" not in history and "21/03/2026" not in history  # 14 days
    spans = detail.split("Các đợt sự cố", 1)[1].split("</table>", 1)[0]
    spans = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>.*?</td>", tr, re.S)]
             for tr in re.findall(r"<tr>.*?</tr>", spans, re.S) if "<td" in tr]
    assert [s[:5] for s in spans] == [
        ["Quá tối", "20/03/2026 10:45", "20/03/2026 11:00", "15", "30"],
        ["Hình bị đứng", "20/03/2026 10:30", "20/03/2026 10:45", "15", "30"],
        ["Mất kết nối", "20/03/2026 10:00", "20/03/2026 10:30", "30", "60"],
        ["Bị xoay lệch", "10/03/2026 08:10", "10/03/2026 08:20", "10", "20"],
        ["Bị che", "10/03/2026 08:00", "10/03/2026 08:10", "10", "20"],
    ]
    assert "Bình thường" in detail.split("Tình trạng gần nhất", 1)[1][:300]  # the seeded 31/03 sample is the latest


def test_default_period_ends_today_by_the_app_clock(web_site):
    web_site.app.config["CLOCK"] = lambda: at(date(2026, 3, 31), 20)
    page = web_site.client("admin").get("/cameras").get_data(as_text=True)
    assert "từ 25/03/2026 đến 31/03/2026" in page
    assert "Không có dữ liệu" not in page.split('id="cam-TV-HT-CAM"', 1)[1].split("</tr>", 1)[0]
    bad = web_site.client("admin").get("/cameras?until=31-31-2026")
    assert bad.status_code == 200 and "không hợp lệ" in bad.get_data(as_text=True)


# -- snapshots ----------------------------------------------------------------------------------------
def test_snapshot_latest_then_reference_then_placeholder_and_every_view_logged(web_site, tmp_path):
    from pathlib import Path

    from models.access import AccessLog
    from models.org import Camera

    data = Path(web_site.app.config["DATA_DIR"])
    latest = data / "snapshots" / "latest" / "TV-DD-CAM.jpg"
    latest.parent.mkdir(parents=True, exist_ok=True)
    latest.write_bytes(JPEG)
    client = web_site.client("lanhdao-tv")
    response = client.get("/cameras/TV-DD-CAM/snapshot.jpg")
    assert response.status_code == 200 and response.data == JPEG and response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"
    editor = client.get("/cameras/TV-DD-CAM/zones").get_data(as_text=True)
    assert 'viewBox="0 0 256 144"' in editor and "/cameras/TV-DD-CAM/snapshot.jpg" in editor

    latest.unlink()
    reference = data / "reference" / "TV-DD-CAM.png"
    reference.parent.mkdir(parents=True)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x80\x00\x00\x01\xe0\x08\x02\x00\x00\x00"
    reference.write_bytes(png)
    with web_site.factory.begin() as session:
        camera = session.scalars(select(Camera).filter_by(code="TV-DD-CAM")).one()
        camera.reference_frame_path = "reference/TV-DD-CAM.png"
    response = client.get("/cameras/TV-DD-CAM/snapshot.jpg")
    assert response.status_code == 200 and response.data == png and response.mimetype == "image/png"
    assert 'viewBox="0 0 640 480"' in client.get("/cameras/TV-DD-CAM/zones").get_data(as_text=True)

    reference.unlink()
    assert client.get("/cameras/TV-DD-CAM/snapshot.jpg").status_code == 404
    editor = client.get("/cameras/TV-DD-CAM/zones").get_data(as_text=True)
    assert 'viewBox="0 0 1600 900"' in editor and 'class="placeholder"' in editor and "snapshot.jpg" not in editor

    with web_site.factory() as session:
        logged = session.execute(select(AccessLog.username, AccessLog.action, AccessLog.object_id, AccessLog.detail)
                                 .order_by(AccessLog.id)).all()
    assert [tuple(r) for r in logged] == [("lanhdao-tv", "evidence.view", "TV-DD-CAM", {"snapshot": "latest"}),
                                          ("lanhdao-tv", "evidence.view", "TV-DD-CAM", {"snapshot": "reference"})]
