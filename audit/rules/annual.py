"""The annual classification of Decree 335/2025 from the year's monitoring results, pure and in Decimal.

Rules (docs/SCORING.md §7):

- the year's score is the mean of the evaluated periods' totals weighted by the time worked in each
  (Art. 21: an official absent for a legitimate reason is classified on the time actually worked; a
  transferred official's periods are averaged wherever they were held);
- a period "chưa đủ dữ liệu" (no total) is left out; with no evaluated period there is no class;
- a sanction of reprimand or above for a violation related to public duty decided in the year forces
  "Không hoàn thành nhiệm vụ";
- only công chức are classified; everyone else keeps the monitoring record;
- the 20 % cap is counted per sending agency and per group with similar tasks, and it is a
  proposal: when a pool has too many "xuất sắc", every one of them is listed for a person to decide; nobody
  is demoted here and nobody is ranked by code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from audit.rules.scoring import (
    CLASS_LABELS_VI,
    CLASSIFIED,
    EXCELLENT_SHARE,
    GOOD_OR_BETTER,
    Coverage,
    classify,
    not_classified_note,
    q2,
)
from models.enums import Classification, StaffCategory

ELIGIBLE_VI = "đủ mức xếp loại để xét danh hiệu"  # a minimum: "Hoàn thành tốt" is necessary, not sufficient
NOT_ELIGIBLE_VI = "chưa đủ mức xếp loại để xét danh hiệu"
NO_PERIOD_VI = "Chưa đủ dữ liệu: không có kỳ theo dõi nào trong năm đủ dữ liệu để tính điểm"
DISCIPLINE_INDEX_VI = "Chỉ số chấp hành kỷ luật, kỷ cương tại quầy"


class CapPool(StrEnum):
    """What the 20 % is taken of; the text is read both ways, so the site chooses and the report prints it."""

    GOOD = "good"  # those rated "Hoàn thành tốt nhiệm vụ"
    GOOD_OR_BETTER = "good_or_better"  # those rated "Hoàn thành tốt" or "Hoàn thành xuất sắc"


CAP_POOL_VI = {
    CapPool.GOOD: "20 % số công chức xếp loại Hoàn thành tốt nhiệm vụ",
    CapPool.GOOD_OR_BETTER: "20 % số công chức xếp loại từ Hoàn thành tốt nhiệm vụ trở lên",
}


@dataclass(frozen=True)
class PeriodResult:
    """One stored monitoring result (a month or a quarter) as the year sees it; minutes of desk time."""

    period: str
    total: Decimal | None  # None: "chưa đủ dữ liệu" or no task statistics
    discipline: Decimal  # 100 − confirmed deductions
    scheduled: float | None  # None: stored before coverage was recorded
    worked: float | None
    observed: float | None


@dataclass(frozen=True)
class Official:
    """An official's year: who they are, the pools the cap counts them in, their periods and sanctions."""

    code: str
    name: str
    unit_code: str
    category: StaffCategory
    agency: str  # the sending agency's code, or the unit's own when the unit employs them
    group: str | None  # the configured group with similar tasks, if any
    periods: tuple[PeriodResult, ...]
    sanctions: tuple[str, ...] = ()  # Vietnamese notes of public-duty sanctions decided in the year


@dataclass(frozen=True)
class AnnualResult:
    """An official's annual class (or why there is none), with the cap pools they are over, if any."""

    official: Official
    periods_evaluated: int
    score: Decimal | None
    discipline: Decimal | None  # the year's desk-discipline mean, worked-weighted like the score
    classification: Classification | None
    reason: str | None  # why the class is what it is when it is not the points alone (or why there is none)
    coverage: Coverage
    over_cap: tuple[str, ...] = ()  # Vietnamese lines: which pool is over its limit, for a person to decide

    @property
    def label(self) -> str | None:
        return CLASS_LABELS_VI[self.classification] if self.classification else None

    @property
    def eligibility(self) -> str | None:
        """The emulation minimum, as a label; None when unclassified."""
        if self.classification is None:
            return None
        return ELIGIBLE_VI if self.classification in GOOD_OR_BETTER else NOT_ELIGIBLE_VI


def _weighted(values: Sequence[tuple[Decimal, float | None]]) -> Decimal | None:
    """Mean of values weighted by minutes worked; a plain mean when any weight is unknown or all are 0."""
    if not values:
        return None
    weights = [w for _, w in values]
    if any(w is None for w in weights) or sum(w for w in weights if w) <= 0:
        return q2(sum((Fraction(v) for v, _ in values), Fraction(0)) / len(values))
    total = sum((Fraction(v) * Fraction(w or 0) for v, w in values), Fraction(0))
    return q2(total / sum(Fraction(w or 0) for w in weights))


def year_coverage(periods: Sequence[PeriodResult]) -> Coverage:
    """The year's desk time over the periods with coverage recorded (minutes)."""
    known = [p for p in periods if p.scheduled is not None]
    scheduled = round(sum(p.scheduled or 0 for p in known), 1)
    worked = round(sum(p.worked or 0 for p in known), 1)
    return Coverage(scheduled, round(scheduled - worked, 1), round(sum(p.observed or 0 for p in known), 1))


def classify_year(official: Official) -> AnnualResult:
    """One official's annual result before the cap: the worked-weighted mean of evaluated periods, classed."""
    evaluated = [p for p in official.periods if p.total is not None]
    score = _weighted([(p.total, p.worked) for p in evaluated if p.total is not None])
    discipline = _weighted([(p.discipline, p.worked) for p in official.periods])
    coverage = year_coverage(official.periods)
    outside = not_classified_note(official.category)
    if outside is not None:
        return AnnualResult(official, len(evaluated), score, discipline, None, outside, coverage)
    if official.sanctions:
        return AnnualResult(official, len(evaluated), score, discipline, Classification.NOT_COMPLETED,
                            "; ".join(official.sanctions), coverage)
    if score is None:
        return AnnualResult(official, 0, None, discipline, None, NO_PERIOD_VI, coverage)
    return AnnualResult(official, len(evaluated), score, discipline, classify(score), None, coverage)


def excellent_limit(rated: int) -> int:
    """How many "xuất sắc" a pool of ``rated`` may have: floor(20 % × rated)."""
    return int(EXCELLENT_SHARE * rated)


def _pool_base(results: Sequence[AnnualResult], pool: CapPool) -> int:
    wanted = {Classification.GOOD} if pool is CapPool.GOOD else GOOD_OR_BETTER
    return sum(1 for r in results if r.classification in wanted)


def cap_proposals(results: Sequence[AnnualResult], pool: CapPool,
                  group_names: dict[str, str] | None = None) -> list[AnnualResult]:
    """The results with, for each "xuất sắc" in a pool over its limit, a line naming the pool and its figures.

    Pools are each sending agency and each configured group, among the classified công chức given. The
    class is left as the points give it: who is rated "Hoàn thành tốt" instead is for a person to decide.
    """
    group_names = group_names or {}
    pools: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, result in enumerate(results):
        if result.official.category not in CLASSIFIED:
            continue
        pools[("agency", result.official.agency)].append(index)
        if result.official.group:
            pools[("group", result.official.group)].append(index)
    lines: dict[int, list[str]] = defaultdict(list)
    for (kind, key), indexes in sorted(pools.items()):
        members = [results[i] for i in indexes]
        excellent = [i for i in indexes if results[i].classification is Classification.EXCELLENT]
        base = _pool_base(members, pool)
        limit = excellent_limit(base)
        if len(excellent) <= limit:
            continue
        where = f"cơ quan quản lý {key}" if kind == "agency" else f"nhóm {group_names.get(key, key)}"
        line = (f"Vượt giới hạn {CAP_POOL_VI[pool]} ({where}): {len(excellent)} người đạt mức Hoàn thành xuất sắc, "
                f"tối đa {limit} (cơ sở tính: {base} người); cần người có thẩm quyền xem xét, quyết định "
                f"{len(excellent) - limit} người xếp loại Hoàn thành tốt nhiệm vụ")
        for i in excellent:
            lines[i].append(line)
    return [AnnualResult(r.official, r.periods_evaluated, r.score, r.discipline, r.classification, r.reason,
                         r.coverage, tuple(lines.get(i, ()))) for i, r in enumerate(results)]


@dataclass(frozen=True)
class UnitIndex:
    """A unit's desk-discipline index for the year: the mean of its officials' discipline means (no class)."""

    unit_code: str
    officials: int
    index: Decimal | None


def unit_indexes(results: Sequence[AnnualResult]) -> list[UnitIndex]:
    by_unit: dict[str, list[Decimal]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for result in results:
        counts[result.official.unit_code] += 1
        if result.discipline is not None:
            by_unit[result.official.unit_code].append(result.discipline)
    return [UnitIndex(code, counts[code],
                      q2(sum(by_unit[code], Decimal(0)) / len(by_unit[code])) if by_unit[code] else None)
            for code in sorted(counts)]


def over_cap_summary(results: Sequence[AnnualResult]) -> list[str]:
    """Each distinct over-the-limit line once, in pool order: what a person must decide."""
    seen: dict[str, None] = {}
    for result in results:
        for line in result.over_cap:
            seen.setdefault(line, None)
    return list(seen)
