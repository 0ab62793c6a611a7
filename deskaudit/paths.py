"""Where deskaudit keeps its data and caches, and which database it talks to."""

from __future__ import annotations

import os
from pathlib import Path

from models.db import sqlite_url

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = REPO_ROOT / "config" / "example-site.toml"


def data_dir() -> Path:
    """``$DESKAUDIT_DATA_DIR``, else ``$XDG_DATA_HOME/deskaudit`` (``~/.local/share/deskaudit``)."""
    if os.environ.get("DESKAUDIT_DATA_DIR"):
        return Path(os.environ["DESKAUDIT_DATA_DIR"]).expanduser().resolve()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "deskaudit"


def cache_dir() -> Path:
    """``$DESKAUDIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/deskaudit`` (``~/.cache/deskaudit``)."""
    if os.environ.get("DESKAUDIT_CACHE_DIR"):
        return Path(os.environ["DESKAUDIT_CACHE_DIR"]).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "deskaudit"


def database_url(directory: Path | None = None) -> str:
    """``$DESKAUDIT_DATABASE_URL``, else the SQLite file ``deskaudit.sqlite3`` in the data directory."""
    if os.environ.get("DESKAUDIT_DATABASE_URL") and directory is None:
        return os.environ["DESKAUDIT_DATABASE_URL"]
    return sqlite_url((directory or data_dir()) / "deskaudit.sqlite3")
