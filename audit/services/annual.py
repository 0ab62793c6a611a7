"""The annual classification (Decree 335/2025, Art. 21) from the stored monitoring results of a year.

Read-only: it reads the stored monthly scores, the sanctions and the site's ``[scoring]`` choices, and never
writes a score. An official appears once, in the unit they belong to now, with every period of the year
wherever it was held (a transferred official's periods are averaged).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.annual import (
    AnnualResult,
    Official,
    PeriodResult,
    UnitIndex,
    cap_proposals,
    classify_year,
    over_cap_summary,
    unit_indexes,
)
from audit.services.daily_facts import scope_units
from audit.services.scores import sanction_notes
from audit.services.scoring_settings import ScoringChoices, scoring_choices
from models.org import Agency, Staff
from models.scoring import Score


class BadYear(ValueError):
    """A year that is not a four-digit number."""


def parse_year(text: str | int) -> int:
    """``text`` as an evaluation year.

    Raises:
        BadYear: not a year between 1900 and 9999.
    """
    try:
        year = int(str(text).strip()) if str(text).strip().isascii() else None
    except ValueError:
        year = None
    if year is None or not 1900 <= year <= 9999:
        raise BadYear(f"year {text!r}: expected YYYY, e.g. 2026")
    return year


@dataclass(frozen=True)
class YearScores:
    """A year's annual results of the scope, the units' desk-discipline indexes and the choices applied."""

    year: int
    unit_code: str | None
    officials: tuple[AnnualResult, ...]
    units: tuple[UnitIndex, ...]
    choices: ScoringChoices

    @property
    def over_cap(self) -> list[str]:
        return over_cap_summary(self.officials)

    @property
    def empty_note(self) -> str | None:
        """What to say when the year has no stored results in the scope."""
        if self.officials:
            return None
        return (f"Chưa có kết quả theo dõi, đánh giá nào của năm {self.year} trong phạm vi này "
                f"(chạy deskaudit scores compute YYYY-MM cho từng tháng)")


def load_year(session: Session, year: int, unit_code: str | None = None) -> YearScores:
    """The annual results of ``year`` for the officials of the scope who have a stored result in it.

    Raises:
        LookupError: no unit has the code ``unit_code``.
    """
    units = scope_units(session, unit_code)
    unit_codes = {u.id: u.code for u in units}
    choices = scoring_choices(session)
    staff = list(session.execute(
        select(Staff.id, Staff.code, Staff.full_name, Staff.unit_id, Staff.category, Agency.code.label("agency"))
        .outerjoin(Agency, Staff.agency_id == Agency.id).where(Staff.unit_id.in_(list(unit_codes)))))
    periods: dict[int, list[PeriodResult]] = defaultdict(list)
    for row in session.execute(
            select(Score.staff_id, Score.month, Score.total, Score.discipline_raw, Score.scheduled_minutes,
                   Score.excused_minutes, Score.observed_minutes)
            .where(Score.staff_id.in_([s.id for s in staff]), Score.month.like(f"{year:04d}-%"))
            .order_by(Score.month)):  # months (YYYY-MM) or quarters (YYYY-Qn), as the site monitors
        scheduled = None if row.scheduled_minutes is None else float(row.scheduled_minutes)
        worked = None if scheduled is None else max(0.0, scheduled - float(row.excused_minutes or 0))
        periods[row.staff_id].append(PeriodResult(
            row.month, None if row.total is None else Decimal(row.total), Decimal(row.discipline_raw), scheduled,
            worked, None if row.observed_minutes is None else float(row.observed_minutes)))
    people = [s for s in staff if periods.get(s.id)]
    sanctions = sanction_notes(session, {s.id for s in people}, date(year, 1, 1), date(year, 12, 31)) if people else {}
    officials = [Official(s.code, s.full_name, unit_codes[s.unit_id], s.category, s.agency or unit_codes[s.unit_id],
                          choices.group_of.get(s.code), tuple(periods[s.id]), tuple(sanctions.get(s.id, ())))
                 for s in sorted(people, key=lambda s: (unit_codes[s.unit_id], s.code))]
    results = cap_proposals([classify_year(o) for o in officials], choices.pool, choices.group_names)
    return YearScores(year, unit_code, tuple(results), tuple(unit_indexes(results)), choices)
