"""The continuous sampler: one APScheduler 3.x job per enabled camera, reconciled from the database.

Each camera samples on its own ``cadence_seconds`` in a bounded thread pool, so one slow camera
never delays the others; a reconcile job (its own one-thread pool) adds, removes and reschedules
camera jobs as cameras are enabled, disabled or edited — no restart. Jobs live in the default
in-memory job store of this process only (never shared between processes).

The detector is created once by the caller and shared by every camera job: it serialises
inference with its own lock, which at the default cadence (one frame per camera every 30–60 s,
tens of milliseconds per frame) costs nothing worth a model copy per thread.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from audit.services.calendars import NoHoursProfile, calendar_for
from models.enums import CameraHealth, PresenceState
from models.org import Desk
from schedules import housekeeping
from schedules.alerting.channels import Channel, EmailChannel, MqttChannel
from schedules.alerting.notify import deliver_notifications
from schedules.alerting.outbox import deliver_due
from schedules.alerting.store import AlertBook
from schedules.cameras import CameraSpec, UnavailableSource
from schedules.sampling import (
    Sampler,
    SampleResult,
    SamplingSettings,
    desks_in_view,
    enabled_cameras,
    insert_once,
    slot_start,
)
from schedules.vision_settings import sampling_settings, stored_vision
from vision.detector import PersonDetector
from vision.frames import FrameSource
from vision.pipeline import CameraPipeline

log = logging.getLogger("deskaudit.schedules.service")

RECONCILE_JOB_ID = "reconcile"
ALERTS_JOB_ID = "alerts"
RETENTION_JOB_ID = "retention"
NIGHTLY_AUDIT_JOB_ID = "nightly-audit"
MAX_WORKERS = 8
OFFSET_SPREAD = 0.8  # share of the cadence over which camera offsets are spread
CATCH_UP_SUFFIX = ":catch-up"  # a camera's one-off first sample when its slot time had passed at start
CATCH_UP_MIN_WAIT_S = 2.0  # … taken only if the next regular sample is further away than this
CATCH_UP_SPREAD_S = 10.0  # catch-ups are spread over at most this many seconds


def camera_job_id(code: str) -> str:
    """The deterministic APScheduler job id of a camera."""
    return f"camera:{code}"


def slot_offset(code: str, cadence_seconds: int) -> float:
    """Seconds into each slot at which ``code`` is sampled: spreads cameras over the slot like jitter, but stable.

    APScheduler 3.x interval jitter accumulates (each run is the previous *jittered* run plus the
    interval), so a jittered job drifts and skips a slot now and then; a fixed per-camera offset
    spreads the load the same way and keeps exactly one sample per slot. Offsets cover most of the
    slot, so many cameras never start together (500 cameras starting within 5 s queued up for 9 s
    behind the detector; see docs/PERFORMANCE.md). A late start still counts for the slot it was
    scheduled in (``intended_slot``).
    """
    return (zlib.crc32(code.encode()) % 1000) / 1000 * cadence_seconds * OFFSET_SPREAD


def intended_slot(code: str, cadence_seconds: int, started_at: datetime) -> datetime:
    """The slot a camera job that started at ``started_at`` was scheduled for (late by less than a cadence)."""
    return slot_start(started_at - timedelta(seconds=slot_offset(code, cadence_seconds)), cadence_seconds)


def catch_up_delay(code: str, wait_s: float) -> float:
    """Seconds from now to a camera's catch-up sample: spread like the offsets, well before its next regular run."""
    return (zlib.crc32(code.encode()) % 1000) / 1000 * min(CATCH_UP_SPREAD_S, wait_s / 2)


def _source_key(spec: CameraSpec) -> tuple:
    """What, when changed, needs a fresh pipeline and source (cadence alone only reschedules)."""
    return (spec.url, spec.username, spec.password, spec.reference_frame_path, spec.desk_id, spec.zones.zones,
            spec.keep_open, spec.rtsp_transport, spec.verify_tls)


@dataclass
class CameraRun:
    """What a camera keeps between samples: its pipeline (frozen/moved history) and open source."""

    spec: CameraSpec
    pipeline: CameraPipeline
    source: FrameSource | None = None
    started_at: datetime | None = None  # of the sample in progress or last run: the error listener's slot
    retired: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None


class SamplerService:
    """Samples every enabled camera on its cadence until stopped.

    Args:
        session_factory: Sessions on the deskaudit database (each job uses its own).
        detector: Shared by all camera jobs (see the module docstring).
        data_dir: Where snapshots live and relative paths are relative to.
        respect_hours: Sample a desk only while its working calendar says it is staffed.
        reconcile_every_s: How often cameras are re-read from the database.
        workers: Camera jobs running at once; default ``min(8, cameras)`` at start.
        clock: The current aware time (a fixed clock in tests).
        settings: Passed to the ``Sampler``.
        channels: Alert delivery channels besides in-app (webhook, email, MQTT); each gets its own thread.
        alert_every_s: How often the alert rules are evaluated.
        deliver_every_s: How often each channel's due deliveries are sent.
        retention_days: Evidence frames older than this are deleted (nightly) unless a finding holds them.
        audit_runner: Replaces the nightly audit of the day before (``None``: the audit rules,
            audit/services/audit_run.py).
        vision_from_db: Apply the site's stored [vision] settings over ``settings`` at start and at every
            reconcile (a changed table rebuilds every camera's pipeline; a changed [vision.detector] also
            rebuilds the detector through ``detector_factory``).
        detector_factory: Builds a detector from the [vision] table (``None``: the detector is kept).
    """

    def __init__(self, session_factory: sessionmaker[Session], detector: PersonDetector, data_dir: Path, *,
                 respect_hours: bool = True, reconcile_every_s: float = 30, workers: int | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 settings: SamplingSettings | None = None, channels: list[Channel] | tuple[Channel, ...] = (),
                 alert_every_s: float = 20, deliver_every_s: float = 5, retention_days: int = 30,
                 audit_runner: housekeeping.AuditRunner | None = None, vision_from_db: bool = True,
                 detector_factory: Callable[[dict | None], PersonDetector] | None = None) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be ≥ 1, got {workers}")
        if retention_days < 1:
            raise ValueError(f"retention must be ≥ 1 day, got {retention_days}")
        self.session_factory = session_factory
        self.sampler = Sampler(detector, data_dir=Path(data_dir), settings=settings)
        self._base_settings = self.sampler.settings
        self.vision_from_db = vision_from_db
        self.detector_factory = detector_factory
        self._vision: dict | None = None
        self.respect_hours = respect_hours
        self.reconcile_every_s = reconcile_every_s
        self.workers = workers
        self.clock = clock
        self.scheduler: BackgroundScheduler | None = None
        self._runs: dict[str, CameraRun] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.channels = tuple(channels)
        self.alert_every_s = alert_every_s
        self.deliver_every_s = deliver_every_s
        self.retention_days = retention_days
        self.audit_runner = audit_runner
        self.alerts = AlertBook([c.name for c in self.channels])
        self._published: dict[tuple[str, str], dict] = {}

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> int:
        """Read the cameras, schedule their jobs and the reconcile job; returns how many cameras."""
        with self.session_factory() as session:
            cameras = enabled_cameras(session)
            if self.vision_from_db:
                self._vision = stored_vision(session)
                self.sampler.settings = sampling_settings(self._vision, self._base_settings)
        workers = self.workers or min(MAX_WORKERS, max(1, len(cameras)))
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(workers), "reconcile": ThreadPoolExecutor(1),
                       "alerts": ThreadPoolExecutor(1), "housekeeping": ThreadPoolExecutor(1),
                       **{f"deliver:{c.name}": ThreadPoolExecutor(1) for c in self.channels}},
            job_defaults={"coalesce": True, "max_instances": 1}, timezone=timezone.utc)
        self.scheduler.add_listener(self._on_job_error, EVENT_JOB_ERROR)
        self._apply(cameras)
        self.scheduler.add_job(self.reconcile, IntervalTrigger(seconds=self.reconcile_every_s, timezone=timezone.utc),
                               id=RECONCILE_JOB_ID, executor="reconcile",
                               misfire_grace_time=max(1, int(self.reconcile_every_s)))
        self._add_housekeeping_jobs()
        for channel in self.channels:
            if isinstance(channel, MqttChannel):
                channel.start()  # connect now, so the first desk states are not lost
        self.scheduler.start()
        log.info("sampler started: %d camera(s), %d worker(s)", len(cameras), workers)
        return len(cameras)

    def stop(self) -> None:
        """Stop scheduling, wait for running samples to finish, close kept sources."""
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        with self._lock:
            for run in self._runs.values():
                run.close()
            self._runs.clear()
        for channel in self.channels:
            channel.close()
        log.info("sampler stopped")

    def run_forever(self) -> None:
        """``start()``, then run until SIGTERM or SIGINT, then ``stop()`` (call from the main thread)."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            self._stop.wait()
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum, _frame) -> None:
        log.info("signal %s: stopping", signal.Signals(signum).name)
        self._stop.set()

    # --- reconcile ---------------------------------------------------------------------------------

    def job_ids(self) -> list[str]:
        """The recurring job ids, sorted (``camera:<code>``, ``reconcile``, …; pending catch-ups left out)."""
        return sorted(job.id for job in self.scheduler.get_jobs()
                      if not job.id.endswith(CATCH_UP_SUFFIX)) if self.scheduler else []

    def reconcile(self) -> None:
        """Bring camera jobs in line with the database: add new, remove gone, reschedule changed cadence, and
        apply a changed [vision] table."""
        with self.session_factory() as session:
            cameras = enabled_cameras(session)
            vision = stored_vision(session) if self.vision_from_db else None
        if self.vision_from_db and vision != self._vision:
            self._apply_vision(vision)
        self._apply(cameras)

    def _apply_vision(self, vision: dict | None) -> None:
        """New [vision] settings: new thresholds and presence rule (and detector) for every camera's pipeline."""
        try:
            settings = sampling_settings(vision, self._base_settings)
        except (TypeError, ValueError) as error:
            log.error("[vision] settings not applied, the previous ones stay: %s", error)
            return
        old = self._vision
        detector_changed = (old or {}).get("detector") != (vision or {}).get("detector")
        if detector_changed and self.detector_factory is not None:
            try:
                self.sampler.detector = self.detector_factory(vision)
                log.info("[vision.detector] changed: detector rebuilt")
            except Exception as error:  # noqa: BLE001 - a bad weights file or backend must not stop the sampler
                log.error("[vision.detector] changed but the detector could not be rebuilt, the old one stays: %s",
                          error)
        self.sampler.settings = settings
        self._vision = vision
        with self._lock:
            for code, run in list(self._runs.items()):
                self._retire(run)
                self._runs[code] = CameraRun(run.spec, self.sampler.pipeline_for(run.spec))
        log.info("[vision] settings changed: pipelines rebuilt (frozen and moved checks start afresh)")

    def _apply(self, cameras: list[CameraSpec]) -> None:
        wanted = {camera.code: camera for camera in cameras}
        with self._lock:
            for code in sorted(self._runs.keys() - wanted.keys()):
                self._remove(code)
            for code, spec in wanted.items():
                run = self._runs.get(code)
                if run is None:
                    self._runs[code] = CameraRun(spec, self.sampler.pipeline_for(spec))
                    self._schedule(spec, add=True)
                    log.info("camera %s: scheduled every %d s", code, spec.cadence_seconds)
                    continue
                if _source_key(run.spec) != _source_key(spec):
                    self._retire(run)
                    self._runs[code] = CameraRun(spec, self.sampler.pipeline_for(spec))
                    log.info("camera %s: source or zones changed, pipeline restarted", code)
                else:
                    run.spec = spec
                if self._job_cadence(code) != spec.cadence_seconds:
                    self._schedule(spec, add=False)
                    log.info("camera %s: rescheduled every %d s", code, spec.cadence_seconds)

    def _job_cadence(self, code: str) -> int | None:
        job = self.scheduler.get_job(camera_job_id(code))
        return None if job is None else int(job.trigger.interval_length)

    def _schedule(self, spec: CameraSpec, *, add: bool) -> None:
        start = slot_start(self.clock(), spec.cadence_seconds) + timedelta(
            seconds=slot_offset(spec.code, spec.cadence_seconds))
        trigger = IntervalTrigger(seconds=spec.cadence_seconds, start_date=start, timezone=timezone.utc)
        if add:
            self.scheduler.add_job(self._sample_camera, trigger, args=[spec.code], id=camera_job_id(spec.code),
                                   name=f"sample {spec.code}", misfire_grace_time=spec.cadence_seconds,
                                   replace_existing=True)
            if start <= self.clock():
                self._catch_up(spec, trigger)
        else:
            self.scheduler.modify_job(camera_job_id(spec.code), misfire_grace_time=spec.cadence_seconds)
            self.scheduler.reschedule_job(camera_job_id(spec.code), trigger=trigger)

    def _catch_up(self, spec: CameraSpec, trigger: IntervalTrigger) -> None:
        """Sample a newly scheduled camera soon when this slot's time has already passed.

        Otherwise a camera added (or a sampler started) just after its offset shows nothing for up to a
        whole cadence (5 minutes on a slow camera). The catch-up counts for the slot it runs in, like any
        sample, so a slot is never sampled twice; it is skipped when the next regular run is near anyway.
        """
        now = datetime.now(timezone.utc)  # the scheduler's own time (tests may fix ``self.clock``)
        wait_s = (trigger.get_next_fire_time(None, now) - now).total_seconds()
        if wait_s <= CATCH_UP_MIN_WAIT_S:
            return
        self.scheduler.add_job(self._sample_camera, "date", args=[spec.code],
                               run_date=now + timedelta(seconds=catch_up_delay(spec.code, wait_s)),
                               id=camera_job_id(spec.code) + CATCH_UP_SUFFIX, name=f"catch up {spec.code}",
                               misfire_grace_time=max(1, int(wait_s)), replace_existing=True)

    def _remove(self, code: str) -> None:
        for job_id in (camera_job_id(code), camera_job_id(code) + CATCH_UP_SUFFIX):
            with contextlib.suppress(JobLookupError):  # never scheduled, or a catch-up that has already run
                self.scheduler.remove_job(job_id)
        self._retire(self._runs.pop(code))
        log.info("camera %s: disabled or removed, job dropped", code)

    @staticmethod
    def _retire(run: CameraRun) -> None:
        """Close ``run``'s source now, or when its sample in progress ends."""
        run.retired = True
        if run.lock.acquire(blocking=False):
            try:
                run.close()
            finally:
                run.lock.release()

    # --- alerts and housekeeping --------------------------------------------------------------------

    def _add_housekeeping_jobs(self) -> None:
        every = max(1, int(self.alert_every_s))
        self.scheduler.add_job(self.evaluate_alerts, IntervalTrigger(seconds=self.alert_every_s, timezone=timezone.utc),
                               id=ALERTS_JOB_ID, executor="alerts", misfire_grace_time=every)
        for channel in self.channels:
            self.scheduler.add_job(self.deliver, IntervalTrigger(seconds=self.deliver_every_s, timezone=timezone.utc),
                                   args=[channel], id=f"deliver:{channel.name}", executor=f"deliver:{channel.name}",
                                   misfire_grace_time=max(1, int(self.deliver_every_s)))
        zone = housekeeping.SITE_ZONE
        self.scheduler.add_job(self.run_retention, CronTrigger(hour=2, minute=15, timezone=zone), id=RETENTION_JOB_ID,
                               executor="housekeeping", misfire_grace_time=6 * 3600)
        self.scheduler.add_job(self.run_nightly_audit, CronTrigger(hour=0, minute=30, timezone=zone),
                               id=NIGHTLY_AUDIT_JOB_ID, executor="housekeeping", misfire_grace_time=6 * 3600)

    def evaluate_alerts(self):
        """Apply the alert rules now; publish changed desk states (retained) on MQTT."""
        with self.session_factory.begin() as session:
            evaluation = self.alerts.evaluate(session, self.clock())
        for channel in self.channels:
            if isinstance(channel, MqttChannel):
                for (unit_code, desk_code), state in evaluation.desk_states.items():
                    if self._published.get((unit_code, desk_code)) != state and channel.publish_state(
                            unit_code, desk_code, state):
                        self._published[(unit_code, desk_code)] = state
        return evaluation

    def deliver(self, channel: Channel) -> tuple[int, int]:
        """Send ``channel``'s due alert deliveries (its own thread: a dead receiver delays nothing else); the e-mail
        channel then sends the officials' notices too."""
        sent, failed = deliver_due(self.session_factory, channel, clock=self.clock)
        if isinstance(channel, EmailChannel) and not failed:
            deliver_notifications(self.session_factory, channel, clock=self.clock)
        return sent, failed

    def run_retention(self):
        return housekeeping.retention(self.session_factory, self.sampler.data_dir, self.clock(), self.retention_days)

    def run_nightly_audit(self):
        return housekeeping.nightly_audit(self.session_factory, self.clock(), self.audit_runner)

    # --- jobs --------------------------------------------------------------------------------------

    def _sample_camera(self, code: str) -> SampleResult | None:
        with self._lock:
            run = self._runs.get(code)
        if run is None:
            return None
        with run.lock:
            if run.retired:
                return None
            at = self.clock().astimezone(timezone.utc)
            run.started_at = at
            try:
                with self.session_factory.begin() as session:
                    if self.respect_hours and not self._scheduled(session, run.spec, at):
                        log.debug("camera %s: desk not scheduled at %s, skipped", code, at)
                        return None
                    source = run.source or self.sampler.open(run.spec, live_files=True)
                    if not isinstance(source, UnavailableSource):  # an unavailable one is retried next time
                        run.source = source
                    result = self.sampler.sample(session, run.spec, at, run.pipeline, source,
                                                 slot_at=intended_slot(code, run.spec.cadence_seconds, at))
            finally:
                if run.retired:
                    run.close()
        log.info("camera %s: %s persons=%s staff=%s queue=%s presence=%s%s%s", code, result.health,
                 result.persons, result.staff_count, result.queue_count, result.presence,
                 f" ({result.error})" if result.error else "", "" if result.written else " [slot already sampled]")
        return result

    def _scheduled(self, session: Session, camera: CameraSpec, at: datetime) -> bool:
        """Whether any desk the camera films is in its working hours at ``at``."""
        for _, desk_id in desks_in_view(camera):
            desk = session.get(Desk, desk_id)
            try:
                calendar = calendar_for(session, desk.unit, desk)
            except NoHoursProfile as error:
                log.warning("camera %s: desk %s: %s; not sampled for it", camera.code, desk.code, error)
                continue
            if calendar.is_scheduled(at, saturday_desk=desk.saturday_reception):
                return True
        return False

    def _on_job_error(self, event: JobExecutionEvent) -> None:
        """A camera job raised: log it and store an ``error`` observation for its slot (once per slot)."""
        code = event.job_id.removeprefix("camera:").removesuffix(CATCH_UP_SUFFIX)
        log.error("job %s failed: %r", event.job_id, event.exception, exc_info=event.exception)
        if not event.job_id.startswith("camera:"):
            return
        with self._lock:
            run = self._runs.get(code)
        if run is None:
            return
        spec = run.spec
        at = run.started_at or event.scheduled_run_time.astimezone(timezone.utc)
        message = f"{type(event.exception).__name__}: {event.exception}"
        try:
            with self.session_factory.begin() as session:
                for _, desk_id in desks_in_view(spec):  # a room camera: a row for every desk it films
                    insert_once(session, dict(
                        camera_id=spec.id, desk_id=desk_id, slot_at=intended_slot(code, spec.cadence_seconds, at),
                        observed_at=at, health=CameraHealth.ERROR, presence=PresenceState.UNKNOWN,
                        error=message[:2000]))
        except Exception:
            log.exception("camera %s: could not record the failed sample", code)
