"""Every ``DESKAUDIT_*`` environment variable, read into one typed object (pydantic-settings).

deskaudit reads its environment here and nowhere else: the values reach vision (the weights cache,
the official download), web (``create_app``'s config) and schedules (the alert channels) as
arguments. The one exception is Alembic's ``models/migrations/env.py`` when ``alembic upgrade head``
is run by hand: a script of its own, in a package that may import nothing of ours, it reads
``DESKAUDIT_DATABASE_URL`` by the same rule. docs/SETTINGS.md lists every variable.

The rules, the same for every variable: surrounding spaces are ignored and a blank value is the
same as no value (the default); a flag is ``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off``,
in any case, and anything else is an error. A bad value raises ``SettingsError`` naming the
variable; the command line turns it into exit 2. Secrets and passwords are never echoed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from models.db import sqlite_url
from vision.urls import mask_credentials

if TYPE_CHECKING:
    from schedules.alerting.channels import Channel

PREFIX = "DESKAUDIT_"
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
DATABASES = ("sqlite", "postgresql")


class SettingsError(ValueError):
    """One or more environment variables are malformed; the message names each, never a secret's value."""


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValueError(f"expected {'/'.join(TRUE_WORDS)} or {'/'.join(FALSE_WORDS)}")


def _port(value: object) -> int:
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError("expected a port number 1–65535")
    return int(text)


Flag = Annotated[bool, BeforeValidator(_flag)]
Port = Annotated[int, BeforeValidator(_port)]


class Settings(BaseSettings):
    """The environment as deskaudit uses it; ``load_settings()`` builds it, the properties say what runs."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True)

    data_dir: Path | None = None
    cache_dir: Path | None = None
    xdg_data_home: Path | None = Field(default=None, validation_alias="XDG_DATA_HOME")
    xdg_cache_home: Path | None = Field(default=None, validation_alias="XDG_CACHE_HOME")
    database_url: str | None = None
    secret_key: SecretStr | None = None
    secure_cookies: Flag = False
    trusted_proxies: int = Field(0, ge=0, le=5)  # reverse proxies in front of the web app (nginx: 1)
    attachment_max_mb: int = Field(5, ge=1, le=50)  # a scan attached to an explanation or a reply
    weights_official: Flag = True
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    smtp_host: str | None = None
    smtp_port: Port = 25
    smtp_from: str | None = None
    smtp_to: str | None = None
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: Flag = False
    smtp_ssl: Flag = False
    mqtt_host: str | None = None
    mqtt_port: Port = 1883
    mqtt_user: str | None = None
    mqtt_password: SecretStr | None = None
    mqtt_prefix: str = "deskaudit"

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {key: value.strip() if isinstance(value, str) else value for key, value in data.items()
                if not (isinstance(value, str) and not value.strip())}

    @field_validator("data_dir", "cache_dir")
    @classmethod
    def _absolute(cls, path: Path | None) -> Path | None:
        return path.expanduser().resolve() if path is not None else None

    @field_validator("database_url")
    @classmethod
    def _database_ok(cls, url: str | None) -> str | None:
        if url is None:
            return None
        try:
            backend = make_url(url).get_backend_name()
        except ArgumentError:
            backend = None
        if backend not in DATABASES:
            raise ValueError(f"{mask_credentials(url)!r}: expected sqlite:///FILE or postgresql://user@host/db")
        return url

    @field_validator("webhook_url")
    @classmethod
    def _webhook_ok(cls, url: str | None) -> str | None:
        from schedules.alerting.channels import check_webhook_url

        return check_webhook_url(url) if url is not None else None

    @field_validator("smtp_from")
    @classmethod
    def _sender_ok(cls, address: str | None) -> str | None:
        if address is not None and "@" not in address:
            raise ValueError("expected an e-mail address")
        return address

    @field_validator("smtp_to")
    @classmethod
    def _recipients_ok(cls, text: str | None) -> str | None:
        if text is None:
            return None
        addresses = [a.strip() for a in text.split(",") if a.strip()]
        if not addresses:
            raise ValueError("expected comma-separated e-mail addresses")
        for address in addresses:
            if "@" not in address:
                raise ValueError(f"{address!r} is not an e-mail address")
        return ",".join(addresses)

    @field_validator("mqtt_prefix")
    @classmethod
    def _prefix_ok(cls, prefix: str) -> str:
        from schedules.alerting.channels import topic_prefix

        return topic_prefix(prefix)

    @model_validator(mode="after")
    def _channels_complete(self) -> Settings:
        problems = []
        if self.webhook_url and not self.webhook_secret:
            problems.append(f"{PREFIX}WEBHOOK_SECRET: required when {PREFIX}WEBHOOK_URL is set")
        if self.smtp_host and not self.smtp_to:
            problems.append(f"{PREFIX}SMTP_TO: required (comma-separated addresses) with {PREFIX}SMTP_HOST")
        if self.smtp_host and not self.smtp_from:
            problems.append(f"{PREFIX}SMTP_FROM: a sender address is required with {PREFIX}SMTP_HOST")
        if self.smtp_starttls and self.smtp_ssl:
            problems.append(f"{PREFIX}SMTP_STARTTLS and {PREFIX}SMTP_SSL: set one, not both")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def data_path(self) -> Path:
        """``DESKAUDIT_DATA_DIR``, else ``$XDG_DATA_HOME/deskaudit`` (``~/.local/share/deskaudit``)."""
        return self.data_dir or (self.xdg_data_home or Path.home() / ".local" / "share") / "deskaudit"

    @property
    def cache_path(self) -> Path:
        """``DESKAUDIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/deskaudit`` (``~/.cache/deskaudit``)."""
        return self.cache_dir or (self.xdg_cache_home or Path.home() / ".cache") / "deskaudit"

    def database(self, directory: Path | None = None) -> str:
        """``DESKAUDIT_DATABASE_URL``, else (or for another ``directory``) its ``deskaudit.sqlite3``."""
        if self.database_url and directory is None:
            return self.database_url
        return sqlite_url((directory or self.data_path) / "deskaudit.sqlite3")

    @property
    def smtp_recipients(self) -> list[str]:
        return self.smtp_to.split(",") if self.smtp_to else []

    def alert_channels(self) -> list[Channel]:
        """The webhook, e-mail and MQTT channels that are configured (in-app alerts need none)."""
        from schedules.alerting.channels import EmailChannel, MqttChannel, WebhookChannel

        channels: list[Channel] = []
        if self.webhook_url and self.webhook_secret:
            channels.append(WebhookChannel(self.webhook_url, self.webhook_secret.get_secret_value()))
        if self.smtp_host and self.smtp_from:
            channels.append(EmailChannel(
                self.smtp_host, self.smtp_port, self.smtp_from, self.smtp_recipients, username=self.smtp_user,
                password=_reveal(self.smtp_password), starttls=self.smtp_starttls, ssl=self.smtp_ssl))
        if self.mqtt_host:
            channels.append(MqttChannel(self.mqtt_host, self.mqtt_port, prefix=self.mqtt_prefix,
                                        username=self.mqtt_user, password=_reveal(self.mqtt_password)))
        return channels


def _reveal(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None


def variable(field: str) -> str:
    """The environment variable behind a settings field: ``smtp_port`` → ``DESKAUDIT_SMTP_PORT``."""
    alias = Settings.model_fields[field].validation_alias if field in Settings.model_fields else None
    return alias if isinstance(alias, str) else f"{PREFIX}{field.upper()}"


# Values never echoed in an error: secrets, and URLs whose messages show them with credentials masked.
_NOT_SHOWN = {"secret_key", "webhook_secret", "smtp_password", "mqtt_password", "webhook_url", "database_url"}


def load_settings() -> Settings:
    """The settings from the environment as it is now; raises ``SettingsError`` naming each bad variable."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError("\n".join(_describe(item) for item in error.errors(include_url=False))) from None


def _describe(item: ErrorDetails) -> str:
    message = str(item["msg"]).removeprefix("Value error, ")
    if not item["loc"]:
        return message
    field = str(item["loc"][0])
    field = next((name for name in Settings.model_fields if variable(name).lower() == field.lower()), field)
    if field in _NOT_SHOWN or "input" not in item:
        return f"{variable(field)}: {message}"
    return f"{variable(field)}={item['input']!r}: {message}"
