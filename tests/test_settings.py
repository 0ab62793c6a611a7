"""DESKAUDIT_* settings: one boolean rule, bad values stop every command with exit 2 naming the variable,
and each documented variable has the effect docs/SETTINGS.md says."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import EXAMPLE_CONFIG
from deskaudit.cli import cli
from deskaudit.settings import FALSE_WORDS, TRUE_WORDS, Settings, SettingsError, load_settings, variable

SECRET = "s3cret-hmac-key-ĐỪNG-LỘ"
PASSWORD = "pw-never-shown-9f2c"
FLAGS = {"DESKAUDIT_SECURE_COOKIES": ("secure_cookies", False),
         "DESKAUDIT_WEIGHTS_OFFICIAL": ("weights_official", True),
         "DESKAUDIT_SMTP_STARTTLS": ("smtp_starttls", False), "DESKAUDIT_SMTP_SSL": ("smtp_ssl", False)}


@pytest.fixture
def environment(monkeypatch):
    """Set exactly these DESKAUDIT_* variables (the data directory of the test stays)."""

    def set_only(values: dict[str, str]) -> None:
        for field in Settings.model_fields:
            if variable(field) != "DESKAUDIT_DATA_DIR":
                monkeypatch.delenv(variable(field), raising=False)
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_only


def test_every_field_is_a_deskaudit_variable_except_the_xdg_fallbacks():
    names = {variable(field) for field in Settings.model_fields}
    assert {n for n in names if not n.startswith("DESKAUDIT_")} == {"XDG_DATA_HOME", "XDG_CACHE_HOME"}


def test_every_variable_is_documented_in_one_list():
    from conftest import REPO

    listing = (REPO / "docs" / "SETTINGS.md").read_text(encoding="utf-8")
    for field in Settings.model_fields:
        assert f"`{variable(field)}`" in listing, variable(field)
    elsewhere = listing.split("## Read elsewhere", 1)[1]
    documented = set(re.findall(r"`(DESKAUDIT_[A-Z_]+)`", listing))
    settings = {variable(field) for field in Settings.model_fields}
    assert documented - settings == set(re.findall(r"`(DESKAUDIT_[A-Z_]+)`", elsewhere)) - settings


# -- one boolean rule --------------------------------------------------------------------------------
SPELLINGS = [(word, True) for word in TRUE_WORDS] + [(word, False) for word in FALSE_WORDS] + [
    ("TRUE", True), ("Yes", True), (" on ", True), ("FALSE", False), ("No", False), ("OFF", False)]


@pytest.mark.parametrize("name", sorted(FLAGS))
@pytest.mark.parametrize("spelling, expected", SPELLINGS)
def test_every_flag_reads_the_same_spellings(name, spelling, expected, environment):
    environment({name: spelling})
    assert getattr(load_settings(), FLAGS[name][0]) is expected


@pytest.mark.parametrize("name", sorted(FLAGS))
@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_flag_keeps_its_default(name, blank, environment):
    environment({name: blank})
    field, default = FLAGS[name]
    assert getattr(load_settings(), field) is default


@pytest.mark.parametrize("name", sorted(FLAGS))
@pytest.mark.parametrize("spelling", ["maybe", "2", "y", "enabled"])
def test_any_other_spelling_is_an_error_naming_the_flag(name, spelling, environment):
    environment({name: spelling})
    with pytest.raises(SettingsError, match=f"{name}={spelling!r}: expected 1/true/yes/on or 0/false/no/off"):
        load_settings()


# -- bad values: exit 2, naming the variable ---------------------------------------------------------
BAD = [
    ({"DESKAUDIT_SECURE_COOKIES": "maybe"}, ["DESKAUDIT_SECURE_COOKIES", "maybe"]),  # boolean
    ({"DESKAUDIT_WEIGHTS_OFFICIAL": "nope"}, ["DESKAUDIT_WEIGHTS_OFFICIAL", "nope"]),
    ({"DESKAUDIT_SMTP_PORT": "25a"}, ["DESKAUDIT_SMTP_PORT", "25a", "1–65535"]),  # port
    ({"DESKAUDIT_MQTT_PORT": "70000"}, ["DESKAUDIT_MQTT_PORT", "70000"]),
    ({"DESKAUDIT_MQTT_PORT": "0"}, ["DESKAUDIT_MQTT_PORT"]),
    ({"DESKAUDIT_SMTP_PORT": "-25"}, ["DESKAUDIT_SMTP_PORT", "-25"]),  # negative number
    ({"DESKAUDIT_DATABASE_URL": "no-such-database"}, ["DESKAUDIT_DATABASE_URL", "no-such-database"]),  # URL
    ({"DESKAUDIT_DATABASE_URL": f"mysql://deskaudit:{PASSWORD}@db/x"}, ["DESKAUDIT_DATABASE_URL", "mysql://***@db/x"]),
    ({"DESKAUDIT_WEBHOOK_URL": "hooks.example.vn/x", "DESKAUDIT_WEBHOOK_SECRET": SECRET},
     ["DESKAUDIT_WEBHOOK_URL", "hooks.example.vn/x"]),
    ({"DESKAUDIT_SMTP_FROM": "deskaudit"}, ["DESKAUDIT_SMTP_FROM", "e-mail address"]),
]


@pytest.mark.parametrize("values, words", BAD, ids=[next(iter(v)) for v, _ in BAD])
def test_a_bad_value_stops_any_command_with_exit_2(values, words, environment, cli_runner):
    environment(values)
    result = cli_runner.invoke(cli, ["config", "check", str(EXAMPLE_CONFIG)])
    assert result.exit_code == 2, result.output
    assert all(word in result.output for word in words), result.output
    assert "Traceback" not in result.output and PASSWORD not in result.output and SECRET not in result.output


def test_a_bad_value_stops_the_process_with_exit_2(tmp_path):
    env = {**os.environ, "DESKAUDIT_DATA_DIR": str(tmp_path), "DESKAUDIT_MQTT_PORT": "-1883"}
    done = subprocess.run([sys.executable, "-m", "deskaudit", "db", "current"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2 and "DESKAUDIT_MQTT_PORT='-1883'" in done.stderr, done.stderr


# -- alert channels (moved from test_alert_channels.py: configuration is read here now) ----------------
def test_channels_from_env_builds_what_is_configured(environment):
    environment({})
    assert load_settings().alert_channels() == []
    environment({
        "DESKAUDIT_WEBHOOK_URL": "https://hooks.example.vn/deskaudit", "DESKAUDIT_WEBHOOK_SECRET": SECRET,
        "DESKAUDIT_SMTP_HOST": "mail.example.vn", "DESKAUDIT_SMTP_FROM": "deskaudit@example.vn",
        "DESKAUDIT_SMTP_TO": "a@example.vn, b@example.vn,", "DESKAUDIT_SMTP_STARTTLS": "yes",
        "DESKAUDIT_SMTP_USER": "deskaudit", "DESKAUDIT_SMTP_PASSWORD": PASSWORD,
        "DESKAUDIT_MQTT_HOST": "broker.local", "DESKAUDIT_MQTT_PORT": "8883", "DESKAUDIT_MQTT_PREFIX": "tinh-x",
    })
    channels = load_settings().alert_channels()
    webhook, mail, mqtt_channel = channels
    try:
        assert [c.name for c in channels] == ["webhook", "email", "mqtt"]
        assert webhook.display_url == "https://hooks.example.vn/deskaudit"
        assert (mail.port, mail.starttls, mail.ssl) == (25, True, False)
        assert mail.recipients == ["a@example.vn", "b@example.vn"]
        assert (mqtt_channel.port, mqtt_channel.prefix) == (8883, "tinh-x")
    finally:
        for channel in channels:
            channel.close()


GOOD_SMTP = {"DESKAUDIT_SMTP_HOST": "mail.example.vn", "DESKAUDIT_SMTP_FROM": "d@example.vn",
             "DESKAUDIT_SMTP_TO": "a@example.vn", "DESKAUDIT_SMTP_PASSWORD": PASSWORD}


@pytest.mark.parametrize("environ, names", [
    ({"DESKAUDIT_WEBHOOK_URL": "https://hooks.example.vn/x"}, ["DESKAUDIT_WEBHOOK_SECRET"]),
    ({"DESKAUDIT_WEBHOOK_URL": f"ftp://u:{PASSWORD}@hooks.example.vn/x", "DESKAUDIT_WEBHOOK_SECRET": SECRET},
     ["DESKAUDIT_WEBHOOK_URL", "ftp://***@hooks.example.vn/x"]),
    ({"DESKAUDIT_WEBHOOK_URL": "hooks.example.vn/x", "DESKAUDIT_WEBHOOK_SECRET": SECRET},
     ["DESKAUDIT_WEBHOOK_URL", "hooks.example.vn/x"]),
    ({**GOOD_SMTP, "DESKAUDIT_SMTP_TO": " , "}, ["DESKAUDIT_SMTP_TO"]),
    ({**GOOD_SMTP, "DESKAUDIT_SMTP_TO": "a@example.vn, giamdoc"}, ["DESKAUDIT_SMTP_TO", "giamdoc"]),
    ({**GOOD_SMTP, "DESKAUDIT_SMTP_FROM": ""}, ["DESKAUDIT_SMTP_FROM"]),
    ({**GOOD_SMTP, "DESKAUDIT_SMTP_PORT": "25a"}, ["DESKAUDIT_SMTP_PORT", "25a"]),
    ({**GOOD_SMTP, "DESKAUDIT_SMTP_PORT": "70000"}, ["DESKAUDIT_SMTP_PORT", "70000"]),
    ({**GOOD_SMTP, "DESKAUDIT_SMTP_STARTTLS": "maybe"}, ["DESKAUDIT_SMTP_STARTTLS", "maybe"]),
    ({**GOOD_SMTP, "DESKAUDIT_SMTP_STARTTLS": "1", "DESKAUDIT_SMTP_SSL": "true"}, ["DESKAUDIT_SMTP_SSL"]),
    ({"DESKAUDIT_MQTT_HOST": "broker", "DESKAUDIT_MQTT_PORT": "mqtt", "DESKAUDIT_MQTT_PASSWORD": PASSWORD},
     ["DESKAUDIT_MQTT_PORT", "mqtt"]),
    ({"DESKAUDIT_MQTT_HOST": "broker", "DESKAUDIT_MQTT_PREFIX": "//"}, ["DESKAUDIT_MQTT_PREFIX"]),
])
def test_channels_from_env_rejects_bad_values_by_name(environ, names, environment):
    environment(environ)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    text = str(raised.value)
    assert all(name in text for name in names), text
    assert SECRET not in text and PASSWORD not in text
