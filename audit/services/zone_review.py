"""Findings and the zones they were computed under: which zone versions a desk is seen through, and the open
findings a later zone change puts up for another look (docs/AUDIT.md, "Zone versions and re-review").

A finding records ``{"CAMERA/zone": version}`` of the active staff and queue zones of its desk when the audit
writes it. When a zone changes (the zone editor, a config import), every *open* finding (proposed, awaiting
explanation) that recorded the zone at an older version gets ``review_reason`` and ``review_flagged_at``.
Confirmed and dismissed findings are never touched: decided is decided. Re-running the audit over the day
clears the flag once the finding is written again under the zones as they are now (audit/services/findings.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from models.enums import FindingStatus, ZoneKind
from models.findings import Finding
from models.org import Camera, Zone

OPEN = (FindingStatus.PROPOSED, FindingStatus.AWAITING_EXPLANATION)
COUNTED = (ZoneKind.STAFF, ZoneKind.QUEUE)
CHANGES = "zone_changes"  # details key: {"CAMERA/zone": {"from", "to", "by", "at", "reason"}} behind the flag


def zone_key(camera_code: str, zone_name: str) -> str:
    """How a finding names a zone: ``CAMERACODE/zonename`` (a zone's name is unique on its camera)."""
    return f"{camera_code}/{zone_name}"


def desk_zone_versions(session: Session, desk_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """The active staff and queue zones of each desk, on any active camera, as ``{desk id: {key: version}}``.

    A zone belongs to the desk it names; a counted zone that names none belongs to its camera's desk.
    """
    if not desk_ids:
        return {}
    desk = func.coalesce(Zone.desk_id, Camera.desk_id)
    rows = session.execute(
        select(desk, Camera.code, Zone.name, Zone.version).join(Camera, Zone.camera_id == Camera.id)
        .where(Zone.active.is_(True), Camera.active.is_(True), Zone.kind.in_(COUNTED), desk.in_(list(desk_ids)))
        .order_by(Camera.code, Zone.name)).all()
    versions: dict[int, dict[str, int]] = {}
    for desk_id, camera_code, name, version in rows:
        versions.setdefault(desk_id, {})[zone_key(camera_code, name)] = int(version)
    return versions


def needs_review(finding: Finding) -> bool:
    """Flagged and still open: the one test the pages and the API use for the “Cần xem lại” badge."""
    return finding.review_flagged_at is not None and finding.status in OPEN


def flag_for_review(session: Session, zone: Zone, *, now: datetime, actor: str | None = None,
                    reason: str | None = None) -> list[Finding]:
    """Flag the open findings that recorded ``zone`` at a version older than its current one.

    Call it after the zone's version was raised (in the same transaction). Calling it again for the same
    version changes nothing; a later change of the same zone updates that zone's line of the reason.

    Returns:
        The findings flagged or updated now.
    """
    camera = zone.camera if zone.camera is not None else session.get(Camera, zone.camera_id)
    key = zone_key(camera.code, zone.name)
    candidates = session.scalars(
        select(Finding).where(Finding.status.in_(OPEN), Finding.zone_versions.is_not(None),
                              cast(Finding.zone_versions, String).contains(f'"{camera.code}/', autoescape=True))
        .order_by(Finding.id))
    flagged = []
    for finding in candidates:
        recorded = (finding.zone_versions or {}).get(key)
        if recorded is None or int(recorded) >= zone.version:
            continue
        changes = dict((finding.details or {}).get(CHANGES) or {})
        if (changes.get(key) or {}).get("to") == zone.version:
            continue
        text = reason or _reason(camera.code, zone, int(recorded), actor)
        changes[key] = {"from": int(recorded), "to": zone.version, "by": actor, "at": now.isoformat(),
                        "reason": text}
        finding.details = {**(finding.details or {}), CHANGES: changes}
        finding.review_reason = "\n".join(c["reason"] for c in changes.values())
        finding.review_flagged_at = finding.review_flagged_at or now
        flagged.append(finding)
    if flagged:
        session.flush()
    return flagged


def flag_zones(session: Session, zones: Iterable[Zone], *, now: datetime, actor: str | None = None) -> list[Finding]:
    """:func:`flag_for_review` for each of ``zones`` (a camera's zones after the editor saved them)."""
    return [finding for zone in zones for finding in flag_for_review(session, zone, now=now, actor=actor)]


def clear_review(finding: Finding) -> bool:
    """Drop the flag of a finding now written under the current zones; True when there was one."""
    details = finding.details or {}
    if finding.review_flagged_at is None and finding.review_reason is None and CHANGES not in details:
        return False
    finding.review_reason = finding.review_flagged_at = None
    if CHANGES in details:
        finding.details = {k: v for k, v in details.items() if k != CHANGES}
    return True


def _reason(camera_code: str, zone: Zone, recorded: int, actor: str | None) -> str:
    done = "đã sửa" if zone.active else "đã bị bỏ"
    by = f", người sửa: {actor}" if actor else ""
    return (f"Vùng {zone.name} của camera {camera_code} {done} (phiên bản {recorded} → {zone.version}{by}) "
            "sau khi phát hiện được lập")
