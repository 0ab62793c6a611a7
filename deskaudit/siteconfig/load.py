"""Read a site config file: TOML → environment substitution → typed objects → cross-checks.

Every problem becomes a ``ConfigIssue`` naming the file, the key path
(``units[1].desks[0].cameras[0].url``) and the offending value, with any
credentials masked.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from deskaudit.siteconfig.checks import cross_check, cross_warnings, iter_cameras
from deskaudit.siteconfig.errors import ConfigError, ConfigIssue, key_path
from deskaudit.siteconfig.schema import SiteConfig
from vision.urls import resolve_file_url

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class LoadedConfig:
    path: Path
    site: SiteConfig
    warnings: list[str]


def _substitute_env(node: Any, loc: tuple, issues: list[ConfigIssue]) -> Any:
    """Replace ``${NAME}`` in strings with environment variables (for camera passwords)."""
    if isinstance(node, dict):
        return {k: _substitute_env(v, (*loc, k), issues) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute_env(v, (*loc, i), issues) for i, v in enumerate(node)]
    if isinstance(node, str) and "${" in node:
        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name not in os.environ:
                issues.append(ConfigIssue(key_path(loc), f"environment variable {name} is not set"))
                return match.group(0)
            return os.environ[name]

        return _ENV_REF.sub(replace, node)
    return node


def _pydantic_issues(error: ValidationError) -> list[ConfigIssue]:
    issues = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        if kind == "missing":
            issues.append(ConfigIssue(key_path(loc), "missing required key"))
        elif kind == "extra_forbidden":
            issues.append(ConfigIssue(key_path(loc), "unknown key"))  # value not shown: it may be a mistyped secret
        else:
            message = item["msg"].removeprefix("Value error, ")
            shown = item.get("ctx", {}).get("show_value", True)  # a whole-list problem has no one value to show
            issues.append(ConfigIssue(key_path(loc), message, item.get("input"), shown))
    return issues


def parse_site_config(raw: dict, filename: str) -> SiteConfig:
    """Validate an already-parsed TOML document; raises ``ConfigError`` listing every problem."""
    issues: list[ConfigIssue] = []
    raw = _substitute_env(raw, (), issues)
    if issues:
        raise ConfigError(filename, issues)
    try:
        site = SiteConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(filename, _pydantic_issues(error)) from None
    issues = cross_check(site)
    if issues:
        raise ConfigError(filename, issues)
    return site


def load_site_config(path: str | Path) -> LoadedConfig:
    """Read and validate a site config file. Nothing is written anywhere."""
    path = Path(path)
    filename = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(filename, [ConfigIssue("", "file not found")]) from None
    except OSError as error:
        raise ConfigError(filename, [ConfigIssue("", f"cannot read file: {error.strerror}")]) from None
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(filename, [ConfigIssue("", "file is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(filename, [ConfigIssue("", f"TOML syntax error: {error}")]) from None
    site = parse_site_config(raw, filename)
    warnings = [*file_camera_warnings(site, path.parent), *cross_warnings(site)]
    return LoadedConfig(path=path.resolve(), site=site, warnings=warnings)


def file_camera_warnings(site: SiteConfig, base_dir: Path) -> list[str]:
    """Footage files that do not exist (a warning: the camera will simply report offline)."""
    warnings = []
    for path, camera in iter_cameras(site):
        if camera.url.lower().startswith("file:"):
            local = Path(resolve_file_url(camera.url, base_dir).removeprefix("file://"))
            if not local.exists():
                warnings.append(f"{path}.url: footage file {str(local)!r} does not exist (camera will report offline)")
    return warnings
