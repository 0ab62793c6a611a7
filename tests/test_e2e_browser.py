"""End to end in a real browser: Playwright drives Debian's Chromium against `deskaudit run web`.

Screenshots are kept in test-artifacts/screenshots/ (override with DESKAUDIT_ARTIFACTS) to be looked at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import IN_CI, REPO
from websupport import PASSWORD, build_site

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("DESKAUDIT_ARTIFACTS", REPO / "test-artifacts")) / "screenshots"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The web app on a seeded SQLite site, served by `deskaudit run web` in its own process."""
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail("chromium is missing: scripts/services.sh installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    data = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{data / 'deskaudit.sqlite3'}"
    build_site(url, days=3).kw["bind"].dispose()
    _latest_snapshot(data)
    env = {**os.environ, "DESKAUDIT_DATABASE_URL": url, "DESKAUDIT_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "deskaudit", "run", "web", "--port", "0"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base, lines, deadline = None, [], time.monotonic() + 60
    while time.monotonic() < deadline and base is None:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if match := re.search(r"(http://127\.0\.0\.1:\d+/)", line):
            base = match[1]
    if base is None:
        process.kill()
        pytest.fail("web server did not start:\n" + "".join(lines))
    yield base, data
    process.terminate()
    process.wait(timeout=20)


def _latest_snapshot(data: Path) -> None:
    """A real (blurred-as-stored) frame as the latest snapshot of TV-HT's camera, for the wall and the zone editor."""
    import cv2

    capture = cv2.VideoCapture(str(REPO / "tests" / "data" / "vtest-excerpt.mp4"))
    ok, frame = capture.read()
    capture.release()
    assert ok
    folder = data / "snapshots" / "latest"
    folder.mkdir(parents=True)
    cv2.imwrite(str(folder / "TV-HT-CAM.jpg"), frame)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base: str, username: str = "admin") -> None:
    page.goto(base)
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url


def test_sign_in_and_see_the_units(live_server, browser):
    base, _ = live_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base)
    assert page.locator("h1").inner_text() == "Đăng nhập"
    shot(page, "01-dang-nhap")
    sign_in(page, base)
    page.goto(base + "units")
    assert "Trung tâm Phục vụ hành chính công phường Trường Vinh" in page.content()
    shot(page, "02-don-vi")
    page.close()
