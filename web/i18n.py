"""Vietnamese first, English second: the locale of each request, and number and date display.

Source strings are Vietnamese; web/translations/en holds the English catalogue. ``?lang=en`` (or
``vi``) switches and is remembered in the session.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, request, session
from flask_babel import Babel, get_locale

from models.enums import DEFAULT_TIMEZONE

LANGUAGES = ("vi", "en")
TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted
    return session.get("lang", "vi")


def lang() -> str:
    return str(get_locale() or "vi")


def number(value, places: int = 2) -> str:
    """84.925 → '84,93' in Vietnamese (dot between thousands), '84.93' in English; None → '—'."""
    if value is None:
        return "—"
    text = f"{float(value) if not isinstance(value, Decimal) else value:,.{places}f}"
    if lang() == "vi":
        return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return text


def local_datetime(value: datetime | None, tz: str = DEFAULT_TIMEZONE, with_time: bool = True) -> str:
    """dd/mm/yyyy HH:MM in the site's time zone (both languages)."""
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(tz))
    return local.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def local_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value is not None else "—"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "vi")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["num"] = number
    app.jinja_env.filters["local_dt"] = local_datetime
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.globals["lang"] = lang
