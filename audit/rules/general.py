"""The general criterion (30 points) of Decree 335/2025 as a proposal plus what the manager enters, pure.

The cameras and the inspections see one part of it, public-service culture and discipline: that part is the
discipline raw score (100 − confirmed deductions) scaled to its points. The other parts (political quality and
ethics; capacity, responsibility, attitude to citizens and cooperation; innovation) are the manager's judgement.
The site splits the 30 points (``[scoring.general]``); the default gives all 30 to discipline, as a proposal.
A part the manager must enter and has not leaves the period without a total, never with full marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from audit.rules.scoring import GENERAL_MAX, HUNDRED, format_vi, q2

PART_LABELS_VI = {
    "discipline": "Văn hoá công vụ, chấp hành kỷ luật, kỷ cương (đề xuất từ camera và kiểm tra công vụ)",
    "ethics": "Phẩm chất chính trị, đạo đức, lối sống",
    "capacity": "Năng lực, trách nhiệm, thái độ phục vụ nhân dân, phối hợp",
    "innovation": "Đổi mới, sáng tạo",
}
MANAGER_PARTS = ("ethics", "capacity", "innovation")


@dataclass(frozen=True)
class GeneralWeights:
    """Points of each part of the general criterion; they add up to 30."""

    discipline: Decimal = GENERAL_MAX
    ethics: Decimal = Decimal(0)
    capacity: Decimal = Decimal(0)
    innovation: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        parts = [Decimal(getattr(self, name)) for name in ("discipline", *MANAGER_PARTS)]
        if any(p < 0 for p in parts) or sum(parts, Decimal(0)) != GENERAL_MAX:
            got = " + ".join(f"{p.normalize():f}" for p in parts)
            raise ValueError(f"[scoring.general] discipline + ethics + capacity + innovation must add up to 30 "
                             f"points, got {got}")

    @property
    def entered(self) -> tuple[str, ...]:
        """The parts a manager enters (those the site gives points to)."""
        return tuple(name for name in MANAGER_PARTS if Decimal(getattr(self, name)) > 0)


@dataclass(frozen=True)
class ManagerParts:
    """What the manager entered for the period (None: not entered)."""

    ethics: Decimal | None = None
    capacity: Decimal | None = None
    innovation: Decimal | None = None


def parts_problem(parts: ManagerParts, weights: GeneralWeights) -> str | None:
    """Why the entered parts do not fit the site's split (English, for a form or a command), or None."""
    for name in MANAGER_PARTS:
        value, most = getattr(parts, name), Decimal(getattr(weights, name))
        if value is None:
            continue
        if most == 0:
            return f"{name}: the site's [scoring.general] gives it no points, so it cannot be entered"
        if not Decimal(0) <= Decimal(value) <= most:
            return f"{name}: {value} is outside 0..{most.normalize():f} ([scoring.general] {name} = {most})"
    return None


@dataclass(frozen=True)
class GeneralResult:
    """The general criterion: the discipline part, the entered parts, their sum, and what is still missing."""

    discipline: Decimal
    points: Decimal
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


def general_result(raw: Decimal, weights: GeneralWeights = GeneralWeights(),
                   parts: ManagerParts | None = None) -> GeneralResult:
    """The discipline part (raw × its points / 100) plus the parts entered; ``missing`` names those not entered."""
    discipline = q2(Decimal(raw) * Decimal(weights.discipline) / HUNDRED)
    entered = parts or ManagerParts()
    missing = tuple(name for name in weights.entered if getattr(entered, name) is None)
    extra = sum((q2(getattr(entered, name)) for name in weights.entered if getattr(entered, name) is not None),
                Decimal(0))
    return GeneralResult(discipline, q2(discipline + extra), missing)


def general_note(result: GeneralResult, weights: GeneralWeights) -> str | None:
    """The general criterion in words when the manager enters parts of it; None with the default split."""
    if not weights.entered:
        return None
    if result.missing:
        names = "; ".join(PART_LABELS_VI[name] for name in result.missing)
        return (f"Tiêu chí chung: phần kỷ luật, kỷ cương {format_vi(result.discipline)}/"
                f"{format_vi(weights.discipline)} là đề xuất; chờ người quản lý đánh giá: {names} — chưa tính "
                f"tổng điểm")
    return (f"Tiêu chí chung {format_vi(result.points)}: kỷ luật, kỷ cương {format_vi(result.discipline)}/"
            f"{format_vi(weights.discipline)} (đề xuất từ camera và kiểm tra công vụ), các phần còn lại do người "
            f"quản lý đánh giá")


def weights_text(weights: GeneralWeights) -> str:
    """The split in words, as reports print it."""
    parts = ", ".join(f"{PART_LABELS_VI[name].split(' (')[0].lower()} {format_vi(Decimal(getattr(weights, name)))}"
                      for name in ("discipline", *MANAGER_PARTS) if Decimal(getattr(weights, name)) > 0)
    return f"Tiêu chí chung (30 điểm): {parts} ([scoring.general])"
