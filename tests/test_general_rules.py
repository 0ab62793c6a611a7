"""The general criterion (30): the discipline proposal plus the parts a manager enters (pure)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from audit.rules.general import GeneralWeights, ManagerParts, general_note, general_result, parts_problem, weights_text

pytestmark = pytest.mark.pure
SPLIT = GeneralWeights(D(10), D(8), D(7), D(5))


def test_the_default_gives_all_30_to_discipline_and_needs_no_input():
    result = general_result(D("95"))
    assert (result.discipline, result.points, result.complete) == (D("28.50"), D("28.50"), True)
    assert general_note(result, GeneralWeights()) is None


def test_with_a_split_the_missing_parts_leave_no_total_and_say_so():
    result = general_result(D("95"), SPLIT, ManagerParts(ethics=D(8)))
    assert (result.discipline, result.points, result.missing) == (D("9.50"), D("17.50"), ("capacity", "innovation"))
    note = general_note(result, SPLIT)
    assert note.startswith("Tiêu chí chung: phần kỷ luật, kỷ cương 9,50/10,00 là đề xuất; chờ người quản lý đánh giá")
    assert "Đổi mới, sáng tạo" in note and "chưa tính tổng điểm" in note


def test_with_every_part_entered_the_criterion_is_their_sum():
    result = general_result(D("80"), SPLIT, ManagerParts(D("7.5"), D(6), D(4)))
    assert (result.points, result.complete) == (D("25.50"), True)  # 8 + 7.5 + 6 + 4
    assert general_note(result, SPLIT).startswith("Tiêu chí chung 25,50: kỷ luật, kỷ cương 8,00/10,00")


def test_parts_must_fit_the_split():
    assert parts_problem(ManagerParts(ethics=D(9)), SPLIT) == ("ethics: 9 is outside 0..8 ([scoring.general] "
                                                               "ethics = 8)")
    assert "gives it no points" in parts_problem(ManagerParts(ethics=D(1)), GeneralWeights())
    assert parts_problem(ManagerParts(D(8), D(0), D(5)), SPLIT) is None
    with pytest.raises(ValueError, match="must add up to 30 points, got 10 \\+ 10 \\+ 10 \\+ 10"):
        GeneralWeights(D(10), D(10), D(10), D(10))
    assert weights_text(SPLIT).startswith(
        "Tiêu chí chung (30 điểm): văn hoá công vụ, chấp hành kỷ luật, kỷ cương 10,00")
