"""The data layer: typed tables, engine and sessions, Alembic migrations, site config import.

Importing ``models`` loads nothing: ``models.enums`` (the closed vocabularies) stays free of SQLAlchemy,
so the pure core can use it. ``from models import Camera`` still works (it loads ``models.tables``).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return getattr(import_module("models.tables"), name)
    except AttributeError:
        raise AttributeError(f"module 'models' has no attribute {name!r}") from None
