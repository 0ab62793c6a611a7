"""`deskaudit config import`: idempotent upsert, deactivation with history kept, change log."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from deskaudit.cli import cli
from models import Base, Camera, ChangeLog, Desk, Observation, Staff, Zone
from models.enums import CameraHealth, ChangeAction, PresenceState


def snapshot(session) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    content = {}
    for table in Base.metadata.sorted_tables:
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        content[table.name] = [tuple(row) for row in rows]
    return content


@pytest.fixture
def imported(migrated_url, cli_runner, monkeypatch, write_config, example_raw):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)

    def run(raw=None):
        path = write_config(raw if raw is not None else example_raw)
        result = cli_runner.invoke(cli, ["config", "import", str(path), "--actor", "tester"])
        assert result.exit_code == 0, result.output
        return result.output

    return run


def test_import_twice_changes_nothing(imported, session_for):
    first = imported()
    assert "desk: create 6" in first and "camera: create 7" in first and "zone: create 16" in first
    with session_for() as session:
        before = snapshot(session)
    assert imported().strip().endswith("imported, no changes")
    with session_for() as session:
        assert snapshot(session) == before
    assert len(before["desks"]) == 6 and len(before["staff"]) == 7 and len(before["units"]) == 3


def test_removed_desk_becomes_inactive_and_keeps_history(imported, session_for, example_raw):
    imported()
    now = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
    with session_for() as session, session.begin():
        camera = session.scalars(select(Camera).where(Camera.code == "DC-XH-CAM")).one()
        session.add(Observation(camera_id=camera.id, desk_id=camera.desk_id, slot_at=now, observed_at=now,
                                health=CameraHealth.OK, presence=PresenceState.PRESENT, persons=2, staff_count=1,
                                queue_count=1))
    removed = example_raw["units"][2]["desks"].pop(2)
    assert removed["id"] == "DC-XH"
    example_raw["units"][2]["staff"] = [s for s in example_raw["units"][2]["staff"] if s.get("desk") != "DC-XH"]
    output = imported(example_raw)
    assert "desk: deactivate 1" in output and "camera: deactivate 1" in output and "staff: deactivate 1" in output
    with session_for() as session:
        desk = session.scalars(select(Desk).where(Desk.code == "DC-XH")).one()
        assert desk.active is False
        assert session.scalars(select(Observation).where(Observation.desk_id == desk.id)).one().persons == 2
        assert session.scalars(select(Camera).where(Camera.code == "DC-XH-CAM")).one().active is False
        assert session.scalars(select(Staff).where(Staff.code == "CB-DC-03")).one().active is False
        log = session.scalars(select(ChangeLog).where(ChangeLog.entity_key == "DC-XH")).all()
        assert [e.action for e in log] == [ChangeAction.CREATE, ChangeAction.DEACTIVATE]
        assert log[-1].actor == "tester" and log[-1].changes == {"active": [True, False]}
    # Put it back: reactivated, same row.
    example_raw["units"][2]["desks"].append(removed)
    assert "desk: reactivate 1" in imported(example_raw)
    with session_for() as session:
        assert session.scalars(select(Desk).where(Desk.code == "DC-XH")).one().id == desk.id


def test_zone_change_bumps_version_and_is_logged(imported, session_for, example_raw):
    imported()
    zone_cfg = example_raw["units"][1]["desks"][0]["cameras"][0]["zones"][0]
    zone_cfg["polygon"] = [[0.6, 0.3], [1.0, 0.3], [1.0, 0.8], [0.6, 0.8]]
    assert "zone: update 1" in imported(example_raw)
    with session_for() as session:
        zone = session.scalars(select(Zone).join(Camera)
                               .where(Camera.code == "TV-HT-CAM", Zone.name == "ban-tiep-nhan")).one()
        assert zone.version == 2 and zone.changed_by == "tester"
        assert zone.polygon == [[0.6, 0.3], [1.0, 0.3], [1.0, 0.8], [0.6, 0.8]]
        entry = session.scalars(select(ChangeLog).where(ChangeLog.entity_type == "zone",
                                                        ChangeLog.action == ChangeAction.UPDATE)).one()
        assert entry.entity_key == "TV-HT-CAM/ban-tiep-nhan"
        assert entry.changes["polygon"][0][0] == [0.7, 0.3]


def test_credentials_are_stored_apart_and_never_logged(imported, session_for, example_raw):
    camera_cfg = example_raw["units"][1]["desks"][1]["cameras"][0]
    camera_cfg["url"] = "rtsp://admin:Pa%24%24w0rd@192.0.2.10:554/Streaming/Channels/101"
    output = imported(example_raw)
    assert "Pa$$w0rd" not in output
    with session_for() as session:
        camera = session.scalars(select(Camera).where(Camera.code == "TV-DD-CAM")).one()
        assert camera.source_url == "rtsp://192.0.2.10:554/Streaming/Channels/101"
        assert (camera.username, camera.password) == ("admin", "Pa$$w0rd")
        assert "Pa$$w0rd" not in repr(camera)
        for entry in session.scalars(select(ChangeLog)):
            assert "Pa$$w0rd" not in str(entry.changes) and "Pa%24%24w0rd" not in str(entry.changes)
        entry = session.scalars(select(ChangeLog).where(ChangeLog.entity_key == "TV-DD-CAM")).one()
        assert entry.changes["password"] == "<changed>"
    camera_cfg["url"] = "rtsp://admin:n3w-secret@192.0.2.10:554/Streaming/Channels/101"
    assert "camera: update 1" in imported(example_raw)
    with session_for() as session:
        update = session.scalars(
            select(ChangeLog).where(ChangeLog.entity_key == "TV-DD-CAM", ChangeLog.action == ChangeAction.UPDATE)
        ).one()
        assert update.changes == {"password": "<changed>"}


def test_hours_sessions_follow_the_file(imported, session_for, example_raw):
    from models import HoursProfile

    imported()
    example_raw["hours_profiles"][0]["seasons"][0]["sessions"] = [["07:30", "11:30"], ["13:30", "17:00"]]
    assert "hours_profile: update 1" in imported(example_raw)
    with session_for() as session:
        profile = session.scalars(select(HoursProfile).where(HoursProfile.code == "hanh-chinh-2025")).one()
        afternoons = sorted({s.start_time.strftime("%H:%M") for s in profile.sessions if s.start_time.hour >= 12})
        assert afternoons == ["13:30"]
        assert len(profile.sessions) == 5 * 2 + 1  # weekdays × 2 sessions + Saturday morning for flagged desks


def test_zones_drawn_in_the_editor_stay_when_the_file_lists_none_and_go_when_it_lists_others(
        imported, session_for, example_raw):
    camera_cfg = example_raw["units"][1]["desks"][0]["cameras"][0]
    listed = camera_cfg.pop("zones")
    imported(example_raw)
    drawn_at = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
    with session_for() as session, session.begin():
        camera = session.scalars(select(Camera).where(Camera.code == camera_cfg["id"])).one()
        session.add(Zone(camera_id=camera.id, desk_id=camera.desk_id, name="ve-tay", kind="staff",
                         polygon=[[0.1, 0.1], [0.6, 0.1], [0.6, 0.7]], changed_by="admin", changed_at=drawn_at))
    assert imported(example_raw).strip().endswith("imported, no changes")
    camera_cfg["zones"] = listed  # the file now defines the camera's zones: it is the source of truth
    output = imported(example_raw)
    assert "zone: deactivate 1" in output
    with session_for() as session:
        zones = session.scalars(select(Zone).join(Camera).where(Camera.code == camera_cfg["id"])).all()
        assert {z.name: z.active for z in zones}["ve-tay"] is False


def test_the_record_form_keys_are_stored_and_changes_logged(imported, session_for, example_raw):
    """``place_name``, ``inspecting_body``, ``superior`` on units and the ``[inspection]`` table reach the database
    (the record reads them there); a change is one logged update."""
    from audit.services.record_form import heading_for, record_settings
    from models import Unit

    imported()
    with session_for() as session:
        commune = session.scalars(select(Unit).where(Unit.code == "NA-TRUONGVINH")).one()
        province = session.scalars(select(Unit).where(Unit.code == "NA")).one()
        assert (commune.place_name, commune.superior, commune.inspecting_body) == ("Trường Vinh", None, None)
        assert (province.superior, province.inspecting_body) == ("UBND tỉnh Nghệ An", "Sở Nội vụ")
        heading = heading_for(session, commune)
        assert (heading.superior, heading.issuer, heading.place) == ("UBND TỈNH NGHỆ AN", "SỞ NỘI VỤ", "Trường Vinh")
        settings = record_settings(session)
        assert settings.copies == 2 and settings.basis.startswith("Kế hoạch số 15/KH-SNV")
        assert [line[:27] for line in settings.legal_basis] == ["Nghị định số 118/2025/NĐ-CP",
                                                                "Nghị định số 335/2025/NĐ-CP"]
    example_raw["units"][1]["place_name"] = "Vinh"
    example_raw["inspection"]["copies"] = 3
    output = imported(example_raw)
    assert "unit: update 1" in output and "inspection_settings: update 1" in output
    with session_for() as session:
        entry = session.scalars(select(ChangeLog).where(ChangeLog.entity_key == "NA-TRUONGVINH",
                                                        ChangeLog.action == ChangeAction.UPDATE)).one()
        assert entry.changes == {"place_name": ["Trường Vinh", "Vinh"]}
        assert record_settings(session).copies == 3
