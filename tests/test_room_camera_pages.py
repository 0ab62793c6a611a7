"""A room camera in the web app: the zone editor draws each desk's zones on the shared snapshot (desk chosen
from the unit's desks, one colour per desk, change log kept) and refuses bad desks and rules with a 422; the
wall shows each desk's tile from the shared camera; the pages and the API list it with the desks it films."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from websupport import web_site  # noqa: F401  (fixture)

NOW = datetime(2026, 3, 31, 3, 0, tzinfo=timezone.utc)
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x00\x90\x01\x00"
        b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9")  # a header-only JPEG of 256 × 144


def rect(x1, y1, x2, y2):
    return [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]


@pytest.fixture
def room(web_site, tmp_path):
    """TV-PHONG: a room camera of Trường Vinh over TV-DD and a new desk TV-MC that has no camera of its own."""
    from models.enums import ZoneKind
    from models.org import Camera, Desk, Unit, Zone

    with web_site.factory.begin() as session:
        unit = session.scalar(select(Unit).where(Unit.code == "NA-TRUONGVINH"))
        dd = session.scalar(select(Desk).where(Desk.code == "TV-DD"))
        mc = Desk(code="TV-MC", unit_id=unit.id, name="Quầy số 9", field="Một cửa liên thông")
        session.add(mc)
        session.flush()
        camera = Camera(code="TV-PHONG", unit_id=unit.id, desk_id=None, name="Camera phòng một cửa",
                        source_url="rtsp://192.0.2.10/room", purpose="Giám sát khu vực tiếp nhận hồ sơ")
        session.add(camera)
        session.flush()
        for name, kind, desk, polygon in (("dd-can-bo", ZoneKind.STAFF, dd, rect(0, 0, 0.5, 0.4)),
                                          ("mc-can-bo", ZoneKind.STAFF, mc, rect(0.5, 0, 1, 0.4))):
            session.add(Zone(camera_id=camera.id, desk_id=desk.id, name=name, kind=kind, polygon=polygon,
                             changed_by="test", changed_at=NOW))
    latest = tmp_path / "data" / "snapshots" / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    (latest / "TV-PHONG.jpg").write_bytes(JPEG)
    return web_site


def _post(client, code, zones, note="thử"):
    page = client.get(f"/cameras/{code}/zones").get_data(as_text=True)
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    return client.post(f"/cameras/{code}/zones", data=json.dumps({"zones": zones, "note": note}),
                       content_type="application/json", headers={"X-CSRFToken": token})


def test_the_editor_draws_each_desks_zones_in_its_colour(room):
    client = room.client("admin")
    page = client.get("/cameras/TV-PHONG/zones").get_data(as_text=True)
    assert 'data-room="true"' in page
    assert 'data-desk="TV-DD"' in page and 'data-desk="TV-MC"' in page  # the legend, one entry per desk
    assert '<option value="TV-MC">' in page  # the desk list of the unit
    assert "desk-0" in page and "desk-1" in page  # a colour per desk
    assert "DC-" not in page.split('id="zone-desk"', 1)[1].split("</select>", 1)[0]  # only this unit's desks


def test_saving_a_room_cameras_zones_keeps_desk_rule_version_and_log(room):
    from models.access import ChangeLog
    from models.org import Desk, Zone

    client = room.client("admin")
    zones = [
        {"name": "dd-can-bo", "kind": "staff", "desk": "TV-DD", "polygon": rect(0, 0, 0.45, 0.4)},
        {"name": "mc-can-bo", "kind": "staff", "desk": "TV-MC", "polygon": rect(0.5, 0, 1, 0.4), "overlap": 0.5},
        {"name": "mc-hang", "kind": "queue", "desk": "TV-MC", "polygon": rect(0.5, 0.4, 1, 1), "anchor": "center"},
        {"name": "mat-quay", "kind": "mask", "polygon": rect(0.3, 0.38, 0.7, 0.42)},
    ]
    response = _post(client, "TV-PHONG", zones)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert {z["name"]: z["desk"] for z in body["zones"]} == {
        "dd-can-bo": "TV-DD", "mc-can-bo": "TV-MC", "mc-hang": "TV-MC", "mat-quay": None}
    with room.factory() as session:
        stored = {z.name: (session.get(Desk, z.desk_id).code if z.desk_id else None, z.anchor, z.overlap, z.version)
                  for z in session.scalars(select(Zone).join(Zone.camera).where(Zone.active.is_(True),
                                                                               Zone.camera.has(code="TV-PHONG")))}
        logged = session.scalars(select(ChangeLog.entity_key).where(ChangeLog.entity_key.like("TV-PHONG/%"))).all()
    assert stored == {"dd-can-bo": ("TV-DD", None, None, 2), "mc-can-bo": ("TV-MC", None, 0.5, 2),
                      "mc-hang": ("TV-MC", "center", None, 1), "mat-quay": (None, None, None, 1)}
    assert sorted(logged) == ["TV-PHONG/dd-can-bo", "TV-PHONG/mat-quay", "TV-PHONG/mc-can-bo", "TV-PHONG/mc-hang"]


@pytest.mark.parametrize("zone, expected", [
    ({"name": "x", "kind": "staff", "polygon": rect(0, 0, 0.4, 0.4)}, "chọn quầy"),
    ({"name": "x", "kind": "queue", "desk": "DC-HT", "polygon": rect(0, 0, 0.4, 0.4)}, "không thuộc đơn vị"),
    ({"name": "x", "kind": "staff", "desk": "NOPE", "polygon": rect(0, 0, 0.4, 0.4)}, "không thuộc đơn vị"),
    ({"name": "x", "kind": "mask", "desk": "TV-DD", "polygon": rect(0, 0, 0.4, 0.4)}, "không thuộc quầy nào"),
    ({"name": "x", "kind": "staff", "desk": "TV-DD", "overlap": 1.5, "polygon": rect(0, 0, 0.4, 0.4)}, "quy tắc"),
    ({"name": "x", "kind": "staff", "desk": "TV-DD", "overlap": 0, "polygon": rect(0, 0, 0.4, 0.4)}, "quy tắc"),
    ({"name": "x", "kind": "queue", "desk": "TV-DD", "anchor": "feet", "polygon": rect(0, 0, 0.4, 0.4)}, "quy tắc"),
])
def test_the_editor_refuses_bad_desks_and_rules_with_422_and_writes_nothing(room, zone, expected):
    from models.access import ChangeLog

    client = room.client("admin")
    with room.factory() as session:
        before = session.scalar(select(ChangeLog.id).order_by(ChangeLog.id.desc()).limit(1))
    response = _post(client, "TV-PHONG", [zone])
    assert response.status_code == 422
    assert expected in response.get_json()["message"] and '“x”' in response.get_json()["message"]
    with room.factory() as session:
        assert session.scalar(select(ChangeLog.id).order_by(ChangeLog.id.desc()).limit(1)) == before


def test_a_desk_cameras_zone_cannot_name_another_desk(room):
    client = room.client("admin")
    response = _post(client, "TV-HT-CAM", [{"name": "ban", "kind": "staff", "desk": "TV-DD",
                                            "polygon": rect(0.6, 0.3, 0.9, 0.7)}])
    assert response.status_code == 422 and "camera quầy" in response.get_json()["message"]
    ok = _post(client, "TV-HT-CAM", [{"name": "ban", "kind": "staff", "desk": "TV-HT",
                                      "polygon": rect(0.6, 0.3, 0.9, 0.7)}])
    assert ok.status_code == 200, ok.get_data(as_text=True)


def test_the_wall_shows_each_desks_tile_from_the_shared_camera(room):
    client = room.client("admin")
    page = client.get("/wall").get_data(as_text=True)
    assert "Quầy số 9" in page  # TV-MC has no camera of its own, yet its tile is there...
    assert "/wall/snapshot/TV-PHONG.jpg" in page  # ...with the room camera's snapshot
    assert client.get("/wall/snapshot/TV-PHONG.jpg").status_code == 200
    assert room.client("xem-dc").get("/wall/snapshot/TV-PHONG.jpg").status_code == 404  # another unit's


def test_the_cameras_page_and_the_api_list_a_room_camera_with_its_desks(room):
    client = room.client("admin")
    page = client.get("/cameras").get_data(as_text=True)
    row = page.split('id="cam-TV-PHONG"', 1)[1].split("</tr>", 1)[0]
    assert "Camera phòng" in row and "TV-DD, TV-MC" in row
    detail = client.get("/cameras/TV-PHONG").get_data(as_text=True)
    assert "Quầy số 9 (TV-MC)" in detail
