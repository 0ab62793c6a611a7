"""Behaviour of the data layer that every later feature relies on."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from models import Alert, Camera, Desk, Observation, Unit
from models.db import session_scope
from models.enums import AlertKind, AlertStatus, CameraHealth, PresenceState, Severity, UnitLevel

T0 = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)  # 07:30 in Hà Nội


@pytest.fixture
def camera(session_for):
    with session_scope(session_for) as session:
        unit = Unit(code="U1", name="Xã A", level=UnitLevel.COMMUNE)
        desk = Desk(code="D1", name="Quầy 1", field="Tư pháp – Hộ tịch", unit=unit)
        cam = Camera(code="C1", name="Camera 1", desk=desk, source_url="rtsp://192.0.2.1/s", purpose="giám sát")
        session.add(cam)
        session.flush()
        return cam.id, desk.id, unit.id


def _obs(camera_id, desk_id, slot, **kw):
    return Observation(camera_id=camera_id, desk_id=desk_id, slot_at=slot, observed_at=slot + timedelta(seconds=2),
                       health=kw.pop("health", CameraHealth.OK), presence=kw.pop("presence", PresenceState.PRESENT),
                       **kw)


def test_times_round_trip_as_aware_utc(session_for, camera):
    camera_id, desk_id, _ = camera
    hanoi = timezone(timedelta(hours=7))
    with session_scope(session_for) as session:
        session.add(_obs(camera_id, desk_id, T0.astimezone(hanoi), persons=1))
    with session_scope(session_for) as session:
        stored = session.scalars(select(Observation)).one()
        assert stored.slot_at == T0 and stored.slot_at.tzinfo is not None
        assert stored.slot_at.utcoffset() == timedelta(0)


def test_naive_datetime_is_refused(session_for, camera):
    camera_id, desk_id, _ = camera
    with pytest.raises(StatementError, match="naive datetime"):
        with session_scope(session_for) as session:
            session.add(_obs(camera_id, desk_id, T0.replace(tzinfo=None)))


def test_one_observation_per_camera_and_slot(session_for, camera):
    camera_id, desk_id, _ = camera
    with session_scope(session_for) as session:
        session.add(_obs(camera_id, desk_id, T0))
    with pytest.raises(IntegrityError):
        with session_scope(session_for) as session:
            session.add(_obs(camera_id, desk_id, T0, health=CameraHealth.OFFLINE, presence=PresenceState.UNKNOWN))
    with session_scope(session_for) as session:
        assert len(session.scalars(select(Observation)).all()) == 1


def test_unknown_enum_value_is_refused(session_for, camera):
    camera_id, desk_id, _ = camera
    with pytest.raises(StatementError):
        with session_scope(session_for) as session:
            session.add(_obs(camera_id, desk_id, T0, health="blurry"))


def test_one_open_alert_per_condition(session_for, camera):
    _, desk_id, unit_id = camera

    def alert(status):
        return Alert(unit_id=unit_id, desk_id=desk_id, kind=AlertKind.UNATTENDED, severity=Severity.WARNING,
                     status=status, condition_key=f"unattended:{desk_id}", opened_at=T0)

    with session_scope(session_for) as session:
        session.add_all([alert(AlertStatus.RESOLVED), alert(AlertStatus.RESOLVED), alert(AlertStatus.OPEN)])
    with pytest.raises(IntegrityError):
        with session_scope(session_for) as session:
            session.add(alert(AlertStatus.ACKNOWLEDGED))


def test_foreign_keys_enforced(session_for, camera):
    with pytest.raises(IntegrityError):
        with session_scope(session_for) as session:
            session.add(Desk(code="D9", name="x", field="y", unit_id=9999))


def test_sqlite_runs_in_wal_mode(tmp_path):
    from models.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
