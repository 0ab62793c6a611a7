"""Vietnamese-first display helpers: local time dd/mm/yyyy, decimal comma, labels."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import lazy_gettext as _l

UNIT_LEVEL_VI = {
    "province": "Cấp tỉnh",
    "commune": "Cấp xã",
    "centre": "Trung tâm",
    "department": "Sở, ngành",
    "district": "Cấp huyện (cũ)",
    "other": "Khác",
}
ZONE_KIND_VI = {"staff": "Khu vực cán bộ", "queue": "Khu vực chờ", "exclude": "Loại trừ"}


def local_datetime(value: datetime | None, tz: str = "Asia/Ho_Chi_Minh") -> str:
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y %H:%M")


def decimal_vi(value: float | int | None, places: int = 2) -> str:
    """84.925 → '84,93' (Vietnamese: decimal comma, dot for thousands)."""
    if value is None:
        return "—"
    text = f"{value:,.{places}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


UNIT_LEVEL_LABELS = {"province": _l("Cấp tỉnh"), "commune": _l("Cấp xã"), "centre": _l("Trung tâm"),
                     "department": _l("Sở, ngành"), "district": _l("Cấp huyện (cũ)"), "other": _l("Khác")}
ZONE_KIND_LABELS = {"staff": _l("Khu vực cán bộ"), "queue": _l("Khu vực chờ"), "exclude": _l("Loại trừ")}


def init_app(app: Flask) -> None:
    app.jinja_env.globals["unit_level_label"] = lambda level: UNIT_LEVEL_LABELS.get(level, level)
    app.jinja_env.globals["zone_kind_label"] = lambda kind: ZONE_KIND_LABELS.get(kind, kind)
    app.jinja_env.filters["local_dt"] = local_datetime
    app.jinja_env.filters["decimal_vi"] = decimal_vi
    app.jinja_env.globals["UNIT_LEVEL_VI"] = UNIT_LEVEL_VI
    app.jinja_env.globals["ZONE_KIND_VI"] = ZONE_KIND_VI
