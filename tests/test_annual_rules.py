"""The annual classification (Decree 335/2025): worked-weighted means, sanctions, categories, the 20 % cap as a
proposal per sending agency and per task group, the desk-discipline index (pure)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from audit.rules.annual import (
    ELIGIBLE_VI,
    NO_PERIOD_VI,
    NOT_ELIGIBLE_VI,
    CapPool,
    Official,
    PeriodResult,
    cap_proposals,
    classify_year,
    excellent_limit,
    over_cap_summary,
    unit_indexes,
)
from models.enums import Classification as C
from models.enums import StaffCategory

pytestmark = pytest.mark.pure

HOURS = 60.0


def period(month: str, total: str | None, worked_hours: float = 176, *, discipline: str = "100",
           observed_hours: float | None = None, scheduled_hours: float | None = None) -> PeriodResult:
    worked = worked_hours * HOURS
    scheduled = (scheduled_hours if scheduled_hours is not None else worked_hours) * HOURS
    observed = (observed_hours if observed_hours is not None else worked_hours) * HOURS
    return PeriodResult(month, None if total is None else D(total), D(discipline), scheduled, worked, observed)


def official(code: str, *periods: PeriodResult, agency: str = "SO-TP", group: str | None = None,
             category: StaffCategory = StaffCategory.CONG_CHUC, sanctions: tuple[str, ...] = (),
             unit: str = "U1") -> Official:
    return Official(code, code, unit, category, agency, group, periods, sanctions)


def test_the_year_is_the_mean_of_its_periods_weighted_by_time_worked():
    # 2 months of 176 h at 95 and one month of 44 h (back from leave) at 60: not the plain mean 83.33
    result = classify_year(official("A", period("2026-01", "95"), period("2026-02", "95"),
                                    period("2026-03", "60", 44, scheduled_hours=176)))
    assert result.score == D("91.11")  # (95 × 352 + 60 × 44) / 396
    assert (result.classification, result.periods_evaluated, result.reason) == (C.EXCELLENT, 3, None)
    assert result.eligibility == ELIGIBLE_VI
    assert result.coverage.scheduled == 3 * 176 * HOURS and result.coverage.worked == 396 * HOURS


def test_periods_without_enough_data_are_left_out_and_none_means_no_class():
    thin = classify_year(official("A", period("2026-01", "72"), period("2026-02", None, 10)))
    assert (thin.score, thin.classification, thin.periods_evaluated) == (D("72.00"), C.GOOD, 1)
    assert len(thin.official.periods) == 2
    none = classify_year(official("B", period("2026-01", None), period("2026-02", None)))
    assert (none.score, none.classification, none.reason, none.eligibility) == (None, None, NO_PERIOD_VI, None)


def test_a_public_duty_sanction_forces_not_completed_whatever_the_points():
    result = classify_year(official("A", period("2026-01", "99"), sanctions=("Bị kỷ luật khiển trách ...",)))
    assert result.classification is C.NOT_COMPLETED and result.score == D("99.00")
    assert result.reason == "Bị kỷ luật khiển trách ..." and result.eligibility == NOT_ELIGIBLE_VI


@pytest.mark.parametrize("category", [c for c in StaffCategory if c is not StaffCategory.CONG_CHUC])
def test_only_cong_chuc_are_classified(category):
    result = classify_year(official("A", period("2026-01", "99"), category=category,
                                    sanctions=("Bị kỷ luật khiển trách ...",)))
    assert result.classification is None and result.score == D("99.00")
    assert "không xếp loại theo Nghị định 335/2025/NĐ-CP" in result.reason


def test_plain_mean_when_a_period_has_no_coverage_recorded():
    old = PeriodResult("2026-01", D("80"), D("100"), None, None, None)
    result = classify_year(official("A", old, period("2026-02", "90", 10)))
    assert result.score == D("85.00")


@pytest.mark.parametrize("rated, limit", [(0, 0), (4, 0), (5, 1), (9, 1), (10, 2), (11, 2), (15, 3)])
def test_excellent_limit_is_floor_of_20_percent(rated, limit):
    assert excellent_limit(rated) == limit


def _pool(n_good: int, excellent: list[str], **kw) -> list:
    people = [official(f"E{i}", period("2026-01", t), **kw) for i, t in enumerate(excellent)]
    people += [official(f"G{i}", period("2026-01", "80"), **kw) for i in range(n_good)]
    return [classify_year(p) for p in people]


def test_over_the_cap_every_excellent_is_listed_and_nobody_is_demoted():
    results = cap_proposals(_pool(5, ["95", "91", "91"]), CapPool.GOOD)  # 5 good → 1 excellent allowed
    excellent = [r for r in results if r.classification is C.EXCELLENT]
    assert len(excellent) == 3  # the points decide the level; a person decides who is over
    assert all(len(r.over_cap) == 1 for r in excellent) and not any(r.over_cap for r in results[3:])
    line = excellent[0].over_cap[0]
    assert line == ("Vượt giới hạn 20 % số công chức xếp loại Hoàn thành tốt nhiệm vụ (cơ quan quản lý SO-TP): 3 "
                    "người đạt mức Hoàn thành xuất sắc, tối đa 1 (cơ sở tính: 5 người); cần người có thẩm quyền "
                    "xem xét, quyết định 2 người xếp loại Hoàn thành tốt nhiệm vụ")
    assert over_cap_summary(results) == [line]


def test_no_tie_break_by_code_or_order():
    forward = cap_proposals(_pool(5, ["91", "91"]), CapPool.GOOD)
    backward = cap_proposals(list(reversed(_pool(5, ["91", "91"]))), CapPool.GOOD)
    flagged = {r.official.code for r in forward if r.over_cap}
    assert flagged == {r.official.code for r in backward if r.over_cap} == {"E0", "E1"}


def test_the_pool_setting_changes_the_base():
    results = _pool(8, ["95", "93"])  # 8 good + 2 excellent
    assert not any(r.over_cap for r in cap_proposals(results, CapPool.GOOD_OR_BETTER))  # 10 → 2 allowed
    assert sum(1 for r in cap_proposals(results, CapPool.GOOD) if r.over_cap) == 2  # 8 → 1 allowed


def test_the_cap_counts_per_agency_and_per_group():
    # Within each agency, 1 excellent among 5 good is allowed; the group spans both and allows 0 of 4 good.
    a = _pool(5, ["95"], agency="SO-TP")
    b = _pool(5, ["95"], agency="BUU-DIEN")
    results = cap_proposals(a + b, CapPool.GOOD)
    assert not any(r.over_cap for r in results)
    grouped = [classify_year(official("X1", period("2026-01", "95"), agency="SO-TP", group="tiep-nhan")),
               *[classify_year(official(f"X{i}", period("2026-01", "80"), agency="SO-TP", group="tiep-nhan"))
                 for i in range(2, 6)],
               *[classify_year(official(f"Y{i}", period("2026-01", "80"), agency="SO-TP")) for i in range(5)]]
    proposals = cap_proposals(grouped, CapPool.GOOD, {"tiep-nhan": "Tiếp nhận hồ sơ"})
    [over] = [r for r in proposals if r.over_cap]
    assert over.official.code == "X1" and "(nhóm Tiếp nhận hồ sơ)" in over.over_cap[0]  # agency has 9 good: 1 ok


def test_people_outside_cong_chuc_are_not_in_any_pool():
    people = [classify_year(official("V", period("2026-01", "99"), category=StaffCategory.VIEN_CHUC))]
    people += _pool(0, ["95"])
    results = cap_proposals(people, CapPool.GOOD)
    assert results[0].over_cap == () and results[1].over_cap  # the công chức is over: 0 good → 0 allowed


def test_the_unit_index_is_the_discipline_mean_and_carries_no_class():
    results = [classify_year(official("A", period("2026-01", "80", discipline="90"))),
               classify_year(official("B", period("2026-01", None, discipline="70"))),
               classify_year(official("C", period("2026-01", "80", discipline="100"), unit="U2"))]
    indexes = {u.unit_code: u for u in unit_indexes(results)}
    assert (indexes["U1"].index, indexes["U1"].officials, indexes["U2"].index) == (D("80.00"), 2, D("100.00"))
    assert not hasattr(indexes["U1"], "classification")
