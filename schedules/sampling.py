"""One camera sample → database rows: an ``Observation`` per camera and sampling slot, a
``PresenceEvent`` per presence transition, the latest blurred snapshot on disk, and now and then
a blurred evidence snapshot that the observation points to.

Shared by ``deskaudit sample --once`` and the continuous sampler. The detector is created once per
process by the caller and injected; time comes in as an argument.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.enums import CameraHealth
from models.enums import PresenceState as StoredPresence
from models.observing import Observation, PresenceEvent
from models.org import Camera, Desk, Unit, Zone
from schedules.cameras import CameraSpec, open_camera
from schedules.snapshots import evidence_snapshot_path, latest_snapshot_path, render_snapshot, write_jpeg_atomically
from schedules.vocabulary import seen_presence, seen_zone_kind, stored_health, stored_presence
from vision.detector import PersonDetector
from vision.frames import FrameSource
from vision.health import HealthMonitor, HealthThresholds
from vision.pipeline import CameraPipeline, Sample
from vision.presence import CameraView, PresencePolicy, PresenceTracker, Transition, combine_views
from vision.privacy import BlurPolicy
from vision.sources.hosts import DEFAULT_SESSIONS_PER_HOST, HostSessions
from vision.sources.rtsp import DEFAULT_TRANSPORT
from vision.zones import DeskZones
from vision.zones import Zone as ZoneGeometry

log = logging.getLogger("deskaudit.schedules.sampling")

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class UnknownCamera(LookupError):
    """No camera with that code, or it is not enabled on an active desk."""


@dataclass(frozen=True)
class SamplingSettings:
    """What the site config's ``[vision]`` table would set; defaults until it is stored.

    ``evidence_every_s``: an evidence snapshot is kept at least this often per camera (besides one at
    each presence transition and health change); 0 keeps one for every sample, ``None`` none at all.
    ``max_sessions_per_host`` and ``rtsp_transport``: ``[vision.acquisition]`` (a camera's own transport wins).
    """

    health: HealthThresholds = field(default_factory=HealthThresholds)
    presence: PresencePolicy = field(default_factory=PresencePolicy)
    blur: BlurPolicy = field(default_factory=BlurPolicy)
    open_timeout_s: float = 5.0
    read_timeout_s: float = 5.0
    evidence_every_s: float | None = 300.0
    max_sessions_per_host: int = DEFAULT_SESSIONS_PER_HOST
    rtsp_transport: str = DEFAULT_TRANSPORT


@dataclass(frozen=True)
class SampleResult:
    """What one camera sample stored (or found already stored for its slot), as plain values."""

    camera_code: str
    slot_at: datetime
    observed_at: datetime
    health: str
    presence: str
    persons: int | None
    staff_count: int | None
    queue_count: int | None
    latency_ms: int | None
    error: str | None
    written: bool  # False: this slot had been sampled already, nothing new was stored
    transitions: tuple[Transition, ...] = ()
    snapshot: Path | None = None  # the latest snapshot written by this sample
    evidence: str | None = None  # the observation's evidence snapshot, relative to the data dir
    desk_id: int | None = None
    desks: tuple[SampleResult, ...] = ()  # one per desk in view (a room camera), this one first

    @classmethod
    def of(cls, code: str, row: Observation, *, written: bool, transitions: Iterable[Transition] = (),
           snapshot: Path | None = None) -> SampleResult:
        return cls(code, row.slot_at, row.observed_at, str(row.health), str(row.presence), row.persons,
                   row.staff_count, row.queue_count, row.latency_ms, row.error, written, tuple(transitions), snapshot,
                   row.snapshot_path, row.desk_id)


def slot_start(at: datetime, cadence_seconds: int) -> datetime:
    """The start of the sampling slot holding ``at``: UTC, floored to a multiple of the cadence since the epoch."""
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: pass an aware datetime (UTC)")
    if cadence_seconds < 1:
        raise ValueError(f"cadence must be ≥ 1 s, got {cadence_seconds}")
    elapsed = (at.astimezone(timezone.utc) - EPOCH) // timedelta(seconds=1)
    return EPOCH + timedelta(seconds=elapsed - elapsed % cadence_seconds)


def enabled_cameras(session: Session, code: str | None = None) -> list[CameraSpec]:
    """Enabled, active cameras of active desks (ordered by code), with their active zones.

    Raises:
        UnknownCamera: ``code`` names no such camera.
    """
    query = (select(Camera).join(Unit, Camera.unit_id == Unit.id).outerjoin(Desk, Camera.desk_id == Desk.id)
             .where(Camera.enabled.is_(True), Camera.active.is_(True), Unit.active.is_(True),
                    or_(Camera.desk_id.is_(None), Desk.active.is_(True)))
             .order_by(Camera.code))
    if code is not None:
        query = query.where(Camera.code == code)
    cameras = list(session.scalars(query))
    if code is not None and not cameras:
        exists = session.scalars(select(Camera.id).where(Camera.code == code)).first() is not None
        why = "is disabled, inactive or on an inactive desk or unit" if exists else "does not exist"
        raise UnknownCamera(f"camera {code!r} {why}")
    # A zone of an inactive desk counts for nobody: that desk is not audited.
    zones = session.execute(
        select(Zone, Desk.code).outerjoin(Desk, Zone.desk_id == Desk.id)
        .where(Zone.camera_id.in_([c.id for c in cameras]), Zone.active.is_(True),
               or_(Zone.desk_id.is_(None), Desk.active.is_(True)))
        .order_by(Zone.name)).all()
    return [_spec(camera, [(z, code) for z, code in zones if z.camera_id == camera.id]) for camera in cameras]


def _spec(camera: Camera, zones: list[tuple[Zone, str | None]]) -> CameraSpec:
    geometry = DeskZones(ZoneGeometry.build(z.name, seen_zone_kind(z.kind), z.polygon,
                                            where=f"camera {camera.code}: zone {z.name}", desk=code,
                                            anchor=z.anchor, overlap=z.overlap) for z, code in zones)
    desks = {code: z.desk_id for z, code in zones if code is not None and z.desk_id is not None}
    return CameraSpec(id=camera.id, code=camera.code, desk_id=camera.desk_id, url=camera.source_url,
                      username=camera.username, password=camera.password, cadence_seconds=camera.cadence_seconds,
                      zones=geometry, reference_frame_path=camera.reference_frame_path, unit_id=camera.unit_id,
                      desks=desks, health_overrides=dict(camera.health_overrides or {}),
                      keep_open=bool((camera.stream_options or {}).get("keep_open")),
                      rtsp_transport=(camera.stream_options or {}).get("rtsp_transport"),
                      verify_tls=(camera.stream_options or {}).get("verify_tls", True) is not False)


class Sampler:
    """Samples cameras with one shared detector and writes what they saw.

    Args:
        detector: Created once per process (a fake in tests).
        data_dir: Where ``snapshots/`` lives, and what relative paths are relative to.
        settings: Health thresholds, presence policy, blur, timeouts, evidence cadence.
    """

    def __init__(self, detector: PersonDetector, *, data_dir: Path, settings: SamplingSettings | None = None) -> None:
        self.detector = detector
        self.data_dir = Path(data_dir)
        self.settings = settings or SamplingSettings()
        self._sessions: HostSessions | None = None

    @property
    def sessions(self) -> HostSessions:
        """The per-host session limit every camera this sampler opens shares (rebuilt when the setting changes)."""
        if self._sessions is None or self._sessions.limit != self.settings.max_sessions_per_host:
            self._sessions = HostSessions(self.settings.max_sessions_per_host)
        return self._sessions

    def pipeline_for(self, camera: CameraSpec) -> CameraPipeline:
        """A fresh pipeline for ``camera`` (its presence tracker is restored from the database per sample)."""
        health = HealthMonitor(replace(self.settings.health, **camera.health_overrides)
                               if camera.health_overrides else self.settings.health)
        reference = camera.reference_image(self.data_dir)
        if reference is not None:
            health.set_reference(reference)
        return CameraPipeline(self.detector, camera.zones, health=health, presence=self.settings.presence)

    def open(self, camera: CameraSpec, *, live_files: bool = False) -> FrameSource:
        """``camera``'s frame source with this sampler's timeouts (``live_files``: files play in real time, looping)."""
        return open_camera(camera, base_dir=self.data_dir, open_timeout_s=self.settings.open_timeout_s,
                           read_timeout_s=self.settings.read_timeout_s, live_files=live_files,
                           transport=camera.rtsp_transport or self.settings.rtsp_transport, sessions=self.sessions)

    def sample_all(self, session: Session, at: datetime, cameras: Iterable[CameraSpec] | None = None,
                   on_result: Callable[[SampleResult], None] | None = None, *,
                   code: str | None = None) -> list[SampleResult]:
        """Sample ``cameras`` (default: every enabled one, or the one named ``code``) at ``at``.

        Commits after each camera, so one camera's rows are kept whatever happens to the next;
        ``on_result`` sees each result as soon as it is stored.
        """
        results = []
        for camera in enabled_cameras(session, code) if cameras is None else cameras:
            results.append(self.sample(session, camera, at))
            session.commit()
            if on_result is not None:
                on_result(results[-1])
        return results

    def sample(self, session: Session, camera: CameraSpec, at: datetime,
               pipeline: CameraPipeline | None = None, source: FrameSource | None = None, *,
               slot_at: datetime | None = None) -> SampleResult:
        """Sample ``camera`` now (``at``, aware) unless its slot already has an observation; write the rows.

        One frame, one detection pass, one observation row per desk in view (``SampleResult.desks``; the
        result's own fields are the first desk's). Each desk's presence combines this camera's view with the
        latest view of its other cameras (``combine_views``). A camera that cannot be opened or read gives
        ``offline`` observations, never an exception. ``pipeline`` and ``source`` may be kept by a
        long-running caller (frozen/moved checks need history; a kept file plays on like a live camera); a
        source passed in is not closed here. ``slot_at`` is the slot this sample is for (default: the slot
        holding ``at``); a scheduler that starts a sample late passes the slot it was scheduled in.
        """
        at = at.astimezone(timezone.utc)
        slot_at = slot_start(at, camera.cadence_seconds) if slot_at is None else slot_at
        existing = self._observation(session, camera.id, slot_at)
        if existing:
            return _stored(camera.code, existing)
        pipeline = pipeline or self.pipeline_for(camera)
        targets = desks_in_view(camera)
        if not targets:
            log.warning("camera %s films no desk (no staff or queue zone names one): nothing to store", camera.code)
        for key, desk_id in targets:
            self.restore_presence(session, pipeline.desk_tracker(key), desk_id, before=at)
        if source is not None:
            sample = pipeline.sample(source, at)
        else:
            source = self.open(camera)
            try:
                sample = pipeline.sample(source, at)
            finally:
                source.close()
        base = _camera_values(camera, slot_at, sample)
        rows: list[tuple[dict, tuple[Transition, ...]]] = []
        for key, desk_id in targets:
            rows.append(self._desk_values(session, camera, pipeline, sample, base, key, desk_id))
        all_transitions = tuple(t for _, found in rows for t in found)
        # Snapshots are rendered and written before the insert: on SQLite the insert takes the
        # database's write lock until the caller commits, and every other camera waits for it.
        latest, evidence = self._snapshots(session, camera, sample, base, all_transitions)
        results = []
        for values, transitions in rows:
            row = insert_once(session, {**values, "snapshot_path": evidence})
            if row is None:  # another sampler wrote this slot meanwhile: theirs stands
                if evidence is not None:
                    (self.data_dir / evidence).unlink(missing_ok=True)
                existing = self._observation(session, camera.id, slot_at)
                if not existing:
                    raise RuntimeError(f"camera {camera.code}: slot {slot_at} conflicted but holds no observation")
                return _stored(camera.code, existing)
            for transition in transitions:
                session.add(PresenceEvent(desk_id=values["desk_id"], camera_id=camera.id, at=transition.at,
                                          state=stored_presence(transition.current),
                                          previous_state=stored_presence(transition.previous)))
            results.append(SampleResult.of(camera.code, row, written=True, transitions=transitions, snapshot=latest))
        session.flush()
        if not results:
            return SampleResult(camera.code, slot_at, base["observed_at"], str(base["health"]), "unknown",
                                base["persons"], None, None, base["latency_ms"], base["error"], False, (), latest)
        return replace(results[0], desks=tuple(results))

    def _desk_values(self, session: Session, camera: CameraSpec, pipeline: CameraPipeline, sample: Sample,
                     base: dict, key: str | None, desk_id: int) -> tuple[dict, tuple[Transition, ...]]:
        """One desk's observation values and presence transitions from this sample and its other cameras."""
        ok = base["health"] == CameraHealth.OK
        seen = sample.desks.get(key) if ok else None
        own = CameraView(ok, seen.staff_count if seen else None, seen.queue_count if seen else None)
        desk = combine_views([own, *self._other_views(session, camera.id, desk_id, sample.at)])
        tracker = pipeline.desk_tracker(key)
        transitions = tuple(tracker.update(sample.at, desk.staff_count, healthy=desk.healthy))
        values = {**base, "desk_id": desk_id, "presence": stored_presence(tracker.state),
                  "staff_count": own.staff_count, "queue_count": own.queue_count,
                  "desk_health": CameraHealth.OK if desk.healthy else base["health"],
                  "desk_staff": desk.staff_count, "desk_queue": desk.queue_count}
        return values, transitions

    @staticmethod
    def _other_views(session: Session, camera_id: int, desk_id: int, at: datetime) -> list[CameraView]:
        """The latest view of the desk from each of its other cameras, if taken within that camera's cadence."""
        rows = session.execute(
            select(Observation.camera_id, Observation.observed_at, Observation.health, Observation.staff_count,
                   Observation.queue_count, Camera.cadence_seconds)
            .join(Camera, Camera.id == Observation.camera_id)
            .where(Observation.desk_id == desk_id, Observation.camera_id != camera_id,
                   Observation.observed_at <= at, Observation.observed_at > at - timedelta(hours=1))
            .order_by(Observation.observed_at.desc())).all()
        views: dict[int, CameraView] = {}
        for row in rows:
            if row.camera_id in views:
                continue
            fresh = (at - row.observed_at).total_seconds() <= row.cadence_seconds * 1.5
            views[row.camera_id] = CameraView(fresh and row.health == CameraHealth.OK, row.staff_count,
                                              row.queue_count)
        return list(views.values())

    def restore_presence(self, session: Session, tracker: PresenceTracker | CameraPipeline, desk_id: int, *,
                         before: datetime) -> None:
        """Resume the desk's k-of-n presence from its latest observations (any of its cameras): each row's vote
        is the desk's combined view when it was written (``desk_health``/``desk_staff``), else its own."""
        tracker = tracker.presence if isinstance(tracker, CameraPipeline) else tracker
        window = tracker.policy.window
        rows = session.execute(
            select(Observation.observed_at, Observation.staff_count, Observation.health, Observation.presence,
                   Observation.desk_health, Observation.desk_staff)
            .where(Observation.desk_id == desk_id, Observation.observed_at <= before)
            .order_by(Observation.observed_at.desc(), Observation.id.desc()).limit(window)
        ).all()
        rows.reverse()
        state = rows[-1].presence if rows else StoredPresence.UNKNOWN
        votes = []
        for r in rows:
            combined = r.desk_health is not None
            healthy = (r.desk_health if combined else r.health) == CameraHealth.OK
            votes.append((r.observed_at, r.desk_staff if combined else r.staff_count, healthy))
        tracker.restore(votes, seen_presence(state))

    def keeps_evidence(self, session: Session, camera: CameraSpec, values: Mapping,
                       transitions: tuple[Transition, ...]) -> bool:
        """Whether the observation ``values`` (about to be inserted) get an evidence snapshot: at a presence transition,
        when the camera's health differs from its previous observation, or when its last evidence snapshot is
        ``evidence_every_s`` old or older. Decided from the database, so a restart changes nothing.
        """
        every = self.settings.evidence_every_s
        if every is None:
            return False
        if every <= 0 or transitions:
            return True
        previous = session.scalars(
            select(Observation.health)
            .where(Observation.camera_id == camera.id, Observation.slot_at < values["slot_at"])
            .order_by(Observation.slot_at.desc()).limit(1)).first()
        if previous != values["health"]:  # also the camera's first observation
            return True
        since = values["observed_at"] - timedelta(seconds=every)
        recent = select(Observation.id).where(
            Observation.camera_id == camera.id, Observation.snapshot_path.is_not(None),
            Observation.observed_at > since,
            # observed_at lies within its slot: this bounds the scan of the (camera, slot) index to the window
            Observation.slot_at > since - timedelta(seconds=camera.cadence_seconds))
        return session.scalars(recent.limit(1)).first() is None

    def _snapshots(self, session: Session, camera: CameraSpec, sample: Sample, values: Mapping,
                   transitions: tuple[Transition, ...]) -> tuple[Path | None, str | None]:
        """Render the blurred, annotated snapshot once; write it as the latest and, when kept, as evidence.

        Returns the latest snapshot's path and the evidence path relative to the data dir (or ``None``s).
        A failed write (full disk) is logged and skipped: the observation stands, without that snapshot.
        """
        if sample.frame is None:
            return None, None
        try:
            image = render_snapshot(sample.frame.image, sample.detections, camera.zones, self.settings.blur)
        except (OSError, ValueError) as error:
            log.warning("camera %s: snapshot not rendered: %s", camera.code, error)
            return None, None
        try:
            latest = write_jpeg_atomically(image, latest_snapshot_path(self.data_dir, camera.code))
        except (OSError, ValueError) as error:
            log.warning("camera %s: latest snapshot not written: %s", camera.code, error)
            latest = None
        if not self.keeps_evidence(session, camera, values, transitions):
            return latest, None
        try:
            relative = evidence_snapshot_path(camera.code, values["observed_at"])
            write_jpeg_atomically(image, self.data_dir / relative)
        except (OSError, ValueError) as error:
            log.warning("camera %s: evidence snapshot not written: %s", camera.code, error)
            return latest, None
        return latest, relative.as_posix()

    @staticmethod
    def _observation(session: Session, camera_id: int, slot_at: datetime) -> list[Observation]:
        """The rows already stored for this camera and slot (one per desk in view; empty: not sampled)."""
        return list(session.scalars(select(Observation).filter_by(camera_id=camera_id, slot_at=slot_at)
                                    .order_by(Observation.id)))


def desks_in_view(camera: CameraSpec) -> list[tuple[str | None, int]]:
    """The desks one sample of ``camera`` writes a row for, as (zone desk key, desk id): every desk its zones
    name, and a desk camera's own desk even without zones (its health is recorded, its presence unknown)."""
    targets: list[tuple[str | None, int]] = []
    for key in camera.zones.desks():
        desk_id = camera.desks.get(key) if key is not None else camera.desk_id
        if desk_id is not None and desk_id not in (d for _, d in targets):
            targets.append((key, desk_id))
    if camera.desk_id is not None and camera.desk_id not in (d for _, d in targets):
        own = next((k for k, d in camera.desks.items() if d == camera.desk_id), None)
        targets.insert(0, (own, camera.desk_id))
    return targets


def _camera_values(camera: CameraSpec, slot_at: datetime, sample: Sample) -> dict:
    """The observation values every desk row of this sample shares (the camera's own)."""
    ok = stored_health(sample.health) == CameraHealth.OK
    return dict(
        camera_id=camera.id, slot_at=slot_at, observed_at=sample.at, health=stored_health(sample.health),
        persons=sample.persons if ok else None, latency_ms=round(sample.latency_ms),
        model_id=sample.model_id, error=None if ok else (sample.health_reason or sample.health.value),
    )


def _stored(code: str, rows: list[Observation]) -> SampleResult:
    """What an already-sampled slot holds, as a result that wrote nothing."""
    results = tuple(SampleResult.of(code, row, written=False) for row in rows)
    return replace(results[0], desks=results)


def insert_once(session: Session, values: dict) -> Observation | None:
    """Insert an observation unless its (camera, slot) exists; ``None`` when it did (also under a race).

    ``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL keeps the caller's transaction intact
    (a savepoint on pysqlite would commit early); other databases fall back to a savepoint.
    """
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        statement = (insert(Observation).values(**values)
                     .on_conflict_do_nothing(index_elements=["camera_id", "desk_id", "slot_at"])
                     .returning(Observation.id))
        new_id = session.execute(statement).scalar_one_or_none()
        return None if new_id is None else session.get(Observation, new_id)
    row = Observation(**values)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row
