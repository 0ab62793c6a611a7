"""Cameras added and edited on the cameras page, and "Kiểm tra kết nối": admins only for changes, credentials
write-only and logged as "<changed>", every change in the change log, and config imports leave web cameras be."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from fakecams import FakeHttpCamera
from websupport import csrf_token, web_site  # noqa: F401  (fixture)

SECRET = "Cam-S3cret-pw!"


def _form(**overrides):
    form = {"code": "TV-WEB-1", "name": "Camera quầy mới", "unit": "", "desk": "",
            "url": "rtsp://10.0.0.9/Streaming/Channels/102",
            "username": "admin", "password": SECRET, "cadence_seconds": "20",
            "purpose": "Theo dõi sự có mặt tại quầy", "enabled": "1", "verify_tls": "1", "action": "save"}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def _unit_id(site, code="NA-TRUONGVINH"):
    from models.org import Unit

    with site.factory() as session:
        return str(session.scalars(select(Unit.id).where(Unit.code == code)).one())


def _camera(site, code):
    from models.org import Camera

    with site.factory() as session:
        camera = session.scalars(select(Camera).where(Camera.code == code)).one_or_none()
        if camera is not None:
            session.expunge(camera)
        return camera


def _changes(site, code):
    from models.access import ChangeLog

    with site.factory() as session:
        return [(c.action.value, c.source, c.actor, c.changes) for c in session.scalars(
            select(ChangeLog).where(ChangeLog.entity_type == "camera", ChangeLog.entity_key == code)
            .order_by(ChangeLog.id))]


def test_admin_adds_a_camera_and_edits_it_with_write_only_credentials(web_site):
    admin = web_site.client("admin")
    assert 'id="camera-add"' in admin.get("/cameras").get_data(as_text=True)
    token = csrf_token(admin, "/cameras/new")
    created = admin.post("/cameras/new", data=_form(unit=_unit_id(web_site), desk="TV-HT", csrf_token=token))
    assert created.status_code == 302 and created.headers["Location"].endswith("/cameras/TV-WEB-1")
    camera = _camera(web_site, "TV-WEB-1")
    assert (camera.source_url, camera.username, camera.password, camera.cadence_seconds, camera.managed_by) == (
        "rtsp://10.0.0.9/Streaming/Channels/102", "admin", SECRET, 20, "web")
    assert camera.desk_id is not None and camera.enabled and camera.stream_options is None

    page = admin.get("/cameras/TV-WEB-1/edit").get_data(as_text=True)
    assert SECRET not in page and 'value="admin"' not in page and "đã lưu" in page
    # blank credentials keep the stored ones; other fields change and are logged
    edited = admin.post("/cameras/TV-WEB-1/edit", data=_form(
        unit=_unit_id(web_site), desk="TV-HT", username="", password="", cadence_seconds="60", verify_tls=None,
        rtsp_transport="udp", keep_open="1", csrf_token=token))
    assert edited.status_code == 302
    camera = _camera(web_site, "TV-WEB-1")
    assert (camera.username, camera.password, camera.cadence_seconds) == ("admin", SECRET, 60)
    assert camera.stream_options == {"keep_open": True, "rtsp_transport": "udp", "verify_tls": False}
    admin.post("/cameras/TV-WEB-1/edit", data=_form(unit=_unit_id(web_site), desk="TV-HT", username="",
                                                    password="N3w-pass", csrf_token=token))
    assert _camera(web_site, "TV-WEB-1").password == "N3w-pass"
    log = _changes(web_site, "TV-WEB-1")
    assert [a for a, *_ in log] == ["create", "update", "update"] and {s for _a, s, *_ in log} == {"web"}
    assert log[0][3]["password"] == "<changed>" and log[0][3]["username"] == "<changed>"
    assert log[1][3]["cadence_seconds"] == [20, 60] and "password" not in log[1][3]
    assert log[2][3] == {"password": "<changed>", "cadence_seconds": [60, 20], "stream_options": [
        {"keep_open": True, "rtsp_transport": "udp", "verify_tls": False}, None]}
    history = admin.get("/cameras/TV-WEB-1/edit").get_data(as_text=True)
    assert SECRET not in history and "N3w-pass" not in history and "Lịch sử thay đổi camera" in history


@pytest.mark.parametrize("field, value, message", [
    ("code", "bad code!", "letters, digits"),
    ("code", "TV-HT-CAM", "exists already"),
    ("url", "ftp://cam/x", "unsupported URL scheme"),
    ("url", "rtsp:///nohost", "no host"),
    ("cadence_seconds", "2", "between 5 and 3600"),
    ("purpose", "", "state what the camera is for"),
    ("desk", "DC-HT", "no active desk"),
])
def test_a_bad_value_names_its_field_and_saves_nothing(web_site, field, value, message):
    admin = web_site.client("admin")
    token = csrf_token(admin, "/cameras/new")
    refused = admin.post("/cameras/new", data=_form(unit=_unit_id(web_site), csrf_token=token, **{field: value}))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and message in page and f'data-field="{field}"' in page
    assert _camera(web_site, "TV-WEB-1") is None and SECRET not in page


def test_only_admins_change_cameras_and_every_post_needs_the_csrf_token(web_site):
    for user in ("thanhtra", "lanhdao-tv", "xem-tv"):
        client = web_site.client(user)
        assert client.get("/cameras/new").status_code == 403
        assert client.get("/cameras/TV-HT-CAM/edit").status_code == 403
        assert 'id="camera-add"' not in client.get("/cameras").get_data(as_text=True)
        token = csrf_token(client, "/cameras")
        assert client.post("/cameras/new", data=_form(unit=_unit_id(web_site), csrf_token=token)).status_code == 403
    admin = web_site.client("admin")
    assert admin.post("/cameras/new", data=_form(unit=_unit_id(web_site))).status_code == 400
    assert web_site.client("xem-dc").get("/cameras/TV-HT-CAM/edit").status_code == 403
    assert _camera(web_site, "TV-WEB-1") is None


def test_probe_of_a_stored_camera_shows_the_figures_and_a_blurred_snapshot_never_the_password(web_site):
    from models.org import Camera

    with FakeHttpCamera(username="admin", password=SECRET, auth="digest") as fake:
        with web_site.factory() as session:
            camera = session.scalars(select(Camera).where(Camera.code == "TV-HT-CAM")).one()
            camera.source_url, camera.username, camera.password = fake.url(), "admin", SECRET
            session.commit()
        inspector = web_site.client("thanhtra")
        detail = inspector.get("/cameras/TV-HT-CAM").get_data(as_text=True)
        assert 'id="camera-probe"' in detail and 'id="camera-edit"' not in detail
        result = inspector.post("/cameras/TV-HT-CAM/probe", data={"csrf_token": csrf_token(inspector, "/cameras")})
        page = result.get_data(as_text=True)
        assert result.status_code == 200 and "Kết quả kiểm tra kết nối" in page
        assert re.search(r'class="probe-size">768×576<', page) and 'class="probe-codec">jpeg<' in page
        assert "data:image/jpeg;base64," in page and SECRET not in page and fake.url() not in page
        fake.mode = "missing"
        failed = inspector.post("/cameras/TV-HT-CAM/probe", data={"csrf_token": csrf_token(inspector, "/cameras")})
        assert "404" in failed.get_data(as_text=True) and "probe-error" in failed.get_data(as_text=True)
    viewer = web_site.client("xem-tv")
    refused = viewer.post("/cameras/TV-HT-CAM/probe", data={"csrf_token": csrf_token(viewer, "/cameras")})
    assert refused.status_code == 403
    from models.access import AccessLog

    with web_site.factory() as session:
        probes = session.scalars(select(AccessLog).where(AccessLog.action == "camera.probe")).all()
    assert [(p.username, p.detail["ok"]) for p in probes] == [("thanhtra", True), ("thanhtra", False)]


def test_probe_from_the_form_tests_unsaved_values_and_saves_nothing(web_site):
    admin = web_site.client("admin")
    token = csrf_token(admin, "/cameras/new")
    with FakeHttpCamera(username="admin", password=SECRET, auth="digest") as fake:
        wrong = admin.post("/cameras/new", data=_form(unit=_unit_id(web_site), url=fake.url(), password="x",
                                                      action="probe", csrf_token=token)).get_data(as_text=True)
        good = admin.post("/cameras/new", data=_form(unit=_unit_id(web_site), url=fake.url(), action="probe",
                                                     csrf_token=token)).get_data(as_text=True)
    assert "wrong or missing username/password" in wrong and SECRET not in good
    assert 'class="probe-codec">jpeg<' in good and _camera(web_site, "TV-WEB-1") is None


def test_a_config_import_leaves_web_cameras_and_their_zones_alone(web_site, tmp_path):
    from datetime import datetime, timezone

    from conftest import EXAMPLE_CONFIG
    from deskaudit.siteconfig.importer import import_site
    from deskaudit.siteconfig.load import load_site_config
    from models.org import Camera, Zone

    admin = web_site.client("admin")
    token = csrf_token(admin, "/cameras/new")
    assert admin.post("/cameras/new", data=_form(unit=_unit_id(web_site), desk="TV-HT", csrf_token=token)
                      ).status_code == 302
    with web_site.factory() as session:
        camera = session.scalars(select(Camera).where(Camera.code == "TV-WEB-1")).one()
        session.add(Zone(camera_id=camera.id, desk_id=camera.desk_id, name="ban", kind="staff",
                         polygon=[[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]], changed_by="admin",
                         changed_at=datetime(2026, 4, 1, tzinfo=timezone.utc)))
        session.commit()
    loaded = load_site_config(EXAMPLE_CONFIG)
    with web_site.factory() as session:
        import_site(session, loaded.site, base_dir=EXAMPLE_CONFIG.parent, actor="test",
                    now=datetime(2026, 4, 1, 4, tzinfo=timezone.utc))
        session.commit()
        camera = session.scalars(select(Camera).where(Camera.code == "TV-WEB-1")).one()
        assert camera.active and camera.managed_by == "web" and [z.active for z in camera.zones] == [True]


def test_a_camera_added_from_a_vendor_preset(web_site):
    admin = web_site.client("admin")
    token = csrf_token(admin, "/cameras/new")
    form = _form(unit=_unit_id(web_site), url="", source="preset", preset_vendor="dahua", preset_host="10.0.0.8",
                 preset_channel="2", preset_stream="sub", csrf_token=token)
    assert 'name="preset_vendor"' in admin.get("/cameras/new").get_data(as_text=True)
    assert admin.post("/cameras/new", data=form).status_code == 302
    assert _camera(web_site, "TV-WEB-1").source_url == "rtsp://10.0.0.8/cam/realmonitor?channel=2&subtype=1"
    refused = admin.post("/cameras/new", data={**form, "code": "TV-WEB-2", "preset_vendor": "uniview",
                                               "preset_snapshot": "1"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-field="preset"' in page and "channel 1 only" in page
    assert _camera(web_site, "TV-WEB-2") is None
