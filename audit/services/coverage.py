"""Which cameras film which desks: a desk camera films its own desk; a room camera films every desk that one
of its active staff or queue zones names. One reader for the wall, the live status, the alerts and the pages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.enums import ZoneKind
from models.org import Camera, Zone


@dataclass(frozen=True)
class DeskCamera:
    """One camera over one desk, as plain values."""

    id: int
    code: str
    desk_id: int  # the desk it films here
    own_desk_id: int | None  # the camera's own desk (None: a room camera)
    cadence_seconds: int


def desk_cameras(session: Session, desk_ids: Iterable[int], *,
                 enabled_only: bool = True) -> dict[int, list[DeskCamera]]:
    """Per desk id, the active cameras that film it, in camera code order (a desk may have none)."""
    ids = list(desk_ids)
    found: dict[int, list[DeskCamera]] = defaultdict(list)
    if not ids:
        return found
    zoned = (select(Zone.camera_id, Zone.desk_id)
             .where(Zone.desk_id.in_(ids), Zone.active.is_(True), Zone.kind.in_([ZoneKind.STAFF, ZoneKind.QUEUE]))
             .distinct())
    pairs = {(camera_id, desk_id) for camera_id, desk_id in session.execute(zoned)}
    query = select(Camera.id, Camera.code, Camera.desk_id, Camera.cadence_seconds).where(
        Camera.active.is_(True), or_(Camera.desk_id.in_(ids), Camera.id.in_({c for c, _ in pairs})))
    if enabled_only:
        query = query.where(Camera.enabled.is_(True))
    for camera in session.execute(query.order_by(Camera.code)):
        desks = {d for c, d in pairs if c == camera.id}
        if camera.desk_id is not None and camera.desk_id in ids:
            desks.add(camera.desk_id)
        for desk_id in desks:
            found[desk_id].append(DeskCamera(camera.id, camera.code, desk_id, camera.desk_id,
                                             camera.cadence_seconds))
    return found


def desks_of_cameras(session: Session, camera_ids: Iterable[int]) -> dict[int, list[int]]:
    """Per camera id, the desk ids it films (its own desk, and the desks its staff and queue zones name)."""
    ids = list(camera_ids)
    found: dict[int, set[int]] = defaultdict(set)
    if not ids:
        return {}
    for camera_id, desk_id in session.execute(select(Camera.id, Camera.desk_id).where(Camera.id.in_(ids))):
        if desk_id is not None:
            found[camera_id].add(desk_id)
    for camera_id, desk_id in session.execute(
            select(Zone.camera_id, Zone.desk_id).where(Zone.camera_id.in_(ids), Zone.active.is_(True),
                                                      Zone.desk_id.is_not(None)).distinct()):
        found[camera_id].add(desk_id)
    return {camera_id: sorted(desks) for camera_id, desks in found.items()}
