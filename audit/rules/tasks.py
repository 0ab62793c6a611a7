"""Task results (70 points) as Art. 14 of Decree 335/2025 computes them for a non-leader, pure and exact.

Each dossier due in the period is a product:

- **assigned** = resolved (early, on time, late) + unresolved overdue; dossiers still within their time limit
  are not due yet and count for nothing until they are;
- **quantity** = its points × completed / assigned: an unresolved overdue dossier is not completed;
- **progress** = its points × (completed − ¼ × late occurrences) / assigned: a product earns its progress points
  when completed, and each late occurrence loses 25 % of them ("mỗi lần"); an unresolved overdue dossier is
  overdue, not "resolved late": it earns neither quantity, quality nor progress points;
- **quality** = its points × (completed − ¼ × failed) / assigned: each failed product loses 25 % of its quality
  points, and a product not completed earns none;
- late and failed occurrences confirmed as due to an objective cause (with a reference) are exempt.

A **reception** row (the official receives dossiers that a processing department resolves) counts the received
dossiers as its products, all completed, and its lateness only from the reception's own late count: the
processing department's delay is not the receiving official's.

Weights are the site's choice (``[scoring.task_weights]``), in points that add up to 70. Each component is
rounded half-up to 2 places and the total is their sum, so the figures shown add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from audit.rules.scoring import TASK_MAX, format_vi, q2

PENALTY = Fraction(1, 4)  # 25 % of the product's points per late or failed occurrence
RECEPTION, PROCESSING = "reception", "processing"


@dataclass(frozen=True)
class TaskWeights:
    """Points of quantity, quality and progress; they add up to 70."""

    quantity: Decimal = Decimal(30)
    quality: Decimal = Decimal(20)
    progress: Decimal = Decimal(20)

    def __post_init__(self) -> None:
        parts = (self.quantity, self.quality, self.progress)
        if any(Decimal(p) < 0 for p in parts) or sum((Decimal(p) for p in parts), Decimal(0)) != TASK_MAX:
            got = " + ".join(f"{Decimal(p).normalize():f}" for p in parts)
            raise ValueError(f"[scoring.task_weights] quantity + quality + progress must add up to 70 points, got "
                             f"{got}")


@dataclass(frozen=True)
class TaskRow:
    """Dossier counts credited to one official: a personal row (share 1) or a desk row's share of it.

    ``late``: resolved after the time limit; ``pending_overdue``: still unresolved past it; ``not_yet_due``:
    unresolved within it. ``reception_late``: dossiers the reception itself handled late (a reception row).
    """

    on_time: int
    late: int
    not_yet_due: int = 0
    share: Fraction = Fraction(1)
    early: int = 0
    pending_overdue: int = 0
    failed: int = 0
    received: int = 0
    role: str = PROCESSING
    reception_late: int = 0


@dataclass(frozen=True)
class Products:
    """An official's products of a period (exact, shares applied)."""

    assigned: Fraction
    completed: Fraction
    late: Fraction  # completed after the time limit
    failed: Fraction
    overdue: Fraction = Fraction(0)  # still unresolved past the time limit


def products(rows: Sequence[TaskRow]) -> Products:
    assigned = completed = late = failed = overdue = Fraction(0)
    for row in rows:
        if row.role == RECEPTION:
            got = Fraction(row.received)
            assigned, completed = assigned + got * row.share, completed + got * row.share
            late += Fraction(row.reception_late) * row.share
        else:
            resolved = Fraction(row.early + row.on_time + row.late)
            assigned += (resolved + row.pending_overdue) * row.share
            completed += resolved * row.share
            late += Fraction(row.late) * row.share
            overdue += Fraction(row.pending_overdue) * row.share
        failed += Fraction(row.failed) * row.share
    return Products(assigned, completed, late, failed, overdue)


@dataclass(frozen=True)
class TaskResult:
    """The three components and their sum (of 70), with the products they were computed from."""

    quantity: Decimal
    quality: Decimal
    progress: Decimal
    products: Products
    exempt_late: Fraction = Fraction(0)
    exempt_failed: Fraction = Fraction(0)

    @property
    def total(self) -> Decimal:
        return q2(self.quantity + self.quality + self.progress)


def task_result(rows: Sequence[TaskRow], weights: TaskWeights = TaskWeights(), *, exempt_late: int = 0,
                exempt_failed: int = 0) -> TaskResult | None:
    """Task results of the rows, or ``None`` without any row (no statistics: no task points, no total).

    Exemptions take late and failed occurrences off (never below 0). Nothing due in the period (only dossiers
    within their time limit) gives full points: nothing was late or failed.
    """
    if not rows:
        return None
    made = products(rows)
    late = max(Fraction(0), made.late - exempt_late)
    failed = max(Fraction(0), made.failed - exempt_failed)
    if made.assigned == 0:
        return TaskResult(q2(weights.quantity), q2(weights.quality), q2(weights.progress), made,
                          Fraction(exempt_late), Fraction(exempt_failed))
    quantity = Fraction(weights.quantity) * made.completed / made.assigned
    progress = Fraction(weights.progress) * max(Fraction(0), made.completed - PENALTY * late) / made.assigned
    quality = Fraction(weights.quality) * max(Fraction(0), made.completed - PENALTY * failed) / made.assigned
    return TaskResult(q2(quantity), q2(quality), q2(progress), made, Fraction(exempt_late), Fraction(exempt_failed))


def task_points(rows: Sequence[TaskRow], weights: TaskWeights = TaskWeights(), *, exempt_late: int = 0,
                exempt_failed: int = 0) -> Decimal | None:
    """The task results' total (of 70), or ``None`` without rows."""
    result = task_result(rows, weights, exempt_late=exempt_late, exempt_failed=exempt_failed)
    return None if result is None else result.total


def _points(value: Decimal) -> str:
    return format_vi(value, 0 if Decimal(value) == Decimal(value).to_integral_value() else 2)


def weights_text(weights: TaskWeights) -> str:
    """The weights in words, as reports print them."""
    return (f"Kết quả thực hiện nhiệm vụ (70 điểm): số lượng {_points(weights.quantity)}, chất lượng "
            f"{_points(weights.quality)}, tiến độ {_points(weights.progress)} điểm; mỗi lần chậm mất 25 % điểm tiến "
            f"độ, mỗi sản phẩm không đạt mất 25 % điểm chất lượng của sản phẩm đó ([scoring.task_weights])")
