"""Config problems that name the file, the key path and the offending value (credentials masked)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vision.urls import mask_credentials

_SECRET_KEYS = {"password", "username"}


@dataclass(frozen=True)
class ConfigIssue:
    path: str
    message: str
    value: Any = None
    has_value: bool = False

    def render(self, filename: str) -> str:
        text = f"{filename}: {self.path or '(top level)'}: {self.message}"
        if self.has_value:
            text += f" (value: {_show(self.path, self.value)})"
        return text


class ConfigError(Exception):
    """A config file that cannot be used; ``issues`` lists every problem found."""

    def __init__(self, filename: str, issues: list[ConfigIssue]):
        self.filename = filename
        self.issues = issues
        super().__init__("\n".join(issue.render(filename) for issue in issues))


def key_path(loc: tuple) -> str:
    """('units', 1, 'desks', 0, 'id') → 'units[1].desks[0].id'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _show(path: str, value: Any) -> str:
    last = path.rsplit(".", 1)[-1]
    if last in _SECRET_KEYS:
        return "'***'"
    if isinstance(value, str):
        value = mask_credentials(value)
        return repr(value if len(value) <= 120 else value[:117] + "...")
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


