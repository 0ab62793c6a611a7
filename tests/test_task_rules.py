"""Task results as Art. 14 of Decree 335/2025 computes them: quantity, quality, progress (pure)."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction

import pytest

from audit.rules.tasks import RECEPTION, TaskRow, TaskWeights, task_points, task_result, weights_text

pytestmark = pytest.mark.pure


@pytest.mark.parametrize("rows, points", [
    ([], None),  # no statistics: no task points, no total
    ([TaskRow(0, 0, not_yet_due=4)], D("70.00")),  # nothing due yet: nothing late or failed
    ([TaskRow(10, 0)], D("70.00")),
    ([TaskRow(5, 0, early=5)], D("70.00")),  # early is on time
    ([TaskRow(8, 2, not_yet_due=5)], D("69.00")),  # progress 20 × (10 − 2 × ¼) / 10 = 19
    ([TaskRow(0, 4)], D("65.00")),  # every one late: only progress suffers, 20 × ¾
    ([TaskRow(6, 4)], D("68.00")),  # 4 resolved late
    ([TaskRow(6, 0, pending_overdue=4)], D("42.00")),  # 4 unresolved overdue: not done, no points (18 + 12 + 12)
    ([TaskRow(10, 0, failed=2)], D("69.00")),  # quality 20 × (10 − 2 × ¼) / 10
    ([TaskRow(10, 3, share=Fraction(1, 2)), TaskRow(2, 1)], D("68.68")),  # a desk row's half + an own row
])
def test_task_points_with_the_default_weights(rows, points):
    assert task_points(rows) == points


def test_components_add_up_to_the_total_shown():
    result = task_result([TaskRow(5, 1, pending_overdue=4, failed=1)])
    assert (result.quantity, result.quality, result.progress) == (D("18.00"), D("11.50"), D("11.50"))
    assert result.total == result.quantity + result.quality + result.progress == D("41.00")
    made = result.products
    assert (made.assigned, made.completed, made.late, made.overdue) == (10, 6, 1, 4)


def test_objective_cause_exemptions_take_occurrences_off_never_below_zero():
    assert task_points([TaskRow(8, 2)], exempt_late=2) == D("70.00")
    assert task_points([TaskRow(8, 2)], exempt_late=1) == D("69.50")
    assert task_points([TaskRow(8, 2)], exempt_late=9) == D("70.00")
    assert task_points([TaskRow(10, 0, failed=2)], exempt_failed=2) == D("70.00")
    assert task_result([TaskRow(8, 2)], exempt_late=1).exempt_late == 1


def test_a_reception_official_is_judged_on_reception_not_on_processing_delays():
    received = TaskRow(on_time=0, late=6, pending_overdue=3, received=10, role=RECEPTION)
    assert task_points([received]) == D("70.00")  # the department's 6 late + 3 overdue are not theirs
    assert task_points([TaskRow(0, 6, received=10, role=RECEPTION, reception_late=2)]) == D("69.00")
    assert task_points([TaskRow(0, 0, received=10, role=RECEPTION, failed=4)]) == D("68.00")


def test_weights_are_the_sites_and_must_add_up_to_70():
    assert task_points([TaskRow(0, 4)], TaskWeights(D(20), D(20), D(30))) == D("62.50")
    for bad in ((D(30), D(30), D(30)), (D(-10), D(40), D(40))):
        with pytest.raises(ValueError, match="must add up to 70 points"):
            TaskWeights(*bad)
    assert "số lượng 30, chất lượng 20, tiến độ 20 điểm" in weights_text(TaskWeights())
    assert "số lượng 22,50" in weights_text(TaskWeights(D("22.5"), D("22.5"), D(25)))
