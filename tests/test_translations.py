"""The English catalogue of the web app: complete, compiled, placeholder-safe, and used when ``?lang=en`` is chosen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from websupport import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
PO = WEB / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}  # as scripts/i18n.sh passes -k _l -k lazy_gettext
FIX = "run scripts/i18n.sh and translate the new strings"
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
TAG = re.compile(r"</?[A-Za-z][^>]*>")


def extracted() -> dict[tuple[str, str | None], str]:
    """Every message of web/ as ``pybabel extract -F babel.cfg`` finds it: (msgid, context) → first location."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, filename="babel.cfg")
    found: dict[tuple[str, str | None], str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(WEB), method_map, options_map, keywords=KEYWORDS
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault((msgid, context), f"web/{filename}:{lineno}")
    return found


def po_catalog():
    with open(PO, "rb") as handle:
        return read_po(handle, locale="en")


def strings_of(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def translations(catalog) -> dict[tuple[object, str | None], tuple[str, ...]]:
    return {(m.id, m.context): strings_of(m) for m in catalog if m.id}


def test_every_source_string_has_an_english_translation():
    catalog = po_catalog()
    found = extracted()
    assert len(found) > 100, "extraction from web/ found almost nothing: is babel.cfg still right?"
    problems = []
    for (msgid, context), where in sorted(found.items(), key=lambda item: item[1]):
        message = catalog.get(msgid, context=context)
        if message is None:
            problems.append(f"{where}: not in the catalogue: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"{where}: fuzzy translation of {msgid!r}")
        elif not all(s.strip() for s in strings_of(message)):
            problems.append(f"{where}: no English for {msgid!r}")
    assert not problems, f"{len(problems)} strings of web/ lack English ({FIX}):\n" + "\n".join(problems)


def test_catalogue_has_no_fuzzy_or_empty_entries():
    bad = [m.id for m in po_catalog() if m.id and (m.fuzzy or not all(s.strip() for s in strings_of(m)))]
    assert not bad, f"{PO.relative_to(ROOT)}: fuzzy or empty entries ({FIX}): {bad}"


def test_compiled_catalogue_matches_the_po_file():
    with open(MO, "rb") as handle:
        compiled = read_mo(handle)
    expected, actual = translations(po_catalog()), translations(compiled)
    stale = sorted(repr(key[0]) for key in expected.keys() ^ actual.keys())
    differ = sorted(repr(key[0]) for key in expected.keys() & actual.keys() if expected[key] != actual[key])
    assert not stale and not differ, (
        f"{MO.relative_to(ROOT)} is out of date with messages.po ({FIX}); "
        f"missing or extra: {stale[:10]}; different text: {differ[:10]}"
    )


def test_placeholders_and_markup_survive_translation():
    problems = []
    for message in po_catalog():
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        for string in strings_of(message):
            for pattern, what in ((PLACEHOLDER, "placeholders"), (TAG, "HTML tags")):
                want = sorted(pattern.findall(sources[0]))
                if sorted(pattern.findall(string)) != want:
                    problems.append(f"{what} of {sources[0]!r} {want} differ in {string!r}")
    assert not problems, f"{PO.relative_to(ROOT)} ({FIX}):\n" + "\n".join(problems)


def test_placeholder_check_catches_a_dropped_name():
    """The check above would notice a translator's slip (guards against a regex that matches nothing)."""
    assert PLACEHOLDER.findall("Phát hiện #%(id)s: %(action)s.") == ["%(id)s", "%(action)s"]
    assert PLACEHOLDER.findall("Finding #%(id)s.") != PLACEHOLDER.findall("Phát hiện #%(id)s: %(action)s.")
    assert PLACEHOLDER.findall("%(low)d–%(high)d, 100%%") == ["%(low)d", "%(high)d", "%%"]


# --- rendered pages ------------------------------------------------------------------------------

PAGES = ("/units", "/findings", "/scores", "/scores/year", "/cameras", "/alerts", "/wall", "/inspections", "/reports",
         "/settings")
MENU_EN = {"findings_page.index": "Findings", "alerts_page.index": "Alerts", "scores_page.index": "Monitoring results",
           "scores_page.year": "Annual classification",
           "cameras_page.index": "Cameras", "reports_page.index": "Reports", "settings_page.index": "Settings",
           "wall.index": "Desk monitoring", "inspections_page.index": "Inspections"}
MENU_VI = {"findings_page.index": "Phát hiện", "alerts_page.index": "Cảnh báo", "scores_page.index": "Kết quả theo dõi",
           "scores_page.year": "Xếp loại năm",
           "cameras_page.index": "Camera"}


def menu_of(html: str) -> str:
    assert '<nav class="menu">' in html, html[:500]
    return html.split('<nav class="menu">', 1)[1].split("</nav>", 1)[0]


def sign_in(client, lang: str | None = None) -> None:
    """Open the login page (with ``?lang=`` if given) and sign in as admin through its form."""
    query = f"?lang={lang}" if lang else ""
    page = client.get(f"/login{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(f"/login{query}", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def test_pages_in_english_after_switching_and_vietnamese_by_default(web_site):
    app = web_site.app
    endpoints = set(app.view_functions)

    login_page = web_site.client().get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in login_page
    assert "Sign in" in login_page and "Username" in login_page and "Đăng nhập" not in login_page

    english = web_site.client()
    sign_in(english, "en")
    assert english.get("/units?lang=en").status_code == 200  # the switch in the header, once
    checked = 0
    for path in PAGES:
        if not any(rule.rule == path for rule in app.url_map.iter_rules()):
            continue  # a page not built yet
        response = english.get(path)  # no ?lang: the choice is remembered
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert '<html lang="en">' in html, path
        menu = menu_of(html)
        for endpoint, label in MENU_EN.items():
            if endpoint in endpoints:
                assert f">{label}</a>" in menu, (path, label)
        for endpoint, label in MENU_VI.items():
            if endpoint in endpoints:
                assert f">{label}</a>" not in menu, (path, label)
        assert "Sign out" in html and "One-stop desk monitoring" in html, path
        checked += 1
    assert checked >= 4

    vietnamese = web_site.client()
    sign_in(vietnamese)
    for path in ("/units", "/findings"):
        html = vietnamese.get(path).get_data(as_text=True)
        assert '<html lang="vi">' in html, path
        assert ">Phát hiện</a>" in menu_of(html) and "Đăng xuất" in html, path

    back = english.get("/findings?lang=vi").get_data(as_text=True)
    assert '<html lang="vi">' in back and ">Phát hiện</a>" in menu_of(back)


def test_english_labels_and_numbers_on_the_scores_page(web_site):
    client = web_site.client()
    sign_in(client)
    if not any(rule.rule == "/scores" for rule in web_site.app.url_map.iter_rules()):
        pytest.skip("no scores page")
    vi = client.get("/scores?month=2026-03").get_data(as_text=True)
    en = client.get("/scores?month=2026-03&lang=en").get_data(as_text=True)
    assert "Xếp hạng đơn vị" in vi and "Unit ranking" in en and "Xếp hạng đơn vị" not in en
    decimal_vi, decimal_en = re.findall(r"\b\d{1,3},\d{2}\b", vi), re.findall(r"\b\d{1,3}\.\d{2}\b", en)
    assert decimal_vi and decimal_en  # decimal comma in Vietnamese, point in English


def test_language_chosen_on_the_login_page_survives_sign_in(web_site):
    client = web_site.client()
    sign_in(client, "en")
    assert '<html lang="en">' in client.get("/units").get_data(as_text=True)
