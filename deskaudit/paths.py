"""Where deskaudit keeps its data and caches, and which database it talks to (from deskaudit/settings.py)."""

from __future__ import annotations

from pathlib import Path

from deskaudit.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = REPO_ROOT / "config" / "example-site.toml"


def data_dir() -> Path:
    """``$DESKAUDIT_DATA_DIR``, else ``$XDG_DATA_HOME/deskaudit`` (``~/.local/share/deskaudit``)."""
    return load_settings().data_path


def cache_dir() -> Path:
    """``$DESKAUDIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/deskaudit`` (``~/.cache/deskaudit``)."""
    return load_settings().cache_path


def database_url(directory: Path | None = None) -> str:
    """``$DESKAUDIT_DATABASE_URL``, else the SQLite file ``deskaudit.sqlite3`` in the data directory."""
    return load_settings().database(directory)
