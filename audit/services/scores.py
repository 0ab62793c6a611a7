"""Monthly scores of officials and units from the database: compute and store, or load what was stored.

What a score is made of (docs/SCORING.md): confirmed camera findings and FAIL results of FINAL
inspections (personal items) lower the discipline raw score; imported dossier statistics give the
task points; sanctions of the year force "Không hoàn thành"; the 20 % cap applies per unit. Every
deduction is stored as a ScoreDeduction with its source and a Vietnamese reason, and every note (cap,
sanction, missing statistics) as a zero-point ScoreDeduction without a source, so a stored score
explains itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from audit.rules.ranking import DeductionLine, UnitInput, UnitRank, rank_units
from audit.rules.scoring import (
    RULE_VERSION,
    SANCTION_LABELS_VI,
    CapItem,
    Coverage,
    CoverageThresholds,
    TaskRow,
    apply_excellent_cap,
    classify,
    coverage_problem,
    discipline_raw,
    emulation_eligible,
    general_points,
    month_bounds,
    not_classified_note,
    q2,
    summary_line,
    task_points,
    total_points,
)
from audit.services.audit_run import day_facts
from audit.services.daily_facts import unit_and_descendants
from audit.services.inspection_deductions import failed_items, unit_deductions
from models.access import ChangeLog
from models.enums import (
    ChangeAction,
    Classification,
    FindingKind,
    FindingStatus,
    ItemScope,
    SanctionLevel,
    local_zone,
)
from models.findings import Finding
from models.org import Desk, Staff, Unit
from models.scoring import DossierStat, Sanction, Score, ScoreDeduction, ScoringSettings

DEMOTION_ABOLISHED = date(2025, 7, 1)  # Decree 172/2025 in force: giáng chức is no longer a sanction

KIND_VI = {
    FindingKind.LATE_ARRIVAL: "Đến muộn",
    FindingKind.EARLY_LEAVE: "Về sớm",
    FindingKind.UNATTENDED: "Vắng quầy",
    FindingKind.ABSENT_SESSION: "Vắng cả buổi",
    FindingKind.UNATTENDED_QUEUE: "Vắng quầy khi có người dân chờ",
    FindingKind.CAMERA_GAP: "Mất tín hiệu camera",
}


@dataclass(frozen=True)
class OfficialScore:
    """One official's month: the figures, the class, each deduction with its source, and notes."""

    code: str
    name: str
    unit_code: str
    desk_code: str | None
    raw: Decimal
    general: Decimal
    task: Decimal | None
    total: Decimal | None
    classification: Classification | None
    eligible: bool | None
    reprimanded: bool
    deductions: tuple[DeductionLine, ...]
    notes: tuple[str, ...]
    coverage: Coverage | None = None  # None: stored before coverage was recorded


@dataclass(frozen=True)
class MonthScores:
    """Officials, ranked units and the summary line (Vietnamese and English) of one month."""

    month: str
    unit_code: str | None
    officials: tuple[OfficialScore, ...]
    units: tuple[UnitRank, ...]
    summary_vi: str
    summary_en: str

    def official(self, code: str) -> OfficialScore:
        """The official ``code``; LookupError names the month when there is no such score."""
        for official in self.officials:
            if official.code == code:
                return official
        raise LookupError(f"no score of official {code!r} for {self.month}")


def _scope_units(session: Session, unit_code: str | None) -> list[Unit]:
    query = select(Unit).where(Unit.active.is_(True)).order_by(Unit.code)
    if unit_code is not None:
        query = query.where(Unit.id.in_(unit_and_descendants(session, unit_code)))
    return list(session.scalars(query))


def _finding_line(finding: Finding, desk_code: str | None) -> DeductionLine | None:
    if finding.proposed_deduction is None:
        return None
    text = finding.summary
    if not text:
        minutes = f" {finding.minutes} phút" if finding.minutes else ""
        desk = f", quầy {desk_code}" if desk_code else ""
        text = f"{KIND_VI.get(finding.kind, str(finding.kind))}{minutes}{desk}, {finding.day:%d/%m/%Y}"
    return DeductionLine(q2(finding.proposed_deduction), f"{text} (phát hiện #{finding.id})", finding.id, None)


def personal_deductions(session: Session, month: str, officials: list[Staff]) -> dict[int, list[DeductionLine]]:
    """Confirmed findings, then personal checklist failures of FINAL inspections, per official id."""
    first, last = month_bounds(month)
    ids = {o.id for o in officials}
    lines: dict[int, list[DeductionLine]] = defaultdict(list)
    rows = session.execute(
        select(Finding, Desk.code).outerjoin(Desk, Finding.desk_id == Desk.id)
        .join(Staff, Finding.staff_id == Staff.id)
        .where(Finding.status == FindingStatus.CONFIRMED, Finding.day >= first, Finding.day <= last,
               Staff.unit_id.in_(sorted({o.unit_id for o in officials})))
        .order_by(Finding.day, Finding.id))
    for finding, desk_code in rows:
        line = _finding_line(finding, desk_code) if finding.staff_id in ids else None
        if line is not None:
            lines[finding.staff_id].append(line)
    for failed in failed_items(session, month, ItemScope.PERSONAL):
        line = failed.line() if failed.staff_id in ids else None
        if line is not None:
            lines[failed.staff_id].append(line)
    return lines


def task_rows(session: Session, month: str, officials: list[Staff]) -> dict[int, list[TaskRow]]:
    """Dossier rows credited to each official: their own rows, and desk rows split among the desk's officials."""
    rows: dict[int, list[TaskRow]] = defaultdict(list)
    for stat in session.scalars(select(DossierStat).where(DossierStat.month == month,
                                                          DossierStat.staff_id.in_([o.id for o in officials]))):
        rows[stat.staff_id].append(TaskRow(stat.on_time, stat.late, stat.not_yet_due))
    desks = {o.default_desk_id for o in officials if o.default_desk_id is not None}
    if not desks:
        return rows
    holders = dict(session.execute(
        select(Staff.default_desk_id, func.count())
        .where(Staff.active.is_(True), Staff.default_desk_id.in_(sorted(desks)))
        .group_by(Staff.default_desk_id)).all())
    by_desk: dict[int, list[DossierStat]] = defaultdict(list)
    for stat in session.scalars(select(DossierStat).where(DossierStat.month == month, DossierStat.staff_id.is_(None),
                                                          DossierStat.desk_id.in_(sorted(desks)))):
        by_desk[stat.desk_id].append(stat)
    for official in officials:
        for stat in by_desk.get(official.default_desk_id, []):
            share = Fraction(1, holders[official.default_desk_id])
            rows[official.id].append(TaskRow(stat.on_time, stat.late, stat.not_yet_due, share))
    return rows


def coverage_thresholds(session: Session) -> CoverageThresholds:
    """The site's ``[scoring]`` coverage thresholds as last imported (the defaults before any import)."""
    row = session.get(ScoringSettings, 1)
    config = row.config if row is not None else {}
    return CoverageThresholds(**{k: config[k] for k in ("min_observed_share", "min_worked_share") if k in config})


def coverage_of(session: Session, month: str, officials: list[Staff], *, unit_code: str | None,
                now: datetime) -> dict[int, Coverage]:
    """Each official's scheduled, excused and observed desk minutes over the month's complete days (to
    yesterday for the current month), from the same desk-day facts as the audit and the report."""
    first, last = month_bounds(month)
    zone = local_zone()
    until = min(last, now.astimezone(zone).date() - timedelta(days=1))
    days = [first + timedelta(days=i) for i in range((until - first).days + 1)] if first <= until else []
    minutes = day_facts(session, days, unit_code=unit_code).officials if days else None
    ids = {o.id for o in officials}
    found = {}
    if minutes is not None and len(minutes):
        sums = minutes[minutes["staff_id"].isin(ids)].groupby("staff_id")[
            ["scheduled", "present", "absent", "excused"]].sum()
        for staff_id, row in sums.iterrows():
            found[int(staff_id)] = Coverage(round(float(row["scheduled"]), 1), round(float(row["excused"]), 1),
                                            round(float(row["present"] + row["absent"]), 1))
    return {i: found.get(i, Coverage(0.0, 0.0, 0.0)) for i in ids}


def sanction_notes(session: Session, month: str, staff_ids: set[int]) -> dict[int, list[str]]:
    """Notes of the sanctions decided in the month's year up to its last day, per official id."""
    first, last = month_bounds(month)
    notes: dict[int, list[str]] = defaultdict(list)
    for sanction in session.scalars(
            select(Sanction).where(Sanction.staff_id.in_(sorted(staff_ids)),
                                   Sanction.decided_on >= date(first.year, 1, 1), Sanction.decided_on <= last)
            .order_by(Sanction.decided_on, Sanction.id)):
        notes[sanction.staff_id].append(
            f"Bị kỷ luật {SANCTION_LABELS_VI[sanction.level]} theo {sanction.decision_ref} ngày "
            f"{sanction.decided_on:%d/%m/%Y}: xếp loại Không hoàn thành nhiệm vụ (Nghị định 335/2025/NĐ-CP)")
    return notes


def compute_month(session: Session, month: str, *, unit_code: str | None = None, now: datetime) -> MonthScores:
    """Compute and store the scores of every active official of the scope (a unit and the units below it).

    Idempotent: each (official, month) has one Score row; its deductions are rewritten only when they
    differ, so running it twice on the same data leaves the same rows.

    Raises:
        BadMonth: ``month`` is not YYYY-MM.
        LookupError: no unit has the code ``unit_code``.
    """
    first, _ = month_bounds(month)
    units = _scope_units(session, unit_code)
    units_by_id = {u.id: u for u in units}
    officials = list(session.scalars(
        select(Staff).options(selectinload(Staff.default_desk))
        .where(Staff.active.is_(True), Staff.unit_id.in_(list(units_by_id))).order_by(Staff.code)))
    lines = personal_deductions(session, month, officials) if officials else {}
    tasks = task_rows(session, month, officials) if officials else {}
    sanctions = sanction_notes(session, month, {o.id for o in officials}) if officials else {}
    coverages = coverage_of(session, month, officials, unit_code=unit_code, now=now) if officials else {}
    thresholds = coverage_thresholds(session)
    drafts = []
    for official in officials:
        raw = discipline_raw(line.points for line in lines.get(official.id, []))
        general = general_points(raw)
        task = task_points(tasks.get(official.id, []))
        thin = coverage_problem(coverages[official.id], thresholds)
        total = None if thin else total_points(general, task)
        reprimanded = bool(sanctions.get(official.id))
        classified = not_classified_note(official.category) is None
        drafts.append((official, raw, general, task, total, reprimanded,
                       classify(total, reprimanded) if classified else None))
    capped = apply_excellent_cap([CapItem(o.unit_id, o.code, cls, total, raw)
                                  for o, raw, _, _, total, _, cls in drafts])
    existing = {s.staff_id: s for s in session.scalars(
        select(Score).options(selectinload(Score.deductions))
        .where(Score.month == month, Score.staff_id.in_([o.id for o in officials])))}
    results = []
    for (official, raw, general, task, total, reprimanded, _), cap in zip(drafts, capped):
        notes = list(sanctions.get(official.id, []))
        if (thin := coverage_problem(coverages[official.id], thresholds)) is not None:
            notes.append(thin)
        if (outside := not_classified_note(official.category)) is not None:
            notes.append(outside)
        elif task is None:
            notes.append(f"Chưa có số liệu giải quyết hồ sơ tháng {first:%m/%Y}: chưa tính điểm kết quả "
                         f"thực hiện nhiệm vụ, chưa xếp loại theo điểm")
        if cap.note:
            notes.append(cap.note)
        score = OfficialScore(official.code, official.full_name, units_by_id[official.unit_id].code,
                              official.default_desk.code if official.default_desk else None, raw, general, task,
                              total, cap.classification, emulation_eligible(cap.classification), reprimanded,
                              tuple(lines.get(official.id, [])), tuple(notes), coverages[official.id])
        _store(session, existing.get(official.id), official, month, score, now)
        results.append(score)
    session.flush()
    return _assemble(session, month, unit_code, units, results)


def _store(session: Session, row: Score | None, official: Staff, month: str, score: OfficialScore,
           now: datetime) -> None:
    if row is None:
        row = Score(staff_id=official.id, month=month)
        session.add(row)
    row.unit_id, row.rule_version, row.computed_at = official.unit_id, RULE_VERSION, now
    row.discipline_raw, row.general_points, row.task_points = score.raw, score.general, score.task
    row.total, row.classification = score.total, score.classification
    row.reprimanded, row.emulation_eligible = score.reprimanded, score.eligible
    if score.coverage is not None:
        row.scheduled_minutes, row.excused_minutes, row.observed_minutes = (
            Decimal(str(score.coverage.scheduled)), Decimal(str(score.coverage.excused)),
            Decimal(str(score.coverage.observed)))
    wanted = [(line.finding_id, line.inspection_result_id, line.points, line.reason) for line in score.deductions]
    wanted += [(None, None, Decimal("0.00"), note) for note in score.notes]
    stored = [(d.finding_id, d.inspection_result_id, q2(d.points), d.reason)
              for d in sorted(row.deductions, key=_by_id)]
    if stored != wanted:
        row.deductions.clear()
        session.flush()  # old rows go before the new ones get ids, so the stored order is the computed order
        row.deductions.extend(ScoreDeduction(finding_id=f, inspection_result_id=i, points=p, reason=r)
                              for f, i, p, r in wanted)


def _by_id(deduction: ScoreDeduction) -> int:
    return deduction.id or 0


def load_month(session: Session, month: str, unit_code: str | None = None) -> MonthScores:
    """The stored scores of ``month`` (no recomputation); unit deductions are read from the inspections.

    Raises:
        BadMonth: ``month`` is not YYYY-MM.
        LookupError: no unit has the code ``unit_code``.
    """
    month_bounds(month)
    units = _scope_units(session, unit_code)
    units_by_id = {u.id: u for u in units}
    in_scope = (Score.month == month, Score.unit_id.in_(list(units_by_id)))
    rows = session.execute(  # plain rows, not ORM objects: a month of a province has tens of thousands of lines
        select(Score.id, Score.unit_id, Score.discipline_raw, Score.general_points, Score.task_points, Score.total,
               Score.classification, Score.emulation_eligible, Score.reprimanded, Score.scheduled_minutes,
               Score.excused_minutes, Score.observed_minutes, Staff.code, Staff.full_name,
               Desk.code.label("desk_code"))
        .join(Staff, Score.staff_id == Staff.id).outerjoin(Desk, Staff.default_desk_id == Desk.id)
        .where(*in_scope).order_by(Staff.code)).all()
    lines_of: dict[int, list] = defaultdict(list)
    for line in session.execute(
            select(ScoreDeduction.score_id, ScoreDeduction.points, ScoreDeduction.reason, ScoreDeduction.finding_id,
                   ScoreDeduction.inspection_result_id)
            .join(Score, ScoreDeduction.score_id == Score.id).where(*in_scope).order_by(ScoreDeduction.id)):
        lines_of[line.score_id].append(line)
    results = []
    for row in rows:
        ordered = lines_of.get(row.id, ())
        lines = tuple(DeductionLine(q2(d.points), d.reason, d.finding_id, d.inspection_result_id) for d in ordered
                      if d.finding_id is not None or d.inspection_result_id is not None)
        notes = tuple(d.reason for d in ordered if d.finding_id is None and d.inspection_result_id is None)
        results.append(OfficialScore(
            row.code, row.full_name, units_by_id[row.unit_id].code, row.desk_code, q2(row.discipline_raw),
            q2(row.general_points), None if row.task_points is None else q2(row.task_points),
            None if row.total is None else q2(row.total), row.classification, row.emulation_eligible,
            row.reprimanded, lines, notes,
            None if row.scheduled_minutes is None else Coverage(float(row.scheduled_minutes),
                                                                float(row.excused_minutes or 0),
                                                                float(row.observed_minutes or 0))))
    return _assemble(session, month, unit_code, units, results)


def _assemble(session: Session, month: str, unit_code: str | None, units: list[Unit],
              officials: list[OfficialScore]) -> MonthScores:
    by_unit: dict[str, list[OfficialScore]] = defaultdict(list)
    for official in officials:
        by_unit[official.unit_code].append(official)
    unit_lines = unit_deductions(session, month, [u.id for u in units]) if units else {}
    ranked = rank_units(UnitInput(u.code, u.name, len(by_unit[u.code]),
                                  tuple(o.total for o in by_unit[u.code] if o.total is not None),
                                  tuple(unit_lines.get(u.id, []))) for u in units)
    pairs = [(u.score, u.classification) for u in ranked if u.rank is not None]
    ordered = sorted(officials, key=lambda o: (o.unit_code, o.code))
    return MonthScores(month, unit_code, tuple(ordered), tuple(ranked), summary_line(pairs, "vi"),
                       summary_line(pairs, "en"))


def add_sanction(session: Session, staff_code: str, level: SanctionLevel | str, decided_on: date, decision_ref: str,
                 note: str | None = None, *, actor: str = "deskaudit", now: datetime | None = None) -> Sanction:
    """Record a discipline sanction of official ``staff_code`` (and log who recorded it, with the decision).

    Raises:
        LookupError: no official has that code.
        ValueError: unknown level, or an empty decision reference.
    """
    staff = session.scalars(select(Staff).where(Staff.code == staff_code)).one_or_none()
    if staff is None:
        raise LookupError(f"no official with code {staff_code!r}")
    try:
        level = SanctionLevel(level)
    except ValueError:
        raise ValueError(f"sanction level {level!r}: expected one of "
                         f"{', '.join(v.value for v in SanctionLevel)}") from None
    if not decision_ref or not decision_ref.strip():
        raise ValueError(f"sanction of {staff_code}: the decision reference (số quyết định) is required")
    if level is SanctionLevel.DEMOTION and decided_on >= DEMOTION_ABOLISHED:
        raise ValueError(f"sanction of {staff_code}: giáng chức (demotion) is no sanction since "
                         f"{DEMOTION_ABOLISHED:%d/%m/%Y} (Decree 172/2025 abolished it); the levels are reprimand, "
                         "warning, dismissal_from_post, dismissal")
    sanction = Sanction(staff_id=staff.id, level=level, decided_on=decided_on, decision_ref=decision_ref.strip(),
                        note=note)
    session.add(sanction)
    session.add(ChangeLog(**({"at": now} if now else {}), actor=actor, source="scores", entity_type="sanction",
                          entity_key=staff_code, action=ChangeAction.CREATE, decision_ref=sanction.decision_ref,
                          changes={"level": [None, level.value], "decided_on": [None, decided_on.isoformat()]},
                          note=note))
    session.flush()
    return sanction


def months_to_recompute(session: Session, sanction: Sanction) -> list[str]:
    """Stored months whose class the sanction changes: its month to December, where the official has a score."""
    year = sanction.decided_on.year
    first = f"{year}-{sanction.decided_on.month:02d}"
    return list(session.scalars(select(Score.month).where(Score.staff_id == sanction.staff_id, Score.month >= first,
                                                          Score.month <= f"{year}-12").order_by(Score.month)))
