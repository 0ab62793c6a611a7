"""The site config file: schema, loading with precise errors, and idempotent import."""

from deskaudit.siteconfig.errors import ConfigError, ConfigIssue
from deskaudit.siteconfig.load import LoadedConfig, load_site_config, parse_site_config

__all__ = ["ConfigError", "ConfigIssue", "LoadedConfig", "load_site_config", "parse_site_config"]
