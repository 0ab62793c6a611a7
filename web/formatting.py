"""Labels of the site config's vocabularies (unit levels, zone kinds) for templates, in the user's language.

Numbers and dates are shown by web/i18n.py (the ``num``, ``local_dt`` and ``local_date`` filters).
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

UNIT_LEVEL_LABELS = {"province": _l("Cấp tỉnh"), "commune": _l("Cấp xã"), "centre": _l("Trung tâm"),
                     "department": _l("Sở, ngành"), "district": _l("Cấp huyện (cũ)"), "other": _l("Khác")}
ZONE_KIND_LABELS = {"staff": _l("Khu vực cán bộ"), "queue": _l("Khu vực chờ"), "exclude": _l("Loại trừ"),
                    "mask": _l("Che (ẩn khi lưu ảnh)")}


def init_app(app: Flask) -> None:
    app.jinja_env.globals["unit_level_label"] = lambda level: UNIT_LEVEL_LABELS.get(level, level)
    app.jinja_env.globals["zone_kind_label"] = lambda kind: ZONE_KIND_LABELS.get(kind, kind)
