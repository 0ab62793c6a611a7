"""The monthly report: units (ranked, with the summary line), desks, officials and findings, as XLSX and PDF.

The XLSX has one sheet each — ``summary``, ``units``, ``desks``, ``officials``, ``findings`` — with
plain column names so that it reads straight into pandas; labels for people (classes, kinds,
statuses) are Vietnamese. Minutes are scheduled minutes; unknown minutes (camera not ok) are out of
every rate.

A report built for a reader below the inspector role leaves out the official of each unconfirmed proposal
(audit/rules/disclosure.py): the finding's row keeps its desk, day and status with ``staff_withheld`` set, an
official's ``findings`` count leaves it out, and the summary says how many were withheld.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.files.tabular import write_frames
from audit.rules.disclosure import NAMING_ROLES, withholds
from audit.rules.findings import KIND_VI
from audit.rules.scoring import CLASS_LABELS_VI, format_vi, period_bounds, period_title
from audit.services.audit_run import day_facts
from audit.services.daily_facts import unit_and_descendants
from audit.services.scores import MonthScores, compute_month, load_month
from audit.services.scoring_settings import scoring_choices
from models.enums import Role, local_zone
from models.findings import Finding
from models.org import Desk, Staff, Unit

LOCAL = local_zone()
STATUS_VI = {"proposed": "Đề xuất", "awaiting_explanation": "Chờ giải trình", "confirmed": "Đã xác nhận",
             "dismissed": "Đã bác bỏ"}
SHEETS = ("summary", "units", "desks", "officials", "findings")
WITHHELD_VI = ("Đề xuất chưa xác nhận không ghi tên cán bộ: chỉ cán bộ kiểm tra và quản trị xem được cho đến khi vi "
               "phạm được xác nhận")


@dataclass(frozen=True)
class MonthReport:
    month: str
    unit_code: str | None
    generated_at: datetime
    scores: MonthScores
    units: pd.DataFrame
    desks: pd.DataFrame
    officials: pd.DataFrame
    findings: pd.DataFrame
    choices: str = ""  # the site's choices where the law leaves one ([scoring]), printed on the report
    withheld: int | None = None  # officials of unconfirmed proposals left out for the reader; None: every one named

    @property
    def summary_vi(self) -> str:
        return self.scores.summary_vi

    @property
    def scores_note(self) -> str | None:
        """Why the report shows no scores: none are stored for its month and scope yet."""
        if self.scores.officials:
            return None
        return (f"Chưa tính điểm {period_title(self.month)} cho phạm vi này: cán bộ kiểm tra hoặc quản trị bấm "
                f"“Tính lại” trên trang Kết quả theo dõi (hoặc chạy deskaudit scores compute {self.month}) rồi tải "
                f"lại báo cáo")


def build_month_report(session: Session, month: str, *, now: datetime, unit_code: str | None = None,
                       progress: Callable[[date], None] | None = None, compute: bool = False,
                       reader: Role | None = None) -> MonthReport:
    """Gather every table of the report from the month's stored scores (``compute``: compute and store them
    first, for the command line; a page or a download never writes scores).

    Desk and official hours cover the month's complete days (up to yesterday for the current month).
    ``reader``: the role of whoever downloads it, whose names it is limited to; None (the command line) names
    every official.

    Raises:
        BadMonth: ``month`` is not YYYY-MM.  LookupError: unknown unit.
    """
    first, last = period_bounds(month)
    unit_ids = unit_and_descendants(session, unit_code) if unit_code else None
    if compute:
        scores = compute_month(session, month, unit_code=unit_code, now=now)
    else:
        scores = load_month(session, month, unit_code=unit_code)
    until = min(last, now.astimezone(LOCAL).date() - timedelta(days=1))  # complete days only
    days = [first + timedelta(days=i) for i in range((until - first).days + 1)] if first <= until else []
    facts = day_facts(session, days, unit_code=unit_code, progress=progress)
    found = _findings(session, first, last, unit_ids, reader)
    desks = _desks(session, facts.desks, found, unit_ids)
    withheld = None if reader is None or reader in NAMING_ROLES else int(found["staff_withheld"].sum())
    return MonthReport(month, unit_code, now, scores, _units(scores, desks, found), desks,
                       _officials(session, scores, facts.officials, found), found,
                       "; ".join(scoring_choices(session).words), withheld)


def write_xlsx(report: MonthReport, path: Path) -> None:
    """One sheet per table, the summary first; columns sized to their content."""
    summary = pd.DataFrame([
        ("month", report.month), ("scope", report.unit_code or "toàn tỉnh / whole site"),
        ("summary_vi", report.scores.summary_vi), ("summary_en", report.scores.summary_en),
        *([("scores", report.scores_note)] if report.scores_note else []),
        ("site_choices", report.choices),
        ("units_ranked", sum(1 for u in report.scores.units if u.rank is not None)),
        ("officials", len(report.officials)), ("findings", len(report.findings)),
        ("findings_confirmed", int((report.findings["status"] == "confirmed").sum()) if len(report.findings) else 0),
        *([("findings_staff_withheld", report.withheld), ("staff_withheld_vi", WITHHELD_VI)]
          if report.withheld is not None else []),
        ("generated_at", report.generated_at.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M")),
    ], columns=["key", "value"])
    write_frames(path, dict(zip(SHEETS, (summary, report.units, report.desks, report.officials, report.findings))))


def write_pdf(report: MonthReport, path: Path) -> None:
    """A summary for leaders: the summary line, the unit ranking, officials, findings by kind and status."""
    from audit.files.pdf import heading, labelled, new_pdf, table

    title = period_title(report.month)
    pdf = new_pdf(f"Báo cáo giám sát Bộ phận Một cửa {title}")
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 7, f"BÁO CÁO KẾT QUẢ GIÁM SÁT BỘ PHẬN MỘT CỬA\n{title.upper()}", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    labelled(pdf, "Phạm vi", report.unit_code or "Toàn tỉnh")
    labelled(pdf, "Lập lúc", report.generated_at.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M"))
    labelled(pdf, "Tổng hợp", report.scores.summary_vi)
    if report.scores_note:
        labelled(pdf, "Điểm", report.scores_note)
    labelled(pdf, "Lựa chọn của đơn vị", report.choices)
    heading(pdf, "1. Xếp hạng đơn vị")
    rows = [[str(u["rank"]) if pd.notna(u["rank"]) else "–", u["unit_name"], str(u["officials"]),
             _vi(u["score"]), u["class_vi"] or "Chưa đủ dữ liệu", _vi(u["staffed_rate_pct"], 1),
             str(u["findings_confirmed"])] for _, u in report.units.iterrows()]
    table(pdf, ["Hạng", "Đơn vị", "Số CB", "Điểm", "Xếp loại", "Tỷ lệ có mặt (%)", "Vi phạm đã xác nhận"], rows,
          [8, 40, 9, 11, 30, 14, 14], align=["C", "L", "C", "R", "L", "R", "C"])
    heading(pdf, "2. Cán bộ, công chức")
    rows = [[o["staff_code"], o["full_name"], o["unit_code"], _vi(o["discipline_raw"]), _vi(o["general_points"]),
             _vi(o["task_points"]), _vi(o["total"]), o["class_vi"] or "Chưa đủ dữ liệu"]
            for _, o in report.officials.iterrows()]
    table(pdf, ["Mã", "Họ và tên", "Đơn vị", "Điểm chấp hành kỷ luật, kỷ cương (100)", "Chung (30)", "Nhiệm vụ (70)",
                "Tổng", "Xếp loại"],
          rows, [12, 28, 20, 12, 11, 12, 10, 28], align=["L", "L", "L", "R", "R", "R", "R", "L"], font_size=8)
    heading(pdf, "3. Phát hiện từ camera theo loại và trạng thái")
    counts = (report.findings.groupby(["kind_vi", "status_vi"]).size().unstack(fill_value=0)
              if len(report.findings) else pd.DataFrame())
    statuses = list(STATUS_VI.values())
    rows = [[kind] + [str(int(counts.loc[kind].get(s, 0))) for s in statuses] for kind in counts.index]
    table(pdf, ["Loại", *statuses], rows or [["Không có phát hiện"] + ["0"] * len(statuses)], [34, 16, 16, 16, 16],
          align=["L", "C", "C", "C", "C"])
    pdf.set_font("DejaVu", "", 8)
    pdf.ln(2)
    pdf.multi_cell(0, 4, "Thời gian camera không quan sát được (mất hình, tối, đóng băng, lệch góc) không tính là vắng "
                         "mặt và được loại khỏi mọi tỷ lệ. Phát hiện từ camera chỉ bị trừ điểm khi đã được người có "
                         "thẩm quyền xác nhận sau giải trình của cán bộ.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def _findings(session: Session, first: date, last: date, unit_ids, reader: Role | None) -> pd.DataFrame:
    query = (select(Finding, Unit.code, Desk.code, Staff.code, Staff.full_name)
             .join(Unit, Finding.unit_id == Unit.id).outerjoin(Desk, Finding.desk_id == Desk.id)
             .outerjoin(Staff, Finding.staff_id == Staff.id)
             .where(Finding.day >= first, Finding.day <= last).order_by(Finding.day, Finding.starts_at, Finding.id))
    if unit_ids is not None:
        query = query.where(Finding.unit_id.in_(unit_ids))
    rows = []
    for f, unit, desk, staff, name in session.execute(query):
        hidden = reader is not None and withholds(reader, f.status, f.staff_id)
        if hidden:
            staff = name = None
        rows.append({
            "id": f.id, "day": f.day.isoformat(), "unit_code": unit, "desk_code": desk, "staff_code": staff,
            "full_name": name, "staff_withheld": hidden,
            "kind": f.kind.value, "kind_vi": KIND_VI[f.kind.value], "status": f.status.value,
            "status_vi": STATUS_VI[f.status.value], "minutes": f.minutes,
            "starts_at": _local(f.starts_at), "ends_at": _local(f.ends_at),
            "proposed_deduction": float(f.proposed_deduction) if f.proposed_deduction is not None else None,
            "checklist_item": f.checklist_item_number, "summary": f.summary,
            "decided_at": _local(f.decided_at), "decision_reason": f.decision_reason,
            "evidence": len(f.evidence), "explanations": len(f.explanations)})
    return pd.DataFrame(rows, columns=["id", "day", "unit_code", "desk_code", "staff_code", "full_name",
                                       "staff_withheld", "kind",
                                       "kind_vi", "status", "status_vi", "minutes", "starts_at", "ends_at",
                                       "proposed_deduction", "checklist_item", "summary", "decided_at",
                                       "decision_reason", "evidence", "explanations"])


def _desks(session: Session, facts: pd.DataFrame, found: pd.DataFrame, unit_ids) -> pd.DataFrame:
    query = select(Desk, Unit.code).join(Unit, Desk.unit_id == Unit.id).where(Desk.active.is_(True)).order_by(
        Unit.code, Desk.code)
    if unit_ids is not None:
        query = query.where(Desk.unit_id.in_(unit_ids))
    rows = []
    for desk, unit in session.execute(query):
        mine = facts[facts["desk_id"] == desk.id] if len(facts) else facts
        scheduled, present, absent, unknown = (float(mine[c].sum()) if len(mine) else 0.0
                                               for c in ("scheduled", "present", "absent", "unknown"))
        observed = present + absent
        queue_time = float((mine["present"] + mine["absent"]).sum()) if len(mine) else 0.0
        kinds = found[found["desk_code"] == desk.code]["kind"].value_counts() if len(found) else pd.Series(dtype=int)
        rows.append({
            "unit_code": unit, "desk_code": desk.code, "desk_name": desk.name, "field": desk.field,
            "days_scheduled": int((mine["scheduled"] > 0).sum()) if len(mine) else 0,
            "scheduled_hours": round(scheduled / 60, 2), "present_hours": round(present / 60, 2),
            "absent_hours": round(absent / 60, 2), "unknown_hours": round(unknown / 60, 2),
            "staffed_rate_pct": round(100 * present / observed, 1) if observed else None,
            "camera_coverage_pct": round(100 * observed / scheduled, 1) if scheduled else None,
            "queue_max": int(mine["queue_max"].max()) if len(mine) and mine["queue_max"].notna().any() else None,
            "queue_mean": round(float(mine["queue_area"].sum()) / (queue_time * 60e6), 2) if queue_time else None,
            **{f"findings_{k}": int(kinds.get(k, 0)) for k in KIND_VI},
        })
    return pd.DataFrame(rows)


def _officials(session: Session, scores: MonthScores, minutes: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    ids = dict(session.execute(select(Staff.code, Staff.id)).all())
    rows = []
    for o in scores.officials:
        mine = minutes[minutes["staff_id"] == ids.get(o.code)] if len(minutes) else minutes
        present, absent = (float(mine[c].sum()) if len(mine) else 0.0 for c in ("present", "absent"))
        theirs = found[found["staff_code"] == o.code] if len(found) else found
        rows.append({
            "staff_code": o.code, "full_name": o.name, "unit_code": o.unit_code, "desk_code": o.desk_code,
            "scheduled_hours": round(float(mine["scheduled"].sum()) / 60, 2) if len(mine) else 0.0,
            "present_hours": round(present / 60, 2), "absent_hours": round(absent / 60, 2),
            "unknown_hours": round(float(mine["unknown"].sum()) / 60, 2) if len(mine) else 0.0,
            "excused_hours": round(float(mine["excused"].sum()) / 60, 2) if len(mine) else 0.0,
            "staffed_rate_pct": round(100 * present / (present + absent), 1) if present + absent else None,
            "findings": len(theirs),
            "findings_confirmed": int((theirs["status"] == "confirmed").sum()) if len(theirs) else 0,
            "discipline_raw": float(o.raw), "general_points": float(o.general),
            "task_points": float(o.task) if o.task is not None else None,
            "total": float(o.total) if o.total is not None else None,
            "class": o.classification.value if o.classification else None,
            "class_vi": CLASS_LABELS_VI.get(o.classification) if o.classification else None,
            "emulation_eligible": o.eligible, "reprimanded": o.reprimanded,
            "coverage_observed_pct": _pct(o.coverage.observed_share) if o.coverage else None,
            "coverage_worked_pct": _pct(o.coverage.worked_share) if o.coverage else None,
            "deductions": "; ".join(f"-{format_vi(d.points)}: {d.reason}" for d in o.deductions if d.points),
            "notes": "; ".join(o.notes),
        })
    return pd.DataFrame(rows)


def _units(scores: MonthScores, desks: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for u in scores.units:
        mine = desks[desks["unit_code"] == u.code] if len(desks) else desks
        present = float(mine["present_hours"].sum()) if len(mine) else 0.0
        observed = present + (float(mine["absent_hours"].sum()) if len(mine) else 0.0)
        theirs = found[found["unit_code"] == u.code] if len(found) else found
        rows.append({
            "rank": u.rank, "unit_code": u.code, "unit_name": u.name, "officials": u.officials, "scored": u.scored,
            "mean_total": float(u.mean) if u.mean is not None else None,
            "unit_deductions": float(u.deduction_points), "score": float(u.score) if u.score is not None else None,
            "class": u.classification.value if u.classification else None,
            "class_vi": CLASS_LABELS_VI.get(u.classification) if u.classification else None,
            "desks": len(mine), "staffed_rate_pct": round(100 * present / observed, 1) if observed else None,
            "findings": len(theirs),
            "findings_confirmed": int((theirs["status"] == "confirmed").sum()) if len(theirs) else 0,
            "camera_gaps": int((theirs["kind"] == "camera_gap").sum()) if len(theirs) else 0,
        })
    return pd.DataFrame(rows)


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def _local(at: datetime | None) -> str | None:
    return at.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M") if at is not None else None


def _vi(value, places: int = 2) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    from decimal import Decimal

    return format_vi(Decimal(str(value)), places)
