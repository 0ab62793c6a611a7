"""Unconfirmed proposals carry no names below the inspector role: pages, API and the XLSX report alike.

A manager or a viewer sees each finding (desk, day, status) and how many withhold their official; an admin or an
inspector sees whose it is. A confirmed finding names its official to every role. Users: tests/websupport.py.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import select

from apisupport import TV, site  # noqa: F401  (fixture)
from audit.rules.disclosure import names_official, withholds
from models.enums import FindingStatus, Role
from models.findings import Explanation, Finding
from models.org import Desk, Staff, Unit
from websupport import NOW, csrf_token, web_site  # noqa: F401  (fixture)

NAMING = ("admin", "thanhtra")
BELOW = ("lanhdao-tv", "xem-tv")


@pytest.mark.pure
@pytest.mark.parametrize("role", [Role.ADMIN, Role.INSPECTOR, Role.MANAGER, Role.VIEWER])
@pytest.mark.parametrize("status", list(FindingStatus))
def test_the_rule(role, status):
    named = role in (Role.ADMIN, Role.INSPECTOR) or status is FindingStatus.CONFIRMED
    assert names_official(role, status) is named
    assert withholds(role, status, 7) is not named
    assert withholds(role, status, None) is False  # a unit's finding names nobody to withhold


def two_officials(web_site) -> dict:
    """In Trường Vinh: one official's finding confirmed; another official's finding proposed, with an explanation
    in that official's name; the count of the commune's personal findings that are not confirmed."""
    with web_site.factory.begin() as session:
        rows = session.execute(
            select(Finding, Staff.code, Staff.full_name, Desk.code).join(Unit, Finding.unit_id == Unit.id)
            .join(Staff, Finding.staff_id == Staff.id).join(Desk, Finding.desk_id == Desk.id)
            .where(Unit.code == TV).order_by(Finding.id)).all()
        confirmed = rows[0]
        proposed = next(r for r in rows if r[0].staff_id != confirmed[0].staff_id)
        confirmed[0].status = FindingStatus.CONFIRMED
        session.add(Explanation(finding_id=proposed[0].id, staff_id=proposed[0].staff_id, text="Tôi đi lấy hồ sơ.",
                                submitted_at=NOW))
        hidden = sum(1 for f, *_ in rows if f.id != confirmed[0].id)
        day_hidden = sum(1 for f, *_ in rows if f.id != confirmed[0].id and f.desk_id == proposed[0].desk_id
                         and f.day == proposed[0].day)
        return {"confirmed": confirmed[0].id, "confirmed_code": confirmed[1], "confirmed_name": confirmed[2],
                "proposed": proposed[0].id, "proposed_code": proposed[1], "proposed_name": proposed[2],
                "desk": proposed[3], "day": proposed[0].day.isoformat(), "hidden": hidden, "day_hidden": day_hidden}


def note(count: int) -> str:
    return f"{count} đề xuất chưa xác nhận: tên cán bộ được ẩn"


@pytest.mark.parametrize("user", NAMING + BELOW)
def test_pages(web_site, user):
    ids = two_officials(web_site)
    client = web_site.client(user)
    named = user in NAMING
    pages = {"list": client.get(f"/findings?unit={TV}"), "detail": client.get(f"/findings/{ids['proposed']}"),
             "desk day": client.get(f"/wall/desk/{ids['desk']}?day={ids['day']}")}
    for name, response in pages.items():
        assert response.status_code == 200, name
        page = response.get_data(as_text=True)
        assert (ids["proposed_name"] in page) is named, (name, user)
        assert ids["proposed_code"] not in page or named, (name, user)  # the desk's day names, without codes
        assert ("Ẩn tên (chưa xác nhận)" in page) is not named, (name, user)
    assert (note(ids["hidden"]) in pages["list"].get_data(as_text=True)) is not named
    assert (note(ids["day_hidden"]) in pages["desk day"].get_data(as_text=True)) is not named
    assert "Tôi đi lấy hồ sơ." in pages["detail"].get_data(as_text=True)  # the explanation itself is shown
    assert (ids["proposed_code"] in pages["list"].get_data(as_text=True)) is named

    confirmed = client.get(f"/findings/{ids['confirmed']}").get_data(as_text=True)
    listing = pages["list"].get_data(as_text=True)
    for page in (confirmed, listing):
        assert ids["confirmed_name"] in page and ids["confirmed_code"] in page  # confirmed: named to everyone


def test_a_manager_acts_on_a_finding_whose_official_is_withheld(web_site):
    ids = two_officials(web_site)
    manager = web_site.client("lanhdao-tv")
    path = f"/findings/{ids['proposed']}"
    asked = manager.post(f"{path}/request-explanation", data={"csrf_token": csrf_token(manager)})
    assert asked.status_code == 302
    recorded = manager.post(f"{path}/explanations", data={"csrf_token": csrf_token(manager),
                                                          "text": "Đi họp giao ban."}, follow_redirects=True)
    page = recorded.get_data(as_text=True)
    assert recorded.status_code == 200 and "Đi họp giao ban." in page and "Chờ giải trình" in page
    assert ids["proposed_name"] not in page
    with web_site.factory() as session:
        texts = session.execute(select(Explanation.text, Explanation.staff_id)
                                .where(Explanation.finding_id == ids["proposed"])).all()
        staff_id = session.scalar(select(Finding.staff_id).where(Finding.id == ids["proposed"]))
    assert ("Đi họp giao ban.", staff_id) in texts  # the explanation is the official's, named or not
    inspector = web_site.client("thanhtra").get(path).get_data(as_text=True)
    assert inspector.count(ids["proposed_name"]) >= 3  # the finding and both explanations


def test_score_pages_list_confirmed_findings_only(web_site):
    from audit.services.scores import compute_month

    ids = two_officials(web_site)
    with web_site.factory.begin() as session:
        compute_month(session, "2026-03", now=NOW)
    for user in NAMING + BELOW:
        client = web_site.client(user)
        mine = client.get(f"/scores/2026-03/{ids['confirmed_code']}").get_data(as_text=True)
        theirs = client.get(f"/scores/2026-03/{ids['proposed_code']}").get_data(as_text=True)
        assert f"Phát hiện #{ids['confirmed']}" in mine, user
        assert f"Phát hiện #{ids['proposed']}<" not in theirs, user


@pytest.mark.parametrize("user", NAMING + BELOW)
def test_api(site, web_site, user):
    ids = two_officials(web_site)
    named = user in NAMING
    listing = site.get(user, f"/findings?unit={TV}&per_page=500").get_json()
    items = {item["id"]: item for item in listing["items"]}
    proposed, confirmed = items[ids["proposed"]], items[ids["confirmed"]]
    assert (proposed["staff_code"], proposed["staff_name"]) == (
        (ids["proposed_code"], ids["proposed_name"]) if named else (None, None))
    assert proposed["staff_withheld"] is not named
    assert (confirmed["staff_code"], confirmed["staff_withheld"]) == (ids["confirmed_code"], False)
    assert listing["staff_withheld"] == (0 if named else ids["hidden"])
    assert sum(item["staff_withheld"] for item in listing["items"]) == listing["staff_withheld"]

    detail = site.get(user, f"/findings/{ids['proposed']}").get_json()
    assert detail["staff_code"] == (ids["proposed_code"] if named else None)
    assert [e["staff_code"] for e in detail["explanations"]] == [ids["proposed_code"] if named else None]
    assert ids["proposed_name"] not in str(detail) or named

    theirs = site.get(user, f"/findings?staff={ids['proposed_code']}").get_json()
    assert theirs["total"] == (sum(1 for i in listing["items"] if i["staff_code"] == ids["proposed_code"])
                               if named else 0)  # below inspector, ?staff= finds their confirmed findings only
    confirmed_only = site.get(user, f"/findings?staff={ids['confirmed_code']}").get_json()
    assert ids["confirmed"] in {item["id"] for item in confirmed_only["items"]}


@pytest.mark.parametrize("user", NAMING + BELOW)
def test_xlsx(web_site, user):
    ids = two_officials(web_site)
    named = user in NAMING
    response = web_site.client(user).get(f"/reports/2026-03.xlsx?unit={TV}")
    assert response.status_code == 200
    sheets = pd.read_excel(io.BytesIO(response.data), sheet_name=None, keep_default_na=False)
    findings = sheets["findings"].set_index("id")
    proposed, confirmed = findings.loc[ids["proposed"]], findings.loc[ids["confirmed"]]
    assert (proposed["staff_code"], proposed["full_name"]) == (
        (ids["proposed_code"], ids["proposed_name"]) if named else ("", ""))
    assert bool(proposed["staff_withheld"]) is not named
    assert (confirmed["staff_code"], confirmed["full_name"]) == (ids["confirmed_code"], ids["confirmed_name"])
    summary = dict(zip(sheets["summary"]["key"], sheets["summary"]["value"]))
    if named:
        assert "findings_staff_withheld" not in summary
    else:
        assert summary["findings_staff_withheld"] == ids["hidden"] == int(findings["staff_withheld"].sum())
        assert summary["staff_withheld_vi"].startswith("Đề xuất chưa xác nhận không ghi tên cán bộ")
    officials = sheets["officials"].set_index("staff_code")
    assert officials.loc[ids["proposed_code"], "findings"] == (
        int((findings["staff_code"] == ids["proposed_code"]).sum()) if named else 0)
    assert officials.loc[ids["confirmed_code"], "findings_confirmed"] == 1
    assert sheets["desks"][[c for c in sheets["desks"] if c.startswith("findings_")]].to_numpy().sum() == len(findings)
