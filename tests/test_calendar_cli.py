"""``deskaudit calendar DAY [--unit|--desk] [--json]`` on the national table and the imported example site."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLE_CONFIG
from deskaudit.cli import cli


def as_json(cli_runner, *args):
    result = cli_runner.invoke(cli, ["calendar", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_national_days_without_a_database(cli_runner):
    assert as_json(cli_runner, "2026-01-02") == {
        "day": "2026-01-02", "working": False, "sessions": [],
        "reason": "public holiday: Nghỉ hoán đổi Tết Dương lịch (làm bù thứ Bảy 10/01/2026)"}
    saturday = as_json(cli_runner, "10/01/2026")
    assert saturday["working"] is True and saturday["sessions"] == [["07:30", "11:30"], ["13:00", "17:00"]]
    assert "make-up" in saturday["reason"]
    text = cli_runner.invoke(cli, ["calendar", "2026-02-18"]).output
    assert "Thứ Tư 18/02/2026: not a working day" in text and "Tết Nguyên đán Bính Ngọ" in text
    assert "source: Văn phòng Chính phủ (13/10/2025)" in text


@pytest.fixture
def site(cli_runner, monkeypatch, migrated_url):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    assert cli_runner.invoke(cli, ["config", "import", str(EXAMPLE_CONFIG)]).exit_code == 0


def test_a_unit_and_a_desk(cli_runner, site):
    off = as_json(cli_runner, "2026-12-30", "--unit", "NA-DIENCHAU")  # that unit's own day off
    assert off["working"] is False and "QĐ 99/QĐ-UBND" in off["reason"]
    assert as_json(cli_runner, "2026-12-30", "--unit", "NA-TRUONGVINH")["working"] is True
    winter = as_json(cli_runner, "2026-11-23", "--unit", "NA-DIENCHAU")
    assert winter["sessions"] == [["07:30", "12:00"], ["13:30", "17:00"]]
    # A Saturday: open at the desk that receives citizens on Saturdays, closed at the others.
    assert as_json(cli_runner, "2026-11-28", "--desk", "TV-HT")["sessions"] == [["07:30", "11:30"]]
    assert as_json(cli_runner, "2026-11-28", "--desk", "TV-DD")["working"] is False


@pytest.mark.parametrize(("args", "message"), [
    (["2026-02-30"], "expected YYYY-MM-DD or DD/MM/YYYY"),
    (["soon"], "expected YYYY-MM-DD or DD/MM/YYYY"),
    (["2026-03-02", "--unit", "NA-X", "--desk", "TV-HT"], "not both"),
    (["2026-03-02", "--unit", "NO-SUCH"], "no such unit"),
    (["2026-03-02", "--desk", "NO-SUCH"], "no such desk"),
])
def test_bad_input_exits_2(cli_runner, site, args, message):
    result = cli_runner.invoke(cli, ["calendar", *args])
    assert result.exit_code == 2 and message in result.output
