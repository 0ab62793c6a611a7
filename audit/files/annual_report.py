"""The annual classification as JSON (the CLI and the API give the same shape) and as an XLSX workbook.

JSON: ``{"year", "unit", "officials": [...], "units": [...], "over_cap": [...], "cap_pool", "site_choices": [...],
"note"}`` (``note``: why the list is empty, else null); each
official once, with ``staff_code``, ``category``, ``class`` (the Vietnamese label, or null with a ``reason``),
``months_evaluated``, ``score`` and ``coverage``. The XLSX has the sheets ``summary``, ``officials``, ``units``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from audit.files.tabular import write_frames
from audit.rules.annual import DISCIPLINE_INDEX_VI, AnnualResult
from audit.rules.scoring import CATEGORY_LABELS_VI, Coverage
from audit.services.annual import YearScores

SHEETS = ("summary", "officials", "units")


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def coverage_json(coverage: Coverage) -> dict:
    return {"scheduled_hours": round(coverage.scheduled / 60, 1), "worked_hours": round(coverage.worked / 60, 1),
            "observed_hours": round(coverage.observed / 60, 1), "worked_share": _share(coverage.worked_share),
            "observed_share": _share(coverage.observed_share)}


def official_json(result: AnnualResult) -> dict:
    o = result.official
    return {"staff_code": o.code, "name": o.name, "unit_code": o.unit_code, "category": o.category.value,
            "agency": o.agency, "group": o.group, "class": result.label, "reason": result.reason,
            "months_evaluated": result.periods_evaluated, "months_recorded": len(o.periods),
            "score": None if result.score is None else float(result.score),
            "discipline": None if result.discipline is None else float(result.discipline),
            "coverage": coverage_json(result.coverage), "emulation": result.eligibility,
            "over_cap": list(result.over_cap)}


def year_json(scores: YearScores) -> dict:
    return {"year": scores.year, "unit": scores.unit_code,
            "officials": [official_json(r) for r in scores.officials],
            "units": [{"unit_code": u.unit_code, "officials": u.officials,
                       "desk_discipline_index": None if u.index is None else float(u.index)} for u in scores.units],
            "over_cap": scores.over_cap, "cap_pool": scores.choices.pool.value,
            "site_choices": list(scores.choices.words), "note": scores.empty_note}


def write_xlsx(scores: YearScores, path: Path) -> None:
    """The summary (scope, choices, what a person must decide), one row per official, one per unit."""
    summary = pd.DataFrame([
        ("year", scores.year), ("scope", scores.unit_code or "toàn tỉnh / whole site"),
        ("officials", len(scores.officials)), *([("note", scores.empty_note)] if scores.empty_note else []),
        *((f"site_choice_{i + 1}", line) for i, line in enumerate(scores.choices.words)),
        *((f"over_cap_{i + 1}", line) for i, line in enumerate(scores.over_cap)),
    ], columns=["key", "value"])
    officials = pd.DataFrame([{
        "staff_code": r.official.code, "name": r.official.name, "unit_code": r.official.unit_code,
        "category": CATEGORY_LABELS_VI[r.official.category], "agency": r.official.agency, "group": r.official.group,
        "months_evaluated": r.periods_evaluated, "months_recorded": len(r.official.periods),
        "score": None if r.score is None else float(r.score), "class": r.label, "reason": r.reason,
        "emulation": r.eligibility, "coverage_observed_pct": _pct(r.coverage.observed_share),
        "coverage_worked_pct": _pct(r.coverage.worked_share), "over_cap": "; ".join(r.over_cap) or None,
    } for r in scores.officials], columns=["staff_code", "name", "unit_code", "category", "agency", "group",
                                            "months_evaluated", "months_recorded", "score", "class", "reason",
                                            "emulation", "coverage_observed_pct", "coverage_worked_pct", "over_cap"])
    units = pd.DataFrame([{"unit_code": u.unit_code, "officials": u.officials,
                           "desk_discipline_index": None if u.index is None else float(u.index),
                           "label": DISCIPLINE_INDEX_VI} for u in scores.units],
                         columns=["unit_code", "officials", "desk_discipline_index", "label"])
    write_frames(path, dict(zip(SHEETS, (summary, officials, units))))


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)
