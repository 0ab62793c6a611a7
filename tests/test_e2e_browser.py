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


def test_desk_wall_zone_finding_and_report(live_server, browser, tmp_path):
    """An inspector's round: the desk wall, a new queue zone drawn, a finding confirmed, the month's XLSX."""
    import pandas as pd
    from sqlalchemy import create_engine, text

    base, data = live_server
    page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    sign_in(page, base)

    # The desk wall: one tile per desk, Vietnamese labels, real data.
    page.goto(base + "wall")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "Giám sát các quầy" in body and "Quầy số 1" in body and "Trường Vinh" in body
    shot(page, "03-quay-truc-tuyen")

    # The zone editor: a new queue zone with four points on the latest snapshot, saved.
    page.goto(base + "cameras/TV-HT-CAM/zones")
    page.wait_for_load_state("networkidle")
    page.fill("#zone-name", "hang-cho-moi")
    page.select_option("#zone-kind", "queue")
    page.click("#zone-new")
    canvas = page.locator("#zone-canvas")
    box = canvas.bounding_box()
    for fx, fy in ((0.10, 0.55), (0.35, 0.55), (0.35, 0.90), (0.10, 0.90)):
        page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    page.click("#zone-save")
    page.locator("#zone-status.status-ok").wait_for(timeout=10_000)
    assert page.inner_text("#zone-status").strip() == "Đã lưu"
    shot(page, "04-ve-vung")
    engine = create_engine(f"sqlite:///{data / 'deskaudit.sqlite3'}")
    with engine.connect() as conn:
        polygon = conn.execute(text("select polygon from zones where name = 'hang-cho-moi' and active")).scalar()
        logged = conn.execute(text("select count(*) from change_log where entity_key like 'TV-HT-CAM/hang-cho-moi'"
                                   " and source = 'web'")).scalar()
    assert polygon is not None and len(__import__("json").loads(polygon) if isinstance(polygon, str) else polygon) == 4
    assert logged == 1

    # A finding: ask for the explanation, record it, then confirm it with a reason.
    page.goto(base + "findings?status=proposed&kind=late_arrival")
    page.locator("a[href^='/findings/']").first.click()
    page.wait_for_load_state("networkidle")
    finding_url = page.url
    page.click("button:has-text('Yêu cầu giải trình')")
    page.wait_for_load_state("networkidle")
    assert "Hạn giải trình: hết ngày" in page.inner_text("#explanation-due")
    page.fill("textarea[name=text]", "Xe hỏng trên đường đi làm")
    page.click("button:has-text('Ghi nhận giải trình')")
    page.wait_for_load_state("networkidle")
    page.fill("form.decide textarea[name=reason]", "Không có lý do chính đáng")
    page.click("button:has-text('Xác nhận vi phạm')")
    page.wait_for_load_state("networkidle")
    assert "Đã xác nhận" in page.inner_text("body") or "đã xác nhận" in page.inner_text("body")
    shot(page, "05-xac-nhan-phat-hien")
    finding_id = int(finding_url.rstrip("/").rsplit("/", 1)[1])
    with engine.connect() as conn:
        assert conn.execute(text("select status from findings where id = :i"),
                            {"i": finding_id}).scalar() == "confirmed"

    # The month's report as XLSX, opened with pandas.
    page.goto(base + "reports?month=2026-03")
    with page.expect_download() as download:
        page.click("text=Tải bảng tính (XLSX)")
    path = tmp_path / "bao-cao.xlsx"
    download.value.save_as(path)
    sheets = pd.read_excel(path, sheet_name=None, keep_default_na=False)
    assert list(sheets) == ["summary", "units", "desks", "officials", "findings"]
    assert (sheets["findings"]["status"] == "confirmed").sum() >= 1
    shot(page, "06-bao-cao")
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from access_log where action = 'export.xlsx'")).scalar() == 1
    engine.dispose()
    page.close()


def test_an_official_reads_the_request_explains_with_a_scan_and_sees_the_result(live_server, browser, tmp_path):
    """The staff flow: an inspector asks; the official signs in, reads the notice and its deadline on their own
    page, explains with a PDF scan, and sees the decision once the inspector has confirmed."""
    from sqlalchemy import create_engine, text

    base, data = live_server
    engine = create_engine(f"sqlite:///{data / 'deskaudit.sqlite3'}")
    with engine.connect() as conn:
        finding_id = conn.execute(text(
            "select f.id from findings f join staff s on s.id = f.staff_id where s.code = 'CB-TV-01' "
            "and f.status = 'proposed' order by f.id limit 1")).scalar()
    assert finding_id is not None

    inspector = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(inspector, base, "thanhtra")
    inspector.goto(f"{base}findings/{finding_id}")
    inspector.click("button:has-text('Yêu cầu giải trình')")
    inspector.wait_for_load_state("networkidle")

    official = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(official, base, "cb-tv-01")
    assert official.url.endswith("/me")
    notices = official.inner_text("#notices")
    assert "Yêu cầu giải trình" in notices and "(hạn " in notices
    assert [e for e in official.locator("nav a").all_inner_texts() if "Giám sát" in e] == []  # no wall for staff
    shot(official, "07-trang-cua-toi")
    official.click(f"#notices a[href='/findings/{finding_id}']")
    official.wait_for_load_state("networkidle")
    assert "Hạn giải trình: hết ngày" in official.inner_text("#explanation-due")
    assert official.locator("button:has-text('Xác nhận vi phạm')").count() == 0  # an official decides nothing
    scan = tmp_path / "giay-moi.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    official.fill("#my-explanation textarea[name=text]", "Tôi đi họp theo Giấy mời số 12/GM-UBND (bản quét kèm theo).")
    official.set_input_files("#my-explanation input[name=scan]", str(scan))
    official.click("#my-explanation button[type=submit]")
    official.wait_for_load_state("networkidle")
    body = official.inner_text("body")
    assert "Tôi đi họp theo Giấy mời số 12/GM-UBND" in body and "bản quét" in body
    shot(official, "08-giai-trinh-kem-ban-quet")

    inspector.reload()
    assert "Tôi đi họp theo Giấy mời số 12/GM-UBND" in inspector.inner_text("body")
    inspector.fill("form.decide textarea[name=reason]", "Giấy mời không trùng giờ làm việc tại quầy")
    inspector.click("button:has-text('Xác nhận vi phạm')")
    inspector.wait_for_load_state("networkidle")

    official.goto(f"{base}findings/{finding_id}")
    assert "Đã xác nhận" in official.inner_text("body")
    assert "Giấy mời không trùng giờ làm việc tại quầy" in official.inner_text("body")
    shot(official, "09-ket-qua")
    with engine.connect() as conn:
        ref = conn.execute(text("select attachment_ref from explanations where finding_id = :i"),
                           {"i": finding_id}).scalar()
    assert ref.startswith(f"attachments/findings/{finding_id}/") and (data / ref).read_bytes().startswith(b"%PDF")
    engine.dispose()
    inspector.close()
    official.close()
