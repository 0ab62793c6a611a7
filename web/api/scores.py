"""Monthly scores through the API: the stored scores (audit/scores.load_month, never recomputed here) of the
officials and units in your scope, and one official's breakdown with the source of every deduction."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import select

from audit.files.annual_report import year_json
from audit.rules.scoring import BadMonth
from audit.services.annual import BadYear, load_year, parse_year
from audit.services.scores import MonthScores, OfficialScore, load_month
from models.enums import Classification, Role
from models.org import Unit
from models.scoring import Score
from web.api import bp, page_args
from web.api.common import (
    BOOL,
    CODE_SCHEMA,
    INT,
    MONTH_SCHEMA,
    NUM,
    OPT_INT,
    OPT_NUM,
    OPT_STR,
    STR,
    arg,
    arg_month,
    enum_schema,
    fail,
    iso,
    number,
    obj,
    parse_month,
    path_code,
    query_param,
    unit_codes,
    visible_unit,
)
from web.api.openapi import PAGE_PARAMS, document, list_of
from web.cache import cached
from web.db import get_session
from web.read import staff_in_scope
from web.scope import visible_unit_ids

CLASS = enum_schema(Classification, nullable=True)
OFFICIAL = obj({"staff_code": STR, "name": STR, "unit_code": STR, "desk_code": OPT_STR, "discipline_raw": NUM,
                "general_points": NUM, "task_points": OPT_NUM, "total": OPT_NUM, "classification": CLASS,
                "emulation_eligible": {"type": ["boolean", "null"]}, "reprimanded": BOOL, "deduction_points": NUM})
LINE = obj({"points": NUM, "reason": STR, "finding_id": OPT_INT, "inspection_result_id": OPT_INT})
BREAKDOWN = obj({"month": STR, **OFFICIAL["properties"], "deductions": {"type": "array", "items": LINE},
                 "notes": {"type": "array", "items": STR}, "amendments": {"type": "array", "items": STR}})
LOCK = obj({"unit_code": STR, "locked_at": {"type": "string", "format": "date-time"}, "locked_by": STR})
UNIT_RANK = obj({"unit_code": STR, "name": STR, "officials": INT, "scored": INT, "mean": OPT_NUM,
                 "deduction_points": NUM, "score": OPT_NUM, "classification": CLASS, "rank": OPT_INT,
                 "deductions": {"type": "array", "items": LINE}})
STRINGS = {"type": "array", "items": STR}
COVERAGE = obj({"scheduled_hours": NUM, "worked_hours": NUM, "observed_hours": NUM, "worked_share": OPT_NUM,
                "observed_share": OPT_NUM})
YEAR_OFFICIAL = obj({"staff_code": STR, "name": STR, "unit_code": STR, "category": STR, "agency": STR,
                     "group": OPT_STR, "class": OPT_STR, "reason": OPT_STR, "months_evaluated": INT,
                     "months_recorded": INT, "score": OPT_NUM, "discipline": OPT_NUM, "coverage": COVERAGE,
                     "emulation": OPT_STR, "over_cap": STRINGS})
YEAR = obj({"year": INT, "unit": OPT_STR, "officials": {"type": "array", "items": YEAR_OFFICIAL},
            "units": {"type": "array", "items": obj({"unit_code": STR, "officials": INT,
                                                     "desk_discipline_index": OPT_NUM})},
            "over_cap": STRINGS, "cap_pool": STR, "site_choices": STRINGS, "note": OPT_STR})
MONTH_LIST = list_of(OFFICIAL)
MONTH_LIST = {**MONTH_LIST, "required": [*MONTH_LIST["required"], "month", "units", "summary_vi", "summary_en",
                                         "locks"],
              "properties": {**MONTH_LIST["properties"], "month": STR, "units": {"type": "array", "items": UNIT_RANK},
                             "summary_vi": STR, "summary_en": STR, "locks": {"type": "array", "items": LOCK}}}


def line_json(line) -> dict:
    return {"points": number(line.points), "reason": line.reason, "finding_id": line.finding_id,
            "inspection_result_id": line.inspection_result_id}


def official_json(official: OfficialScore) -> dict:
    return {"staff_code": official.code, "name": official.name, "unit_code": official.unit_code,
            "desk_code": official.desk_code, "discipline_raw": number(official.raw),
            "general_points": number(official.general), "task_points": number(official.task),
            "total": number(official.total),
            "classification": official.classification.value if official.classification else None,
            "emulation_eligible": official.eligible, "reprimanded": official.reprimanded,
            "deduction_points": number(sum((line.points for line in official.deductions), start=0))}


def unit_rank_json(unit) -> dict:
    return {"unit_code": unit.code, "name": unit.name, "officials": unit.officials, "scored": unit.scored,
            "mean": number(unit.mean), "deduction_points": number(unit.deduction_points), "score": number(unit.score),
            "classification": unit.classification.value if unit.classification else None, "rank": unit.rank,
            "deductions": [line_json(line) for line in unit.deductions]}


def _scope_roots() -> list[str | None]:
    """The top units of the caller's scope (None: the whole site, for admins)."""
    if current_user.role is Role.ADMIN:
        return [None]
    seen = visible_unit_ids()
    parents = dict(get_session().execute(select(Unit.id, Unit.parent_id).where(Unit.id.in_(sorted(seen)))).all())
    return sorted(unit_codes()[u] for u, parent in parents.items() if parent not in seen)


def _load(month: str, roots: list[str | None]) -> list[MonthScores]:
    try:
        return [cached("scores", (month, root), lambda root=root: load_month(get_session(), month, root))
                for root in roots]
    except BadMonth as error:
        fail(400, f"month: {error}")


@bp.get("/scores")
@document("/scores", "get", "Stored scores of a month: officials (paginated, each with its unit code), the unit "
          "ranking and the summary line; empty items when no score is stored for the month", tag="scores",
          response=MONTH_LIST, params=[query_param("month", "YYYY-MM", MONTH_SCHEMA, required=True, example="2026-03"),
                                       query_param("unit", "unit code (that unit and the units below it)"),
                                       *PAGE_PARAMS])
def list_scores():
    page, per_page = page_args()
    month = arg_month(required=True)
    unit_code = arg("unit")
    roots = [visible_unit(unit_code).code] if unit_code is not None else _scope_roots()
    loaded = _load(month, roots)
    officials = [o for scores in loaded for o in scores.officials]
    summaries = [(scores.unit_code, scores) for scores in loaded]
    total = len(officials)
    shown = officials[(page - 1) * per_page: page * per_page]
    return jsonify(items=[official_json(o) for o in shown], page=page, per_page=per_page, total=total,
                   pages=(total + per_page - 1) // per_page if total else 0, month=month,
                   units=[unit_rank_json(u) for scores in loaded for u in scores.units],
                   summary_vi=_summary(summaries, "vi"), summary_en=_summary(summaries, "en"),
                   locks=[{"unit_code": lock.unit_code, "locked_at": iso(lock.locked_at),
                           "locked_by": lock.locked_by} for scores in loaded for lock in scores.locks])


def _summary(summaries: list[tuple[str | None, MonthScores]], lang: str) -> str:
    if len(summaries) == 1:
        return getattr(summaries[0][1], f"summary_{lang}")
    return "; ".join(f"{code}: {getattr(scores, f'summary_{lang}')}" for code, scores in summaries)


@bp.get("/scores/<month>/officials/<staff_code>")
@document("/scores/{month}/officials/{staff_code}", "get", "One official's stored score of a month with every "
          "deduction and the finding or inspection result it comes from", tag="scores", response=BREAKDOWN,
          params=[{"name": "month", "in": "path", "required": True, "schema": MONTH_SCHEMA, "example": "2026-03"},
                  {"name": "staff_code", "in": "path", "required": True, "schema": CODE_SCHEMA, "example": "CB-TV-01",
                   "description": "official's code"}])
def official_score(month: str, staff_code: str):
    month = parse_month(month)
    db = get_session()
    staff = staff_in_scope(path_code(staff_code, "staff_code", "official"),
                           f"staff_code: no official {staff_code!r} in your units")
    unit_id = db.scalar(select(Score.unit_id).where(Score.staff_id == staff.id, Score.month == month))
    if unit_id is None or unit_id not in visible_unit_ids():
        fail(404, f"no stored score of official {staff.code!r} for {month}")
    try:
        official = _load(month, [unit_codes()[unit_id]])[0].official(staff.code)
    except LookupError as error:
        fail(404, str(error))
    return jsonify({"month": month, **official_json(official), "deductions": [line_json(x) for x in
                                                                              official.deductions],
                    "notes": list(official.notes), "amendments": list(official.amendments)})


@bp.get("/scores/year/<year>")
@document("/scores/year/{year}", "get", "The annual classification (Decree 335/2025) of a year from the stored "
          "monthly results: each official of your scope once, with the class or null and a reason, the periods "
          "evaluated, the score and its coverage; who is over the 20 % cap, for a person to decide; the units' "
          "desk-discipline index. Empty officials when the year has no stored result", tag="scores", response=YEAR,
          params=[{"name": "year", "in": "path", "required": True, "example": "2026",
                   "schema": {"type": "string", "pattern": "^[0-9]{4}$"}},
                  query_param("unit", "unit code (that unit and the units below it)")])
def year_scores(year: str):
    try:
        chosen = parse_year(year)
    except BadYear as error:
        fail(400, f"year: {error}")
    unit_code = arg("unit")
    roots = [visible_unit(unit_code).code] if unit_code is not None else _scope_roots()
    loaded = [year_json(load_year(get_session(), chosen, root)) for root in roots]
    if len(loaded) == 1:
        return jsonify(loaded[0])
    merged = {**loaded[0], "unit": None, "note": None if any(x["officials"] for x in loaded) else loaded[0]["note"]}
    for key in ("officials", "units", "over_cap"):
        merged[key] = [item for x in loaded for item in x[key]]
    return jsonify(merged)
