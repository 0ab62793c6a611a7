"""Score formulas of Decree 335/2025: boundaries, unit ranking, the summary line (pure; the cap: test_annual_rules)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from audit.rules.general import general_result
from audit.rules.ranking import DeductionLine, UnitInput, rank_units
from audit.rules.scoring import (
    BadMonth,
    classify,
    discipline_raw,
    emulation_eligible,
    format_en,
    format_vi,
    month_before,
    month_bounds,
    month_window,
    summary_line,
    total_points,
)
from models.enums import Classification as C

pytestmark = pytest.mark.pure  # the pure core: no database, no network, no model


@pytest.mark.parametrize("points, raw", [
    ([], "100.00"), ([D("2"), D("3.5")], "94.50"), ([D("0.5")] * 3, "98.50"),
    ([D(60), D(50)], "0.00"), ([D(100)], "0.00"), (["99.99"], "0.01"),
])
def test_discipline_raw_is_100_minus_deductions_floored_at_0(points, raw):
    assert discipline_raw(points) == D(raw)


@pytest.mark.parametrize("raw, general", [
    ("100", "30.00"), ("94.5", "28.35"), ("0", "0.00"), ("99.99", "30.00"),
    ("33.35", "10.01"),  # 10.005 rounds half up, not to even
])
def test_general_points_scale_raw_to_30(raw, general):
    assert general_result(D(raw)).points == D(general)


@pytest.mark.parametrize("total, reprimanded, cls", [
    ("100", False, C.EXCELLENT), ("90.00", False, C.EXCELLENT), ("89.99", False, C.GOOD),
    ("70.00", False, C.GOOD), ("69.99", False, C.COMPLETED), ("50.00", False, C.COMPLETED),
    ("49.99", False, C.NOT_COMPLETED), ("0.00", False, C.NOT_COMPLETED),
    ("99.50", True, C.NOT_COMPLETED),  # a sanction in the year overrides the points
    (None, False, None), (None, True, C.NOT_COMPLETED),
])
def test_classify_at_the_boundaries(total, reprimanded, cls):
    assert classify(None if total is None else D(total), reprimanded) is cls


def test_total_and_eligibility():
    assert total_points(D("28.50"), D("61.49")) == D("89.99")
    assert total_points(D("30.00"), None) is None
    assert [emulation_eligible(c) for c in (C.EXCELLENT, C.GOOD, C.COMPLETED, C.NOT_COMPLETED, None)] == [
        True, True, False, False, None]


@pytest.mark.parametrize("number, vi, en", [
    (D("84.92"), "84,92", "84.92"), (D("0"), "0,00", "0.00"), (D("2.345"), "2,35", "2.35"),
    (D("1234.5"), "1.234,50", "1,234.50"), (D("100"), "100,00", "100.00"), (D("-3.5"), "-3,50", "-3.50"),
])
def test_number_formats(number, vi, en):
    assert format_vi(number) == vi and format_en(number) == en


def test_summary_line_known_set():
    units = [(D("88.75"), C.GOOD), (D("75.83"), C.GOOD), (D("90.20"), C.EXCELLENT), (D("64.52"), C.COMPLETED)]
    # mean 319.30 / 4 = 79.825 → 79.83 (half up; half-to-even would give 79.82)
    assert summary_line(units) == "3/4 đơn vị xếp loại tốt, bình quân 79,83 điểm, cao nhất 90,20, thấp nhất 64,52"
    assert summary_line(units, lang="en") == (
        "3/4 units rated good or better, mean 79.83 points, highest 90.20, lowest 64.52")
    assert summary_line([]) == "Chưa có đơn vị nào được xếp hạng"
    with pytest.raises(ValueError, match="'fr'"):
        summary_line(units, lang="fr")


def test_rank_units_ties_share_a_rank_and_unscored_units_are_listed_last():
    units = [
        UnitInput("B", "Bê", 3, (D("80.00"), D("90.00"), D("85.00"))),
        UnitInput("A", "A", 2, (D("90.00"), D("81.00")), (DeductionLine(D("0.50"), "x", None, 1),)),
        UnitInput("Z", "Zét", 0, ()),
        UnitInput("C", "Xê", 1, (D("70.00"),), (DeductionLine(D("2"), "y", None, 2), DeductionLine(D("80"), "z"))),
        UnitInput("D", "Đê", 1, (D("85.00"),)),
    ]
    ranked = rank_units(units)
    assert [(u.code, u.rank, u.score) for u in ranked] == [
        ("A", 1, D("85.00")), ("B", 1, D("85.00")), ("D", 1, D("85.00")), ("C", 4, D("0.00")), ("Z", None, None)]
    a = ranked[0]
    assert (a.mean, a.deduction_points, a.scored, a.classification) == (D("85.50"), D("0.50"), 2, C.GOOD)
    assert ranked[3].classification is C.NOT_COMPLETED  # floor 0
    assert ranked[4].mean is None and ranked[4].classification is None


@pytest.mark.parametrize("month, bounds", [
    ("2026-02", (date(2026, 2, 1), date(2026, 2, 28))), ("2028-02", (date(2028, 2, 1), date(2028, 2, 29))),
    ("2026-12", (date(2026, 12, 1), date(2026, 12, 31))),
])
def test_month_bounds(month, bounds):
    assert month_bounds(month) == bounds


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-3", "03/2026", "2026-03-01", "", " 2026-03",
                                   "٢٠٢٦-٠٣"])
def test_bad_month_names_the_value(month):
    with pytest.raises(BadMonth, match="expected YYYY-MM"):
        month_bounds(month)


HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize("month, window", [  # local midnights (UTC+7) as UTC instants, the end exclusive
    ("2026-03", (datetime(2026, 2, 28, 17, tzinfo=timezone.utc), datetime(2026, 3, 31, 17, tzinfo=timezone.utc))),
    ("2026-12", (datetime(2026, 11, 30, 17, tzinfo=timezone.utc), datetime(2026, 12, 31, 17, tzinfo=timezone.utc))),
    ("2028-02", (datetime(2028, 1, 31, 17, tzinfo=timezone.utc), datetime(2028, 2, 29, 17, tzinfo=timezone.utc))),
])
def test_month_window(month, window):
    assert month_window(month, HANOI) == window


def test_month_window_refuses_a_bad_month():
    with pytest.raises(BadMonth, match="'2026-13'"):
        month_window("2026-13", HANOI)


@pytest.mark.parametrize("day, month", [
    (date(2026, 4, 1), "2026-03"), (date(2026, 3, 31), "2026-02"), (date(2026, 1, 1), "2025-12"),
    (date(2026, 12, 31), "2026-11"),
])
def test_month_before(day, month):
    assert month_before(day) == month


def test_periods_are_months_or_quarters():
    from audit.rules.scoring import is_quarter, period_bounds, period_months, period_title

    assert period_bounds("2026-Q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert period_bounds("2024-Q4") == (date(2024, 10, 1), date(2024, 12, 31))
    assert period_bounds("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_months("2026-Q3") == ["2026-07", "2026-08", "2026-09"] and period_months("2026-05") == ["2026-05"]
    assert (period_title("2026-Q2"), period_title("2026-03")) == ("quý II/2026", "tháng 03/2026")
    assert is_quarter("2026-Q4") and not is_quarter("2026-04") and not is_quarter("2026-Q5")
    for bad in ("2026-Q5", "2026-Q0", "2026-q1", "2026-13"):
        with pytest.raises(BadMonth, match=r"expected YYYY-MM .* or YYYY-Qn"):
            period_bounds(bad)
