"""Monthly scores of officials and units from the database: compute and store, or load what was stored.

What a score is made of (docs/SCORING.md): confirmed camera findings and FAIL results of FINAL
inspections (personal items) lower the discipline raw score; imported dossier statistics give the
task points; public-duty sanctions of the year force "Không hoàn thành". A month's class is the level its
points reach; the 20 % cap belongs to the annual classification (audit/services/annual.py). Every
deduction is stored as a ScoreDeduction with its source and a Vietnamese reason, and every note (cap,
sanction, missing statistics) as a zero-point ScoreDeduction without a source, so a stored score
explains itself. Once a unit's month is locked (chốt), a recomputation that changes a score is stored as an
amendment beside it: the figures before and after, who and when.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from audit.rules.findings import KIND_VI
from audit.rules.general import GeneralWeights, ManagerParts, general_note, general_result
from audit.rules.ranking import DeductionLine, UnitInput, UnitRank, rank_units
from audit.rules.scoring import (
    RULE_VERSION,
    SANCTION_LABELS_VI,
    BadMonth,
    Coverage,
    CoverageThresholds,
    classify,
    coverage_problem,
    discipline_raw,
    emulation_eligible,
    format_vi,
    not_classified_note,
    period_bounds,
    period_title,
    q2,
    summary_line,
    total_points,
)
from audit.rules.tasks import TaskWeights, task_result
from audit.services.audit_run import day_facts
from audit.services.daily_facts import scope_units
from audit.services.findings import RECONSIDER, reconsidering
from audit.services.inspection_deductions import failed_items, unit_deductions
from audit.services.score_locks import MonthLock, amend, month_locks
from audit.services.scoring_settings import coverage_thresholds, general_weights, period_problem, task_weights
from audit.services.task_results import exemptions, task_note, task_rows
from models.access import ChangeLog
from models.enums import (
    ChangeAction,
    Classification,
    FindingStatus,
    ItemScope,
    SanctionLevel,
    local_zone,
)
from models.findings import Finding
from models.org import Desk, Staff, Unit
from models.scoring import (
    ManagerAssessment,
    Sanction,
    Score,
    ScoreAmendment,
    ScoreDeduction,
    ScoreLock,
)

DEMOTION_ABOLISHED = date(2025, 7, 1)  # Decree 172/2025 in force: giáng chức is no longer a sanction



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
    amendments: tuple[str, ...] = ()  # changes after the month was locked, oldest first (Vietnamese)


@dataclass(frozen=True)
class MonthScores:
    """Officials, ranked units and the summary line (Vietnamese and English) of one month."""

    month: str
    unit_code: str | None
    officials: tuple[OfficialScore, ...]
    units: tuple[UnitRank, ...]
    summary_vi: str
    summary_en: str
    locks: tuple[MonthLock, ...] = ()

    def official(self, code: str) -> OfficialScore:
        """The official ``code``; LookupError names the month when there is no such score."""
        for official in self.officials:
            if official.code == code:
                return official
        raise LookupError(f"no score of official {code!r} for {self.month}")


def _finding_line(finding: Finding, desk_code: str | None) -> DeductionLine | None:
    if finding.proposed_deduction is None:
        return None
    if reconsidering(finding):  # a late excuse: listed, costing nothing until decided again
        return DeductionLine(Decimal("0.00"), finding.details[RECONSIDER]["reason"], finding.id, None)
    text = finding.summary
    if not text:
        minutes = f" {finding.minutes} phút" if finding.minutes else ""
        desk = f", quầy {desk_code}" if desk_code else ""
        text = f"{KIND_VI.get(str(finding.kind), str(finding.kind))}{minutes}{desk}, {finding.day:%d/%m/%Y}"
    return DeductionLine(q2(finding.proposed_deduction), f"{text} (phát hiện #{finding.id})", finding.id, None)


def personal_deductions(session: Session, month: str, officials: list[Staff], *, now: datetime
                        ) -> dict[int, list[DeductionLine]]:
    """Confirmed findings, then personal checklist failures of FINAL inspections, per official id (a failure the
    official may still reply to is listed at 0 points until they reply or the day to reply has passed)."""
    first, last = period_bounds(month)
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
        line = failed.line(now=now) if failed.staff_id in ids else None
        if line is not None:
            lines[failed.staff_id].append(line)
    return lines


def month_minutes(session: Session, month: str, *, unit_code: str | None, now: datetime) -> pd.DataFrame:
    """Per official, desk and day: scheduled, present, absent, unknown and excused minutes over the month's
    complete days (to yesterday for the current month), from the same desk-day facts as the audit and report."""
    first, last = period_bounds(month)
    until = min(last, now.astimezone(local_zone()).date() - timedelta(days=1))
    days = [first + timedelta(days=i) for i in range((until - first).days + 1)] if first <= until else []
    if not days:
        return pd.DataFrame(columns=["staff_id", "desk_id", "day", "scheduled", "present", "absent", "unknown",
                                     "excused"])
    return day_facts(session, days, unit_code=unit_code).officials


def coverage_of(minutes: pd.DataFrame, ids: set[int]) -> dict[int, Coverage]:
    """Each official's scheduled, excused and observed desk minutes (present or absent, never a fault)."""
    found = {}
    if len(minutes):
        sums = minutes[minutes["staff_id"].isin(ids)].groupby("staff_id")[
            ["scheduled", "present", "absent", "excused"]].sum()
        for staff_id, row in sums.iterrows():
            found[int(staff_id)] = Coverage(round(float(row["scheduled"]), 1), round(float(row["excused"]), 1),
                                            round(float(row["present"] + row["absent"]), 1))
    return {i: found.get(i, Coverage(0.0, 0.0, 0.0)) for i in ids}


def sanction_notes(session: Session, staff_ids: set[int], first: date, last: date) -> dict[int, list[str]]:
    """Notes of the public-duty sanctions decided from ``first`` to ``last``, per official id."""
    notes: dict[int, list[str]] = defaultdict(list)
    for sanction in session.scalars(
            select(Sanction).where(Sanction.staff_id.in_(sorted(staff_ids)), Sanction.duty_related.is_(True),
                                   Sanction.decided_on >= first, Sanction.decided_on <= last)
            .order_by(Sanction.decided_on, Sanction.id)):
        notes[sanction.staff_id].append(
            f"Bị kỷ luật {SANCTION_LABELS_VI[sanction.level]} theo {sanction.decision_ref} ngày "
            f"{sanction.decided_on:%d/%m/%Y} (vi phạm liên quan đến thi hành công vụ): xếp loại Không hoàn thành "
            f"nhiệm vụ (Nghị định 335/2025/NĐ-CP)")
    return notes


def compute_month(session: Session, month: str, *, unit_code: str | None = None, now: datetime,
                  by: str = "deskaudit") -> MonthScores:
    """Compute and store the scores of every active official of the scope (a unit and the units below it).

    Idempotent: each (official, month) has one Score row; its deductions are rewritten only when they
    differ, so running it twice on the same data leaves the same rows. In a locked unit-month a score that
    changes gets an amendment (before, after, ``by``, ``now``).

    Raises:
        BadMonth: ``month`` is not YYYY-MM.
        LookupError: no unit has the code ``unit_code``.
    """
    period_bounds(month)
    if (wrong := period_problem(session, month)) is not None:
        raise BadMonth(wrong)
    units = scope_units(session, unit_code)
    units_by_id = {u.id: u for u in units}
    officials = list(session.scalars(
        select(Staff).options(selectinload(Staff.default_desk))
        .where(Staff.active.is_(True), Staff.unit_id.in_(list(units_by_id))).order_by(Staff.code)))
    inputs = _inputs(session, month, officials, unit_code=unit_code, now=now) if officials else None
    existing = {s.staff_id: s for s in session.scalars(
        select(Score).options(selectinload(Score.deductions), selectinload(Score.amendments))
        .where(Score.month == month, Score.staff_id.in_([o.id for o in officials])))}
    locked = set(session.scalars(select(ScoreLock.unit_id).where(ScoreLock.month == month,
                                                                 ScoreLock.unit_id.in_(list(units_by_id)))))
    results = []
    for official in officials:
        assert inputs is not None
        score = _official_score(official, units_by_id[official.unit_id].code, inputs, period_title(month))
        row = existing.get(official.id)
        if row is not None and official.unit_id in locked:
            amend(row, score, by, now)
        row = _store(session, row, official, month, score, now)
        results.append(replace(score, amendments=tuple(a.reason for a in row.amendments)))
    session.flush()
    return _assemble(session, month, unit_code, units, results)


@dataclass(frozen=True)
class _Inputs:
    """Everything a month's scores are computed from, read once for every official of the scope."""

    lines: dict[int, list[DeductionLine]]
    tasks: dict[int, list]
    shared: dict[int, list[str]]
    exempt: dict[int, tuple[int, int, list[str]]]
    sanctions: dict[int, list[str]]
    coverages: dict[int, Coverage]
    assessed: dict[int, ManagerAssessment]
    thresholds: CoverageThresholds
    weights: TaskWeights
    general: GeneralWeights


def _inputs(session: Session, month: str, officials: list[Staff], *, unit_code: str | None,
            now: datetime) -> _Inputs:
    first, last = period_bounds(month)
    ids = {o.id for o in officials}
    minutes = month_minutes(session, month, unit_code=unit_code, now=now)
    tasks, shared = task_rows(session, month, officials, minutes)
    assessed = {a.staff_id: a for a in session.scalars(
        select(ManagerAssessment).where(ManagerAssessment.month == month, ManagerAssessment.staff_id.in_(ids)))}
    return _Inputs(personal_deductions(session, month, officials, now=now), tasks, shared,
                   exemptions(session, month, ids), sanction_notes(session, ids, date(first.year, 1, 1), last),
                   coverage_of(minutes, ids), assessed,
                   coverage_thresholds(session), task_weights(session), general_weights(session))


LEADER_PENDING = ("Lãnh đạo (Điều 15 Nghị định 335/2025/NĐ-CP): kết quả thực hiện nhiệm vụ gồm kết quả của đơn vị "
                  "do người quản lý đánh giá; chưa nhập — chưa tính tổng điểm")


def _official_score(official: Staff, unit_code: str, inputs: _Inputs, title: str) -> OfficialScore:
    """One official's month from the inputs: the figures, the class and every note that explains them."""
    lines = inputs.lines.get(official.id, [])
    raw = discipline_raw(line.points for line in lines)
    assessment = inputs.assessed.get(official.id)
    parts = None if assessment is None else ManagerParts(assessment.ethics, assessment.capacity,
                                                         assessment.innovation)
    general = general_result(raw, inputs.general, parts)
    late_off, failed_off, exempt_notes = inputs.exempt.get(official.id, (0, 0, []))
    worked_out = task_result(inputs.tasks.get(official.id, []), inputs.weights, exempt_late=late_off,
                             exempt_failed=failed_off)
    notes = list(inputs.sanctions.get(official.id, []))
    if official.is_leader:
        leader_task = None if assessment is None else assessment.leader_task
        task = None if leader_task is None else q2(leader_task)
        notes.append(LEADER_PENDING if task is None else
                     f"Lãnh đạo (Điều 15): kết quả thực hiện nhiệm vụ {format_vi(task)} do người quản lý đánh giá")
    else:
        task = None if worked_out is None else worked_out.total
        if worked_out is not None:
            notes.append(task_note(worked_out))
        notes += inputs.shared.get(official.id, [])
        notes += exempt_notes
    if (about_general := general_note(general, inputs.general)) is not None:
        notes.append(about_general)
    thin = coverage_problem(inputs.coverages[official.id], inputs.thresholds)
    if thin is not None:
        notes.append(thin)
    total = None if thin or not general.complete else total_points(general.points, task)
    reprimanded = bool(inputs.sanctions.get(official.id))
    outside = not_classified_note(official.category)
    cls = classify(total, reprimanded) if outside is None else None
    if outside is not None:
        notes.append(outside)
    elif task is None and not official.is_leader:
        notes.append(f"Chưa có số liệu giải quyết hồ sơ {title}: chưa tính điểm kết quả "
                     f"thực hiện nhiệm vụ, chưa xếp loại theo điểm")
    return OfficialScore(official.code, official.full_name, unit_code,
                         official.default_desk.code if official.default_desk else None, raw, general.points, task,
                         total, cls, emulation_eligible(cls), reprimanded, tuple(lines), tuple(notes),
                         inputs.coverages[official.id])


def _store(session: Session, row: Score | None, official: Staff, month: str, score: OfficialScore,
           now: datetime) -> Score:
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
    return row


def _by_id(deduction: ScoreDeduction) -> int:
    return deduction.id or 0


def load_month(session: Session, month: str, unit_code: str | None = None) -> MonthScores:
    """The stored scores of ``month`` (no recomputation); unit deductions are read from the inspections.

    Raises:
        BadMonth: ``month`` is not YYYY-MM.
        LookupError: no unit has the code ``unit_code``.
    """
    period_bounds(month)
    units = scope_units(session, unit_code)
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
    amended: dict[int, list[str]] = defaultdict(list)
    for score_id, reason in session.execute(
            select(ScoreAmendment.score_id, ScoreAmendment.reason).join(Score, ScoreAmendment.score_id == Score.id)
            .where(*in_scope).order_by(ScoreAmendment.id)):
        amended[score_id].append(reason)
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
                                                                float(row.observed_minutes or 0)),
            tuple(amended.get(row.id, ()))))
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
                       summary_line(pairs, "en"), month_locks(session, month, units))


def add_sanction(session: Session, staff_code: str, level: SanctionLevel | str, decided_on: date, decision_ref: str,
                 note: str | None = None, *, duty_related: bool = True, actor: str = "deskaudit",
                 now: datetime | None = None) -> Sanction:
    """Record a discipline sanction of official ``staff_code`` (and log who recorded it, with the decision).

    ``duty_related``: the violation related to public duty; only such a sanction forces "Không hoàn thành".

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
                        note=note, duty_related=duty_related)
    session.add(sanction)
    session.add(ChangeLog(**({"at": now} if now else {}), actor=actor, source="scores", entity_type="sanction",
                          entity_key=staff_code, action=ChangeAction.CREATE, decision_ref=sanction.decision_ref,
                          changes={"level": [None, level.value], "decided_on": [None, decided_on.isoformat()],
                                   "duty_related": [None, duty_related]},
                          note=note))
    session.flush()
    return sanction


def months_to_recompute(session: Session, sanction: Sanction) -> list[str]:
    """Stored months whose class the sanction changes: its month to December, where the official has a score."""
    year = sanction.decided_on.year
    first = f"{year}-{sanction.decided_on.month:02d}"
    return list(session.scalars(select(Score.month).where(Score.staff_id == sanction.staff_id, Score.month >= first,
                                                          Score.month <= f"{year}-12").order_by(Score.month)))
