"""What the scores page draws: the unit bar chart, officials per unit, and links of each deduction to its source."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.ranking import DeductionLine, UnitRank
from audit.services.scores import MonthScores, OfficialScore
from models.checklists import InspectionResult
from models.enums import Classification

CHART_WIDTH, LABEL_WIDTH, BAR_HEIGHT, GAP = 640, 150, 22, 8
THRESHOLDS = (50, 70, 90)  # Decree 335/2025 class boundaries, drawn as guides


@dataclass(frozen=True)
class Bar:
    code: str
    name: str
    score: float
    y: int
    width: float
    css: str


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    plot_x: int
    plot_width: int
    guides: tuple[tuple[int, float], ...]  # (points, x)


def bar_chart(units: Sequence[UnitRank]) -> Chart:
    """Horizontal bars of the ranked units' scores on a 0–100 scale, best first."""
    plot_width = CHART_WIDTH - LABEL_WIDTH - 50
    bars = []
    for index, unit in enumerate(u for u in units if u.score is not None):
        score = float(unit.score)
        bars.append(Bar(unit.code, unit.name, score, GAP + index * (BAR_HEIGHT + GAP),
                        round(plot_width * max(0.0, min(score, 100.0)) / 100, 1), css_class(unit.classification)))
    height = GAP + len(bars) * (BAR_HEIGHT + GAP) + 18
    guides = tuple((p, round(LABEL_WIDTH + plot_width * p / 100, 1)) for p in THRESHOLDS)
    return Chart(tuple(bars), CHART_WIDTH, height, LABEL_WIDTH, plot_width, guides)


def css_class(classification: Classification | None) -> str:
    return f"class-{classification.value}" if classification else "class-none"


def officials_by_unit(scores: MonthScores) -> dict[str, list[OfficialScore]]:
    grouped: dict[str, list[OfficialScore]] = defaultdict(list)
    for official in scores.officials:
        grouped[official.unit_code].append(official)
    return grouped


def inspection_of_results(session: Session, lines: Sequence[DeductionLine]) -> dict[int, int]:
    """Inspection id of each inspection result a deduction came from."""
    ids = sorted({line.inspection_result_id for line in lines if line.inspection_result_id is not None})
    if not ids:
        return {}
    return dict(session.execute(select(InspectionResult.id, InspectionResult.inspection_id)
                                .where(InspectionResult.id.in_(ids))).all())
