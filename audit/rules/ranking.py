"""Unit scores and ranking for a month. Pure: the deductions come in as lines.

A unit's score is the mean total of its scored officials minus the unit-scope checklist deductions
of the month's FINAL inspections (floor 0, 2 places), classified with the officials' thresholds.
Units without a scored official are listed but not ranked. Equal scores share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import NamedTuple

from audit.rules.scoring import classify, q2
from models.enums import Classification


class DeductionLine(NamedTuple):
    """One deduction: points, Vietnamese reason, and its source (a finding or an inspection result)."""

    points: Decimal
    reason: str
    finding_id: int | None = None
    inspection_result_id: int | None = None


@dataclass(frozen=True)
class UnitInput:
    """What a unit's score is made of."""

    code: str
    name: str
    officials: int  # active officials in the unit
    totals: tuple[Decimal, ...]  # totals of the officials that have one
    deductions: tuple[DeductionLine, ...] = ()


@dataclass(frozen=True)
class UnitRank:
    """A unit's line in the ranking table; ``rank`` is None for a unit with no scored official."""

    code: str
    name: str
    officials: int
    scored: int
    mean: Decimal | None
    deduction_points: Decimal
    score: Decimal | None
    classification: Classification | None
    rank: int | None
    deductions: tuple[DeductionLine, ...] = ()


def unit_score(totals: Sequence[Decimal], deduction_points: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """(mean of the officials' totals, mean minus unit deductions floored at 0), both 2 places."""
    if not totals:
        return None, None
    mean = q2(sum(totals, Decimal(0)) / len(totals))
    return mean, max(q2(mean - deduction_points), Decimal("0.00"))


def rank_units(units: Iterable[UnitInput]) -> list[UnitRank]:
    """Score, classify and rank units: best first, then unranked units, ties by code."""
    scored: list[UnitRank] = []
    for unit in units:
        points = q2(sum((line.points for line in unit.deductions), Decimal(0)))
        mean, score = unit_score(unit.totals, points)
        scored.append(UnitRank(unit.code, unit.name, unit.officials, len(unit.totals), mean, points, score,
                               classify(score), None, tuple(unit.deductions)))
    ranked = sorted(((u.score, u) for u in scored if u.score is not None), key=lambda pair: (-pair[0], pair[1].code))
    result: list[UnitRank] = []
    previous: Decimal | None = None
    rank = 0
    for position, (score, ranked_unit) in enumerate(ranked, start=1):
        if score != previous:
            rank, previous = position, score
        result.append(replace(ranked_unit, rank=rank))
    return result + sorted((u for u in scored if u.score is None), key=lambda u: u.code)
