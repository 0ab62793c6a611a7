"""The site config's ``[scoring]`` choices as last imported, and the same choices in words for every report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from audit.rules.annual import CAP_POOL_VI, CapPool
from audit.rules.findings import UnitAbsenceRule
from audit.rules.general import GeneralWeights
from audit.rules.general import weights_text as general_text
from audit.rules.scoring import CoverageThresholds, is_quarter, period_bounds
from audit.rules.tasks import TaskWeights, weights_text
from models.scoring import ScoringSettings


def scoring_config(session: Session) -> dict:
    """The site config's ``[scoring]`` table as last imported; ``{}`` before any import (the defaults)."""
    row = session.get(ScoringSettings, 1)
    return dict(row.config) if row is not None else {}


def coverage_thresholds(session: Session) -> CoverageThresholds:
    """The site's ``[scoring]`` coverage thresholds as last imported (the defaults before any import)."""
    config = scoring_config(session)
    return CoverageThresholds(**{k: config[k] for k in ("min_observed_share", "min_worked_share") if k in config})


def task_weights(session: Session) -> TaskWeights:
    """The site's ``[scoring.task_weights]`` as last imported (the defaults before any import)."""
    given = scoring_config(session).get("task_weights") or {}
    return TaskWeights(**{k: Decimal(str(v)) for k, v in given.items() if k in ("quantity", "quality", "progress")})


def explanation_days(session: Session) -> int:
    """Working days an official has to explain a finding (``[scoring] explanation_days``, default 3)."""
    return int(scoring_config(session).get("explanation_days", 3))


def unit_absence_rule(session: Session) -> UnitAbsenceRule:
    """When a whole unit's empty session is one notice, not personal findings (``[scoring] unit_absence_share``
    and ``unit_absence_min_desks``)."""
    config = scoring_config(session)
    default = UnitAbsenceRule()
    return UnitAbsenceRule(share=float(config.get("unit_absence_share", default.share)),
                           min_desks=int(config.get("unit_absence_min_desks", default.min_desks)))


def monitoring_period(session: Session) -> str:
    """``month`` or ``quarter``: what the site's monitoring results cover (``[scoring] period``)."""
    return str(scoring_config(session).get("period", "month"))


def period_problem(session: Session, period: str) -> str | None:
    """Why ``period`` is not the kind the site monitors by (a month key on a quarterly site, or the reverse)."""
    setting = monitoring_period(session)
    if is_quarter(period) == (setting == "quarter"):
        return None
    first, _ = period_bounds(period)
    wanted = f"{first.year}-Q{(first.month - 1) // 3 + 1}" if setting == "quarter" else f"{first:%Y-%m}"
    return (f"period {period!r}: this site monitors by {setting} ([scoring] period = \"{setting}\"); "
            f"use e.g. {wanted}")


def general_weights(session: Session) -> GeneralWeights:
    """The site's ``[scoring.general]`` split of the general criterion (the default: all 30 to discipline)."""
    given = scoring_config(session).get("general") or {}
    return GeneralWeights(**{k: Decimal(str(v)) for k, v in given.items()
                             if k in ("discipline", "ethics", "capacity", "innovation")})


@dataclass(frozen=True)
class ScoringChoices:
    """The ``[scoring]`` choices as last imported: the cap's pool, group names by id, each listed staff code's
    group id, and all of it in words."""

    pool: CapPool
    group_names: dict[str, str]
    group_of: dict[str, str]
    words: tuple[str, ...]


def site_choices(thresholds: CoverageThresholds, weights: TaskWeights, general: GeneralWeights, pool: CapPool,
                 group_names: dict[str, str], group_sizes: dict[str, int], period: str = "month") -> tuple[str, ...]:
    """The site's ``[scoring]`` choices in words, as every report prints them (docs/SCORING.md)."""
    groups = ", ".join(f"{name} ({group_sizes.get(key, 0)} người)" for key, name in group_names.items())
    return (
        (f"Chưa đủ dữ liệu khi camera quan sát dưới {round(100 * thresholds.min_observed_share)} % thời gian "
         f"làm việc hoặc thời gian làm việc dưới {round(100 * thresholds.min_worked_share)} % lịch "
         f"([scoring] min_observed_share = {thresholds.min_observed_share:g}, min_worked_share = "
         f"{thresholds.min_worked_share:g})"),
        (f"Kết quả theo dõi, đánh giá theo {'quý' if period == 'quarter' else 'tháng'} ([scoring] period = "
        f"\"{period}\")"),
        general_text(general),
        weights_text(weights),
        f"Giới hạn Hoàn thành xuất sắc: {CAP_POOL_VI[pool]}, tính trong từng cơ quan quản lý"
        + (f" và từng nhóm nhiệm vụ tương đồng: {groups}" if groups else " (chưa cấu hình nhóm nhiệm vụ tương đồng)")
        + f" ([scoring] cap_pool = \"{pool.value}\")",
        "Điểm năm: bình quân điểm các kỳ theo dõi đủ dữ liệu, theo trọng số thời gian làm việc thực tế",
    )


def scoring_choices(session: Session) -> ScoringChoices:
    """The site's ``[scoring]`` choices (the defaults before any site import)."""
    config = scoring_config(session)
    pool = CapPool(config.get("cap_pool", CapPool.GOOD.value))
    groups = config.get("groups") or []
    names = {g["id"]: g["name"] for g in groups}
    member = {code: g["id"] for g in groups for code in g["staff"]}
    sizes: dict[str, int] = defaultdict(int)
    for group in member.values():
        sizes[group] += 1
    return ScoringChoices(pool, names, member,
                          site_choices(coverage_thresholds(session), task_weights(session), general_weights(session),
                                       pool, names, sizes, monitoring_period(session)))
