"""The right words (DOMAIN "Words to use"): the inspector role, the wall, acknowledging alerts, the legal basis,
checklist items worded as requirements, Vietnamese quotation marks."""

from __future__ import annotations

import re

import pytest

from conftest import REPO
from websupport import web_site  # noqa: F401  (fixture)

SHIPPED = ("audit", "web", "schedules", "deskaudit", "models", "vision", "config", "docs", "bench", "scripts")
TEXT = {".py", ".html", ".js", ".toml", ".md", ".po", ".txt", ".css", ".sh"}


def shipped_files():
    yield REPO / "README.md"
    for top in SHIPPED:
        for path in sorted((REPO / top).rglob("*")):
            if path.is_file() and path.suffix in TEXT:
                yield path


def lines_with(pattern: str) -> list[str]:
    found = re.compile(pattern)
    return [f"{path.relative_to(REPO)}:{number}" for path in shipped_files()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if found.search(line)]


@pytest.mark.pure
@pytest.mark.parametrize("words, why", [
    (r"61/2018", "the one-stop mechanism is Decree 118/2025/NĐ-CP (61/2018 was superseded on 1/7/2025)"),
    (r"Quầy trực tuyến", "“trực tuyến” means online: the wall is “Giám sát các quầy”"),
    (r"Thanh tra", "the role is “Cán bộ kiểm tra”; thanh tra is a separate statutory function"),
    (r"Xác nhận đã biết|xác nhận đã biết", "alerts are acknowledged with “Tiếp nhận”"),
    (r"có dân chờ", "the register is “khi có người dân chờ”"),
    (r"[«»]", "Vietnamese quotation marks are “…”"),
])
def test_words_not_shipped(words, why):
    assert not lines_with(words), why


@pytest.mark.pure
def test_the_role_the_wall_and_the_alert_button():
    from flask import Flask
    from flask_babel import Babel

    from web import NAV, ROLE_LABELS

    app = Flask(__name__)
    Babel(app, locale_selector=lambda: "vi")
    with app.test_request_context():
        assert str(ROLE_LABELS["inspector"]) == "Cán bộ kiểm tra"
        assert {endpoint: str(label) for endpoint, label, _ in NAV}["wall.index"] == "Giám sát các quầy"
    template = (REPO / "web" / "templates" / "alerts" / "index.html").read_text(encoding="utf-8")
    assert '{{ _("Tiếp nhận") }}</button>' in template


@pytest.mark.pure
def test_checklist_items_are_requirements_with_stable_numbers():
    """An item passes (“Đạt”) when the official did right, so none reads as the violation itself."""
    from audit.rules.checklist import DEFAULT_ITEMS

    assert [item.number for item in DEFAULT_ITEMS] == list(range(1, 19))
    texts = {item.number: item.text_vi for item in DEFAULT_ITEMS}
    assert texts[1] == "Có mặt tại quầy đúng giờ" and texts[5] == "Đeo thẻ công chức"
    assert texts[2] == "Không vắng quầy quá 15 phút khi không có lý do"
    assert texts[3] == "Không vắng cả buổi khi không có lý do" and texts[4] == "Không về sớm"
    assert not [t for t in texts.values() if re.match(r"(Vắng|Về sớm|Đi muộn|Đến muộn)", t)]
    assert not [t for t in texts.values() if re.search(r"[\"«»]", t)], "Vietnamese quotes are “…”"


@pytest.mark.pure
def test_camera_purposes_name_the_real_purposes_and_the_current_decree():
    import tomllib

    site = tomllib.loads((REPO / "config" / "example-site.toml").read_text(encoding="utf-8"))
    cameras = [c for unit in site["units"] for c in
               [*unit.get("cameras", []), *(c for desk in unit.get("desks", []) for c in desk.get("cameras", []))]]
    assert cameras
    for camera in cameras:
        assert "118/2025/NĐ-CP" in camera["purpose"] and "335/2025/NĐ-CP" in camera["purpose"], camera["id"]


def test_the_pages_say_them(web_site):
    inspector = web_site.client("thanhtra")
    wall = inspector.get("/wall").get_data(as_text=True)
    assert "<title>Giám sát các quầy" in wall and "Cán bộ kiểm tra" in wall  # the title, the signed-in role
    assert "trực tuyến" not in wall and "Thanh tra" not in wall
    alerts = inspector.get("/alerts").get_data(as_text=True)
    assert "Xác nhận" not in alerts
    page = inspector.get("/wall?lang=en").get_data(as_text=True)
    assert "Desk monitoring" in page and "Inspector" in page
