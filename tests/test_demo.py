"""The demo command prepares the example site on SQLite and serves a page on localhost."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow


def test_demo_serves_the_example_site(tmp_path):
    env = {**os.environ, "DESKAUDIT_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    env.pop("DESKAUDIT_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "deskaudit", "demo", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        url, password, lines = None, None, []
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not password:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if m := re.search(r"deskaudit demo: (http://127\.0\.0\.1:\d+/)", line):
                url = m.group(1)
            if m := re.search(r"sign in: admin / (\S+)", line):
                password = m.group(1)
        assert url and password, "".join(lines)
        page = _signed_in(url, password).open(url + "units", timeout=10).read().decode("utf-8")
        assert "Trung tâm Phục vụ hành chính công xã Diễn Châu" in page
        database = tmp_path / "data" / "deskaudit.sqlite3"  # the configured database: every command sees the demo
        assert database.exists()
        import sqlite3

        with sqlite3.connect(database) as db:  # history seeded and audited before serving
            assert db.execute("select count(*) from observations where model_id = 'demo-seed'").fetchone()[0] > 50000
            assert db.execute("select count(*) from findings where staff_id is not null").fetchone()[0] > 0
            # every month the seeded days touch is scored, 7 officials each (two months early in a month)
            per_month = dict(db.execute("select month, count(*) from scores group by month").fetchall())
            seeded = {row[0] for row in db.execute(  # samples lie in working hours: the UTC day is the local day
                "select distinct substr(slot_at, 1, 7) from observations where model_id = 'demo-seed'")}
            assert set(per_month) == seeded and set(per_month.values()) == {7}
            assert db.execute("select count(*) from scores").fetchone()[0] == 7 * len(seeded)
        # The sampler runs beside the web server: observations from the real footage arrive, from every camera
        # soon after the sampler's start (cameras whose slot time has passed catch up), not a cadence later.
        deadline = time.monotonic() + 120  # the model loads first: slow on a busy machine
        cameras = 0
        while time.monotonic() < deadline and cameras < 7:
            time.sleep(2)
            with sqlite3.connect(database) as db:
                cameras = db.execute("select count(distinct camera_id) from observations where health = 'ok' "
                                     "and model_id != 'demo-seed'").fetchone()[0]
        assert cameras == 7, "".join(lines)  # the room camera DC-PHONG too
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _signed_in(url: str, password: str):
    """An opener with cookies, signed in as the demo admin through the login form."""
    import http.cookiejar
    import urllib.parse

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(url + "login", timeout=10).read().decode("utf-8")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": "admin", "password": password, "csrf_token": token}).encode()
    landed = opener.open(url + "login", data=form, timeout=10)
    assert "/login" not in landed.geturl()
    return opener


def test_demo_is_idempotent(tmp_path):
    env = {**os.environ, "DESKAUDIT_DATA_DIR": str(tmp_path / "data")}
    env.pop("DESKAUDIT_DATABASE_URL", None)
    command = [sys.executable, "-m", "deskaudit", "demo", "--no-serve", "--history-days", "2"]
    first = subprocess.run(command, env=env, capture_output=True, text=True)
    second = subprocess.run(command, env=env, capture_output=True, text=True)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "50 change(s)" in first.stdout and "findings proposed" in first.stdout
    assert "already up to date" in second.stdout and "already seeded" in second.stdout

    # A database holding another site is left alone.
    import sqlite3

    with sqlite3.connect(tmp_path / "data" / "deskaudit.sqlite3") as db:
        db.execute("insert into units (code, name, level, timezone, active, created_at, updated_at) "
                   "values ('HN-KHAC', 'Đơn vị khác', 'commune', 'Asia/Ho_Chi_Minh', 1, '2026-01-01', '2026-01-01')")
    third = subprocess.run(command, env=env, capture_output=True, text=True)
    assert third.returncode == 2 and "already holds another site (units HN-KHAC)" in third.stderr
