"""The demo's first history is right whatever today's date is: month starts, Tết, the turn of the year.

The demo seeds the working days up to yesterday, audits them and scores every month they touch; on
the 1st or 3rd of a month, or after a long holiday, those days span two months (or two years).
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from deskaudit import paths
from deskaudit.cli.demo import _prepare, first_history

pytestmark = pytest.mark.slow

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DAYS = 22


@pytest.mark.parametrize("today", [
    date(2026, 12, 1),  # the 1st: yesterday ends the previous month
    date(2026, 12, 3),  # the 3rd: 22 working days span two months
    date(2026, 2, 23),  # the Monday after Tết Bính Ngọ (14–22/2/2026): the days reach back across the holiday
    date(2026, 12, 31),  # the last day of the year
    date(2027, 1, 1),  # New Year's Day: yesterday is 31 December, the days span two months of the old year
], ids=str)
def test_first_history_scores_every_month_it_seeds(tmp_path, today):
    now = datetime.combine(today, time(9, 0), LOCAL)
    directory, url = _prepare(paths.EXAMPLE_CONFIG, tmp_path / "demo")
    report = first_history(url, DAYS, now=now)
    assert report is not None and len(report.days) == DAYS
    assert report.days[-1] < today and report.days[-1] >= today - timedelta(days=10)
    assert len(set(report.days)) == DAYS and list(report.days) == sorted(report.days)

    with sqlite3.connect(directory / "deskaudit.sqlite3") as db:
        officials = db.execute("select count(*) from staff where active = 1").fetchone()[0]
        per_month = dict(db.execute("select month, count(*) from scores group by month").fetchall())
        seeded = db.execute("select min(day), max(day), count(distinct day) from findings").fetchone()
    months = {day.strftime("%Y-%m") for day in report.days}
    assert per_month == dict.fromkeys(months, officials)  # every month touched, each official once
    assert seeded[2] > 0 and date.fromisoformat(seeded[0]) >= report.days[0]
    assert date.fromisoformat(seeded[1]) <= report.days[-1]  # nothing audited outside the seeded days

    assert first_history(url, DAYS, now=now) is None  # a second start seeds nothing more
