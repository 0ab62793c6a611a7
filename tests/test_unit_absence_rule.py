"""The unit-wide absence rule, table-driven: how many empty desks of how many observed make a unit notice."""

from __future__ import annotations

import pytest

from audit.rules.findings import UnitAbsenceRule

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(("rule", "empty", "observed", "holds"), [
    (UnitAbsenceRule(), 3, 3, True),
    (UnitAbsenceRule(), 3, 4, True),  # 0.75 exactly
    (UnitAbsenceRule(), 2, 3, False),
    (UnitAbsenceRule(), 1, 1, False),  # one desk cannot tell a day off from one person's absence
    (UnitAbsenceRule(share=0.6), 2, 3, True),
    (UnitAbsenceRule(min_desks=4), 3, 3, False),
    (UnitAbsenceRule(min_desks=1), 1, 1, True),
    (UnitAbsenceRule(), 0, 0, False),
])
def test_holds(rule, empty, observed, holds):
    assert rule.holds(empty, observed) is holds
