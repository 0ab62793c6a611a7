"""Data for the web load benchmark: a year of a sampler-shaped site written straight into a migrated database.

Units, desks, cameras, zones and officials go in through SQLAlchemy core inserts; observations and
presence events are simulated with numpy one working day at a time (all desks at once) and written
in time order, as the sampler writes them, through sqlite3 ``executemany`` or PostgreSQL ``COPY``.
Alerts follow from the simulated spells (unattended ≥ 15 min, camera down ≥ 10 min); findings come
from ``audit.services.audit_run.run_audit`` for the last two weeks and are written directly, a few per desk and
month, before that; scores are ``audit.services.scores.compute_month`` for the month of the last day. The
audit gets a temporary index on ``observations (desk_id, observed_at)``, dropped afterwards, so the
schema stays exactly as migrated (without it the audit reads each desk's whole year per day).

Every working day is simulated from its own seed, so a day generated again (``top_up``) is the same day.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from audit.services.audit_run import run_audit
from audit.services.calendars import calendar_for
from audit.services.checklists import item_for_finding
from audit.services.scores import compute_month
from models import migrate
from models.access import User, user_units
from models.alerts import Alert
from models.db import make_engine, session_factory, session_scope
from models.enums import AlertStatus, DecisionAction, FindingKind, FindingStatus, Role, UnitLevel, ZoneKind
from models.findings import Decision, Finding
from models.hours import HoursProfile, HoursSession
from models.observing import Observation, PresenceEvent
from models.org import Camera, Desk, Staff, Unit, Zone
from models.scoring import DossierStat
from schedules.service import slot_offset
from web_days import (
    EVENT_COLUMNS,
    OBSERVATION_COLUMNS,
    STATE_TEXT,
    US,
    AlertMaker,
    Site,
    event_rows,
    observation_rows,
    simulate_day,
)

FIELDS = ("Tư pháp – Hộ tịch", "Đất đai", "Chứng thực", "Lao động – Thương binh và Xã hội", "Kinh doanh")
STAFF_ZONE = [[0.70, 0.30], [1.00, 0.30], [1.00, 0.75], [0.70, 0.75]]
QUEUE_ZONE = [[0.35, 0.30], [0.70, 0.30], [0.70, 0.70], [0.35, 0.70]]
AUDIT_DAYS = 14  # run_audit over the calendar days before today; older findings are written directly
ADMIN, VIEWER = "bench-admin", "bench-xem"
PROVINCE = "TINH-THU-TAI"
Echo = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    units: int = 10
    desks_per_unit: int = 20
    days: int = 365  # calendar days up to today; the working days among them are simulated
    cadence: int = 60
    seed: int = 2026


@dataclass
class Report:
    """What a build wrote and how long each part took (seconds)."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    first_day: date | None = None
    last_day: date | None = None
    score_month: str | None = None


# --- rows straight into the database --------------------------------------------------------------


class RowWriter:
    """Bulk rows on the driver connection: sqlite3 ``executemany`` or PostgreSQL ``COPY``; times as UTC text."""

    def __init__(self, engine):
        self.fairy = engine.raw_connection()
        self.raw = self.fairy.driver_connection
        self.sqlite = engine.dialect.name == "sqlite"
        if self.sqlite:  # a bulk load: durability per transaction is not needed, a big page cache is
            self.raw.execute("PRAGMA synchronous=OFF")
            self.raw.execute("PRAGMA cache_size=-1048576")

    def stamps(self, us: np.ndarray) -> np.ndarray:
        """Microseconds since the epoch as the text the ORM stores (SQLite) or a timestamptz literal."""
        text = np.datetime_as_string(np.asarray(us, dtype="datetime64[us]"), unit="us")
        text.view(np.uint32).reshape(text.size, -1)[:, 10] = ord(" ")
        return text.astype(object) if self.sqlite else np.char.add(text, "+00").astype(object)

    def write(self, table: str, columns: tuple[str, ...], rows) -> None:
        """Insert ``rows`` (numbers, timestamps from ``stamps``, enum values: no text that needs COPY escapes)."""
        cursor = self.raw.cursor()
        names = ", ".join(columns)
        if self.sqlite:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
        elif rows:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                copy.write("".join("\t".join("\\N" if v is None else str(v) for v in row) + "\n" for row in rows))
        cursor.close()

    def commit(self) -> None:
        self.raw.commit()

    def close(self) -> None:
        """Roll back what was not committed and hand the connection back to the pool as it was."""
        self.raw.rollback()
        if self.sqlite:
            self.raw.execute("PRAGMA synchronous=NORMAL")
        self.fairy.close()


# --- the organisation -----------------------------------------------------------------------------

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Thanh", "Quốc", "Ngọc")
GIVEN = ("An", "Bình", "Cường", "Dung", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam", "Phương", "Quang",
         "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy")


def unit_code(number: int) -> str:
    return f"XA-{number:02d}"


def _insert(session: Session, model, rows: list[dict]) -> list[int]:
    """Core insert of ``rows``; the new ids in the order of the rows."""
    return list(session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows).scalars())


def build_organisation(session: Session, plan: Plan, now: datetime, first_day: date) -> None:
    """A province, ``plan.units`` communes of ``plan.desks_per_unit`` desks, each with a camera, zones, an official."""
    profile, = _insert(session, HoursProfile, [dict(
        code="hanh-chinh-thu-tai", name="Giờ làm việc hành chính (thử tải)", timezone="Asia/Ho_Chi_Minh",
        decision_ref="QĐ 1234/QĐ-UBND (thử tải)", effective_from=first_day - timedelta(days=30))])
    session.execute(insert(HoursSession), [
        dict(profile_id=profile, season="ca-nam", season_from="01-01", season_to="12-31", weekday=weekday,
             start_time=start, end_time=end, flagged_desks_only=False)
        for weekday in range(5) for start, end in ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))])
    province, = _insert(session, Unit, [dict(code=PROVINCE, name="Tỉnh thử tải", level=UnitLevel.PROVINCE,
                                             hours_profile_id=profile)])
    units = _insert(session, Unit, [dict(
        code=unit_code(u), name=f"Trung tâm Phục vụ hành chính công xã Thử Tải {u:02d}", level=UnitLevel.COMMUNE,
        parent_id=province, address=f"Xã Thử Tải {u:02d}") for u in range(1, plan.units + 1)])
    desks = [dict(code=f"X{u:02d}-Q{d:02d}", unit_id=unit_id, name=f"Quầy số {d}", field=FIELDS[(d - 1) % len(FIELDS)],
                  saturday_reception=False)
             for u, unit_id in enumerate(units, start=1) for d in range(1, plan.desks_per_unit + 1)]
    desk_ids = _insert(session, Desk, desks)
    purpose = ("Giám sát hoạt động tiếp nhận hồ sơ tại Bộ phận Một cửa (Nghị định 118/2025/NĐ-CP) và theo dõi, đánh "
               "giá việc chấp hành kỷ luật, kỷ cương của cán bộ tại quầy (Nghị định 335/2025/NĐ-CP)")
    camera_ids = _insert(session, Camera, [dict(
        code=f"{d['code']}-CAM", desk_id=desk_id, name=f"Camera {d['name'].lower()}", purpose=purpose,
        source_url=f"rtsp://10.{i // 200}.{i % 200}.10:554/stream1", cadence_seconds=plan.cadence)
        for i, (d, desk_id) in enumerate(zip(desks, desk_ids))])
    zones = (("ban-tiep-nhan", ZoneKind.STAFF, STAFF_ZONE), ("hang-cho", ZoneKind.QUEUE, QUEUE_ZONE))
    session.execute(insert(Zone), [dict(camera_id=c, name=name, kind=kind, polygon=polygon, changed_by="bench",
                                        changed_at=now) for c in camera_ids for name, kind, polygon in zones])
    session.execute(insert(Staff), [dict(
        code=f"CB-{d['code']}", unit_id=d["unit_id"], title="Công chức một cửa", default_desk_id=desk_id,
        full_name=f"{SURNAMES[i % 10]} {MIDDLE[i % 7]} {GIVEN[(i // 7) % 20]}")
        for i, (d, desk_id) in enumerate(zip(desks, desk_ids))])


def load_site(session: Session) -> Site:
    rows = session.execute(
        select(Desk.id, Desk.code, Desk.name, Desk.unit_id, Camera.id, Camera.code, Camera.cadence_seconds)
        .join(Camera, Camera.desk_id == Desk.id).order_by(Desk.id)).all()
    cadence = rows[0][6]
    return Site(np.array([r[0] for r in rows]), np.array([r[4] for r in rows]), np.array([r[3] for r in rows]),
                [r[1] for r in rows], [r[2] for r in rows], [r[5] for r in rows],
                np.array([int(slot_offset(r[5], cadence) * US) for r in rows], dtype=np.int64), cadence)


def ensure_users(session: Session, viewer_unit_id: int) -> int:
    """The admin and a viewer of one commune (created once); returns the admin's id."""
    admin = session.scalar(select(User).where(User.username == ADMIN))
    if admin is None:
        admin = User(username=ADMIN, full_name="Quản trị thử tải", role=Role.ADMIN, password_hash="!")
        viewer = User(username=VIEWER, full_name="Người xem thử tải", role=Role.VIEWER, password_hash="!")
        session.add_all([admin, viewer])
        session.flush()
        session.execute(insert(user_units), [dict(user_id=viewer.id, unit_id=viewer_unit_id)])
    return admin.id


# --- building it all ------------------------------------------------------------------------------

@contextmanager
def phase(report: Report, name: str):
    """Time a part of the build into ``report.seconds[name]``."""
    started = clock.perf_counter()
    yield
    report.seconds[name] = clock.perf_counter() - started


def build(url: str, plan: Plan, now: datetime, echo: Echo) -> Report:
    """Migrate ``url`` and fill it: the site, a year of samples up to ``now``, alerts, findings, scores."""
    report, started = Report(), clock.perf_counter()
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    try:
        with phase(report, "organisation"), session_scope(factory) as session:
            build_organisation(session, plan, now, now.date() - timedelta(days=plan.days))
            site = load_site(session)
            viewer_unit = session.scalar(select(Unit.id).where(Unit.code == unit_code(1)))
            admin_id = ensure_users(session, viewer_unit)
            calendar = calendar_for(session, session.get(Unit, viewer_unit))
        today = now.astimezone(calendar.zone).date()
        days = [(d, [(i.start, i.end) for i in calendar.intervals(d)])
                for d in (today - timedelta(days=k) for k in range(plan.days - 1, -1, -1))]
        days = [(d, s) for d, s in days if s and s[0][0] <= now]
        report.first_day, report.last_day = days[0][0], days[-1][0]
        echo(f"  {len(site.desk_ids)} desks in {plan.units} communes; {len(days)} working days "
             f"{report.first_day:%d/%m/%Y}–{report.last_day:%d/%m/%Y} at a {plan.cadence} s cadence")
        with phase(report, "observations"):
            alerts = write_samples(engine, site, days, plan.seed, now, admin_id, report, echo)
        with phase(report, "alerts"), session_scope(factory) as session:
            for lo in range(0, len(alerts), 5000):
                session.execute(insert(Alert), alerts[lo:lo + 5000])
            report.counts.update(alerts=len(alerts),
                                 alerts_open=sum(a["status"] != AlertStatus.RESOLVED for a in alerts))
        with phase(report, "findings"), session_scope(factory) as session:
            audited = [d for d, _ in days if today - timedelta(days=AUDIT_DAYS) <= d < today]
            echo(f"  audit of the last {len(audited)} working days (audit.services.audit_run.run_audit) …")
            run_audit(session, audited, now=now)  # reads by (desk_id, observed_at): ix_observations_desk_observed
            report.counts["findings_decided_recently"] = confirm_some(session, audited, admin_id, now, plan.seed)
            older = [d for d, _ in days if d < (audited[0] if audited else today)]
            report.counts["findings_written_directly"] = direct_findings(session, site, older, calendar, admin_id,
                                                                         plan.seed)
            report.counts["findings"] = session.scalar(select(func.count()).select_from(Finding))
        report.score_month = f"{report.last_day:%Y-%m}"
        with phase(report, "scores"), session_scope(factory) as session:
            dossier_stats(session, report.score_month, now, plan.seed)
            report.counts["scores"] = len(compute_month(session, report.score_month, now=now).officials)
        with phase(report, "checkpoint/analyze"):
            settle(engine)
    finally:
        engine.dispose()
    report.seconds["total"] = clock.perf_counter() - started
    return report


def write_samples(engine, site: Site, days, seed: int, now: datetime, admin_id: int, report: Report,
                  echo: Echo) -> list[dict]:
    """Observations and presence events day by day (one transaction each); returns the alerts they imply."""
    cutoff_us, started = int(now.timestamp() * US), clock.perf_counter()
    writer, alerts = RowWriter(engine), AlertMaker(site, admin_id, seed)
    carry = np.full(len(site.desk_ids), -1, dtype=np.int8)
    observations = events = 0
    try:
        for number, (day, sessions) in enumerate(days, start=1):
            final = number == len(days)
            simulated = simulate_day(site, day, sessions, seed, cutoff_us=cutoff_us, final=final)
            rows = observation_rows(writer, site, simulated)
            writer.write("observations", OBSERVATION_COLUMNS, rows)
            changes = event_rows(writer, site, simulated, carry)
            writer.write("presence_events", EVENT_COLUMNS, changes)
            writer.commit()
            observations, events = observations + len(rows), events + len(changes)
            alerts.day(simulated, day.toordinal(), cutoff_us, final)
            if number % 25 == 0 or final:
                spent = clock.perf_counter() - started
                echo(f"  day {number}/{len(days)}: {observations:,} observations, {spent:.0f} s "
                     f"({observations / max(spent, 1e-9):,.0f} rows/s)")
    finally:
        writer.close()
    alerts.finish(cutoff_us)
    report.counts.update(observations=observations, presence_events=events)
    return alerts.rows


def settle(engine) -> None:
    """SQLite: fold the WAL into the file. PostgreSQL: VACUUM ANALYZE, as autovacuum would have by now."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


# --- findings and scores --------------------------------------------------------------------------

KIND_SHARE = ((FindingKind.LATE_ARRIVAL, 0.35), (FindingKind.UNATTENDED, 0.25), (FindingKind.EARLY_LEAVE, 0.2),
              (FindingKind.ABSENT_SESSION, 0.05), (FindingKind.CAMERA_GAP, 0.15))
STATUS_SHARE = ((FindingStatus.CONFIRMED, 0.45), (FindingStatus.DISMISSED, 0.25),
                (FindingStatus.AWAITING_EXPLANATION, 0.1), (FindingStatus.PROPOSED, 0.2))
SUMMARY = {FindingKind.LATE_ARRIVAL: "Đi muộn {m} phút", FindingKind.UNATTENDED: "Vắng quầy {m} phút không lý do",
           FindingKind.EARLY_LEAVE: "Về sớm {m} phút", FindingKind.ABSENT_SESSION: "Vắng cả buổi không lý do",
           FindingKind.CAMERA_GAP: "Mất dữ liệu camera {m} phút"}
REASONS = {FindingStatus.CONFIRMED: "Đã đối chiếu hình ảnh camera, không có giải trình hợp lý",
           FindingStatus.DISMISSED: "Có giấy đi công tác được duyệt"}


ACTIONS = {FindingStatus.CONFIRMED: DecisionAction.CONFIRM, FindingStatus.DISMISSED: DecisionAction.DISMISS}


def _decision_rows(ids, statuses, admin_id: int, when: list[datetime]) -> list[dict]:
    return [dict(finding_id=i, action=ACTIONS[s], from_status=FindingStatus.PROPOSED, to_status=s, reason=REASONS[s],
                 decided_by_id=admin_id, decided_at=at) for i, s, at in zip(ids, statuses, when) if s in REASONS]


def confirm_some(session: Session, days: list[date], admin_id: int, now: datetime, seed: int) -> int:
    """An inspector's work on the audited days: 40 % of the personal proposals confirmed, 10 % dismissed."""
    if not days:
        return 0
    ids = session.scalars(select(Finding.id).where(Finding.day >= days[0], Finding.staff_id.is_not(None),
                                                   Finding.status == FindingStatus.PROPOSED).order_by(Finding.id)).all()
    pick = np.random.default_rng([seed, 2]).random(len(ids))
    statuses = [FindingStatus.CONFIRMED if p < 0.4 else FindingStatus.DISMISSED if p < 0.5 else None for p in pick]
    chosen = [(i, s) for i, s in zip(ids, statuses) if s is not None]
    for status in REASONS:
        wanted = [i for i, s in chosen if s == status]
        if wanted:
            session.execute(update(Finding).where(Finding.id.in_(wanted)).values(
                status=status, decided_by_id=admin_id, decided_at=now, decision_reason=REASONS[status]))
    if chosen:
        session.execute(insert(Decision), _decision_rows([i for i, _ in chosen], [s for _, s in chosen], admin_id,
                                                         [now] * len(chosen)))
    return len(chosen)


def direct_findings(session: Session, site: Site, days: list[date], calendar, admin_id: int, seed: int) -> int:
    """Three findings per desk and month over ``days`` (older than the audited ones), most of them decided."""
    rng = np.random.default_rng([seed, 3])
    staff = dict(session.execute(select(Staff.default_desk_id, Staff.id)).all())
    items = {kind: item_for_finding(session, kind) for kind, _ in KIND_SHARE}
    months: dict[str, list[date]] = {}
    for day in days:
        months.setdefault(f"{day:%Y-%m}", []).append(day)
    kinds, kind_p = [k for k, _ in KIND_SHARE], [p for _, p in KIND_SHARE]
    statuses, status_p = [s for s, _ in STATUS_SHARE], [p for _, p in STATUS_SHARE]
    rows = []
    for month_days in months.values():
        for r, desk_id in enumerate(site.desk_ids.tolist()):
            for n in range(3):
                day = month_days[int(rng.integers(len(month_days)))]
                kind, status = kinds[rng.choice(5, p=kind_p)], statuses[rng.choice(4, p=status_p)]
                rows.append(_finding(day, kind, status, r, desk_id, site, staff, items, calendar, rng, admin_id, n))
    ids = []
    for lo in range(0, len(rows), 2000):
        ids += _insert(session, Finding, rows[lo:lo + 2000])
    decided = [(i, r["status"], r["decided_at"]) for i, r in zip(ids, rows) if r["status"] in REASONS]
    if decided:
        ids, decided_statuses, when = zip(*decided)
        session.execute(insert(Decision), _decision_rows(ids, decided_statuses, admin_id, list(when)))
    return len(rows)


def _finding(day: date, kind: FindingKind, status: FindingStatus, r: int, desk_id: int, site: Site, staff, items,
             calendar, rng, admin_id: int, n: int) -> dict:
    number = int(rng.integers(2))
    interval = calendar.intervals(day)[number]
    session_start, session_end = interval.start, interval.end
    if kind == FindingKind.LATE_ARRIVAL:
        minutes = int(rng.integers(16, 41))
        start = session_start
    elif kind == FindingKind.EARLY_LEAVE:
        minutes = int(rng.integers(10, 31))
        start = session_end - timedelta(minutes=minutes)
    elif kind == FindingKind.ABSENT_SESSION:
        minutes, start = int((session_end - session_start).total_seconds() // 60), session_start
    else:
        minutes = int(rng.integers(16, 46) if kind == FindingKind.UNATTENDED else rng.integers(30, 121))
        start = session_start + timedelta(minutes=int(rng.integers(20, 120)))
    personal = kind != FindingKind.CAMERA_GAP
    item = items[kind] if personal else None
    decided = status in REASONS
    return dict(
        fingerprint=f"{kind.value}|{site.desk_codes[r]}|{day.isoformat()}|s{number}|thu-tai-{n}",
        unit_id=int(site.unit_ids[r]), desk_id=desk_id, staff_id=staff[desk_id] if personal else None, day=day,
        kind=kind, status=status, starts_at=start, ends_at=start + timedelta(minutes=minutes), minutes=minutes,
        proposed_deduction=item.deduction if item is not None else None,
        checklist_item_number=item.number if item is not None else None, rule_version="2026.1",
        summary=SUMMARY[kind].format(m=minutes), details={"session": number},
        decided_by_id=admin_id if decided else None,
        decided_at=session_end + timedelta(days=3) if decided else None,
        decision_reason=REASONS.get(status))


def dossier_stats(session: Session, month: str, now: datetime, seed: int) -> None:
    """Dossier counts of the month per official, as imported from the one-stop software."""
    rng = np.random.default_rng([seed, 4])
    rows = []
    for staff_id, unit_id, desk_id in session.execute(select(Staff.id, Staff.unit_id, Staff.default_desk_id)):
        received = int(rng.integers(40, 161))
        late, pending = int(received * rng.uniform(0, 0.08)), int(received * rng.uniform(0.05, 0.2))
        rows.append(dict(month=month, unit_id=unit_id, desk_id=desk_id, staff_id=staff_id, received=received,
                         on_time=received - late - pending, late=late, not_yet_due=pending,
                         source_file="thu-tai.xlsx", import_batch="thu-tai", imported_at=now))
    session.execute(insert(DossierStat), rows)


# --- every run ------------------------------------------------------------------------------------


def top_up(url: str, now: datetime, seed: int, echo: Echo) -> int:
    """Today's samples from the last stored one up to ``now`` (the same simulated day), so the wall is live.

    Nothing is added when the data stops before the previous working day (a database reused days later).
    """
    engine = make_engine(url)
    try:
        with session_scope(session_factory(engine)) as session:
            site = load_site(session)
            calendar = calendar_for(session, session.get(Unit, int(site.unit_ids[0])))
            today = now.astimezone(calendar.zone).date()
            sessions = [(i.start, i.end) for i in calendar.intervals(today)]
            if not sessions or sessions[0][0] > now:
                return 0
            previous = next(d for d in (today - timedelta(days=k) for k in range(1, 15)) if calendar.intervals(d))
            last = dict(session.execute(select(Observation.camera_id, func.max(Observation.observed_at))
                                        .group_by(Observation.camera_id)).all())
            newest = max(last.values())
            if newest.astimezone(calendar.zone).date() < previous:
                echo(f"  the data ends {newest.astimezone(calendar.zone):%d/%m/%Y %H:%M}: not brought up to now")
                return 0
            day_start = sessions[0][0].replace(hour=0, minute=0)
            carry = np.array([_state_before(session, int(d), day_start) for d in site.desk_ids], dtype=np.int8)
        after = np.array([int(last[int(c)].timestamp() * US) if int(c) in last else 0 for c in site.camera_ids],
                         dtype=np.int64)
        simulated = simulate_day(site, today, sessions, seed, cutoff_us=int(now.timestamp() * US), final=True)
        writer = RowWriter(engine)
        try:
            rows = observation_rows(writer, site, simulated, after)
            writer.write("observations", OBSERVATION_COLUMNS, rows)
            writer.write("presence_events", EVENT_COLUMNS, event_rows(writer, site, simulated, carry, after))
            writer.commit()
        finally:
            writer.close()
        return len(rows)
    finally:
        engine.dispose()


def _state_before(session: Session, desk_id: int, at: datetime) -> int:
    state = session.scalar(select(PresenceEvent.state).where(PresenceEvent.desk_id == desk_id, PresenceEvent.at < at)
                           .order_by(PresenceEvent.at.desc(), PresenceEvent.id.desc()).limit(1))
    return -1 if state is None else int(np.flatnonzero(state.value == STATE_TEXT)[0])
