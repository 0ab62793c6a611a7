"""Findings review pages: list and filters, evidence (logged), and the explanation → decision workflow."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import ultralytics
from sqlalchemy import func, select

from models.access import AccessLog
from models.enums import FindingStatus
from models.findings import Decision, Explanation, Finding, FindingEvidence
from models.org import Unit
from websupport import csrf_token, web_site  # noqa: F401  (fixture)

USERS = ("admin", "thanhtra", "lanhdao-tv", "xem-tv", "xem-dc")
JPEG = Path(os.path.dirname(ultralytics.__file__)) / "assets" / "bus.jpg"

# route → expected status for (admin, thanhtra, lanhdao-tv, xem-tv, xem-dc). {tv}/{dc}: a finding of Trường Vinh /
# Diễn Châu awaiting explanation; {ev_tv}/{ev_dc}: their evidence snapshots. POSTs that a role may make are sent
# so that they stop at validation (400) or at the workflow (409) — or add an explanation (302), which repeats.
MATRIX = [
    ("GET", "/findings", None, (200, 200, 200, 200, 200)),
    ("GET", "/findings?unit=NA-DIENCHAU", None, (200, 200, 404, 404, 200)),
    ("GET", "/findings?unit=NA-TRUONGVINH", None, (200, 200, 200, 200, 404)),
    ("GET", "/findings/{tv}", None, (200, 200, 200, 200, 404)),
    ("GET", "/findings/{dc}", None, (200, 200, 404, 404, 200)),
    ("GET", "/findings/999999", None, (404, 404, 404, 404, 404)),
    ("GET", "/findings/{tv}/evidence/{ev_tv}.jpg", None, (200, 200, 200, 200, 404)),
    ("GET", "/findings/{dc}/evidence/{ev_dc}.jpg", None, (200, 200, 404, 404, 200)),
    ("GET", "/findings/{tv}/evidence/{ev_dc}.jpg", None, (404, 404, 404, 404, 404)),
    ("POST", "/findings/{tv}/request-explanation", {}, (409, 409, 409, 403, 403)),
    ("POST", "/findings/{dc}/request-explanation", {}, (409, 409, 404, 403, 403)),
    ("POST", "/findings/{tv}/explanations", {"text": "Đi lấy hồ sơ ở bộ phận lưu trữ"}, (302, 302, 302, 403, 403)),
    ("POST", "/findings/{dc}/explanations", {"text": "Đi họp giao ban"}, (302, 302, 404, 403, 403)),
    ("POST", "/findings/{tv}/decide", {"action": "confirm"}, (400, 400, 403, 403, 403)),
    ("POST", "/findings/{dc}/decide", {"action": "dismiss"}, (400, 400, 403, 403, 403)),
]


def personal_finding(site, unit_code: str, status: FindingStatus = FindingStatus.PROPOSED) -> int:
    with site.factory() as session:
        return session.scalar(select(Finding.id).join(Unit, Finding.unit_id == Unit.id)
                              .where(Unit.code == unit_code, Finding.staff_id.is_not(None),
                                     Finding.status == status).order_by(Finding.id))


def set_status(site, finding_id: int, status: FindingStatus) -> None:
    with site.factory.begin() as session:
        session.get(Finding, finding_id).status = status


def add_snapshot(site, finding_id: int, name: str) -> int:
    """Put a blurred snapshot (a real JPEG) under DATA_DIR and attach it to the finding as evidence."""
    data = Path(site.app.config["DATA_DIR"])
    target = data / "snapshots" / "evidence" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(JPEG, target)
    with site.factory.begin() as session:
        evidence = FindingEvidence(finding_id=finding_id, snapshot_path=target.relative_to(data).as_posix())
        session.add(evidence)
        session.flush()
        return evidence.id


def state(site, finding_id: int) -> tuple:
    with site.factory() as session:
        finding = session.get(Finding, finding_id)
        decisions = session.scalar(select(func.count()).select_from(Decision).where(Decision.finding_id == finding_id))
        explanations = session.scalar(select(func.count()).select_from(Explanation)
                                      .where(Explanation.finding_id == finding_id))
        return finding.status, decisions, explanations, finding.decision_reason


@pytest.mark.parametrize("user", USERS)
def test_authorisation_matrix(web_site, user):
    tv, dc = personal_finding(web_site, "NA-TRUONGVINH"), personal_finding(web_site, "NA-DIENCHAU")
    for finding_id in (tv, dc):
        set_status(web_site, finding_id, FindingStatus.AWAITING_EXPLANATION)
    ids = {"tv": tv, "dc": dc, "ev_tv": add_snapshot(web_site, tv, "tv.jpg"),
           "ev_dc": add_snapshot(web_site, dc, "dc.jpg")}
    client = web_site.client(user)
    token = csrf_token(client)
    column = USERS.index(user)
    wrong = []
    for method, path, data, expected in MATRIX:
        url = path.format(**ids)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={**data, "csrf_token": token})
        if response.status_code != expected[column]:
            wrong.append(f"{method} {url}: {response.status_code}, expected {expected[column]}")
    assert not wrong, "\n".join(wrong)


def test_request_explain_confirm_then_reopen(web_site):
    finding_id = personal_finding(web_site, "NA-TRUONGVINH")
    inspector, manager = web_site.client("thanhtra"), web_site.client("lanhdao-tv")

    response = inspector.post(f"/findings/{finding_id}/request-explanation",
                              data={"csrf_token": csrf_token(inspector), "reason": "Đề nghị giải trình trong 2 ngày"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/findings/{finding_id}")
    assert state(web_site, finding_id)[:2] == (FindingStatus.AWAITING_EXPLANATION, 1)

    page = inspector.get(f"/findings/{finding_id}").get_data(as_text=True)
    assert "Chờ giải trình" in page and "Đề nghị giải trình trong 2 ngày" in page
    assert ">Xác nhận vi phạm</button>" in page and ">Bác bỏ</button>" in page

    response = manager.post(f"/findings/{finding_id}/explanations",
                            data={"csrf_token": csrf_token(manager), "text": "Tôi đi lấy hồ sơ ở kho lưu trữ.",
                                  "attachment_ref": "Giấy đề nghị số 12"})
    assert response.status_code == 302
    assert state(web_site, finding_id)[2] == 1

    response = inspector.post(f"/findings/{finding_id}/decide",
                              data={"csrf_token": csrf_token(inspector), "action": "confirm",
                                    "reason": "Giải trình không có căn cứ"})
    assert response.status_code == 302
    assert state(web_site, finding_id) == (FindingStatus.CONFIRMED, 2, 1, "Giải trình không có căn cứ")
    page = web_site.client("xem-tv").get(f"/findings/{finding_id}").get_data(as_text=True)
    for text in ("Đã xác nhận", "Tôi đi lấy hồ sơ ở kho lưu trữ.", "Giấy đề nghị số 12", "Giải trình không có căn cứ",
                 "Lịch sử quyết định", "thanhtra"):
        assert text in page, text
    assert "<form" not in page.split("</header>", 1)[1]  # a viewer gets no action forms

    response = inspector.post(f"/findings/{finding_id}/decide",
                              data={"csrf_token": csrf_token(inspector), "action": "reopen",
                                    "reason": "Có tài liệu mới"})
    assert response.status_code == 302
    assert state(web_site, finding_id)[:2] == (FindingStatus.AWAITING_EXPLANATION, 3)
    page = inspector.get(f"/findings/{finding_id}").get_data(as_text=True)
    assert 'id="explanation-due"' in page and "Hạn giải trình: hết ngày " in page
    refused = inspector.post(f"/findings/{finding_id}/decide",
                             data={"csrf_token": csrf_token(inspector), "action": "confirm", "reason": "Vẫn vi phạm"})
    assert refused.status_code == 409  # reopened: no explanation since, and the new deadline has not passed
    assert "cán bộ chưa giải trình và hạn giải trình đến hết ngày" in refused.get_data(as_text=True)
    assert state(web_site, finding_id)[:2] == (FindingStatus.AWAITING_EXPLANATION, 3)


def test_confirm_without_request_shows_why_and_changes_nothing(web_site):
    finding_id = personal_finding(web_site, "NA-TRUONGVINH")
    client = web_site.client("admin")
    page = client.get(f"/findings/{finding_id}").get_data(as_text=True)
    assert "Xác nhận vi phạm</button>" not in page and ">Bác bỏ</button>" in page  # confirm needs the request first
    before = state(web_site, finding_id)
    response = client.post(f"/findings/{finding_id}/decide",
                           data={"csrf_token": csrf_token(client), "action": "confirm", "reason": "Vắng quầy"})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Chưa thể xác nhận vi phạm" in text and "Không có thay đổi nào được lưu" in text
    assert state(web_site, finding_id) == before == (FindingStatus.PROPOSED, 0, 0, None)

    response = client.post(f"/findings/{finding_id}/explanations",
                           data={"csrf_token": csrf_token(client), "text": "Giải trình trước khi được yêu cầu"})
    assert response.status_code == 409 and "Chỉ ghi nhận giải trình" in response.get_data(as_text=True)
    assert state(web_site, finding_id) == before


def test_decisions_need_a_reason(web_site):
    finding_id = personal_finding(web_site, "NA-TRUONGVINH")
    client = web_site.client("thanhtra")
    for action in ("confirm", "dismiss"):
        response = client.post(f"/findings/{finding_id}/decide",
                               data={"csrf_token": csrf_token(client), "action": action, "reason": "   "})
        assert response.status_code == 400
        assert "Cần ghi lý do" in response.get_data(as_text=True)
    assert state(web_site, finding_id) == (FindingStatus.PROPOSED, 0, 0, None)
    bad = client.post(f"/findings/{finding_id}/decide", data={"csrf_token": csrf_token(client), "action": "delete",
                                                              "reason": "x"})
    assert bad.status_code == 400
    response = client.post(f"/findings/{finding_id}/decide",
                           data={"csrf_token": csrf_token(client), "action": "dismiss",
                                 "reason": "Cán bộ đi công tác có giấy"})
    assert response.status_code == 302
    assert state(web_site, finding_id) == (FindingStatus.DISMISSED, 1, 0, "Cán bộ đi công tác có giấy")


def test_every_form_needs_the_csrf_token(web_site):
    finding_id = personal_finding(web_site, "NA-TRUONGVINH")
    client = web_site.client("admin")
    client.get("/findings")
    for path, data in ((f"/findings/{finding_id}/request-explanation", {}),
                       (f"/findings/{finding_id}/explanations", {"text": "x"}),
                       (f"/findings/{finding_id}/decide", {"action": "dismiss", "reason": "x"})):
        assert client.post(path, data=data).status_code == 400, path
    assert state(web_site, finding_id) == (FindingStatus.PROPOSED, 0, 0, None)


def test_list_filters_counts_and_scope(web_site):
    viewer = web_site.client("xem-tv")
    page = viewer.get("/findings").get_data(as_text=True)
    assert "TV-" in page and "DC-" not in page
    with web_site.factory() as session:
        tv_total = session.scalar(select(func.count()).select_from(Finding).join(Unit, Finding.unit_id == Unit.id)
                                  .where(Unit.code == "NA-TRUONGVINH"))
    assert f"{tv_total} phát hiện phù hợp" in page
    assert f"<strong>{tv_total}</strong> <span>Đề xuất</span>" in page  # every seeded finding is still proposed
    early = viewer.get("/findings?kind=early_leave").get_data(as_text=True)
    assert "Về sớm" in early and "Đi muộn" not in early.split("<table", 1)[1]
    assert "Không có phát hiện nào" in viewer.get("/findings?month=2026-02").get_data(as_text=True)
    assert "Không có phát hiện nào" in viewer.get("/findings?status=confirmed").get_data(as_text=True)
    assert viewer.get("/findings?status=nonsense").status_code == 400
    assert viewer.get("/findings?month=2026-3").status_code == 400
    assert viewer.get("/findings?kind=smoking").status_code == 400
    everything = web_site.client("thanhtra").get("/findings?month=2026-03").get_data(as_text=True)
    assert "TV-" in everything and "DC-" in everything


def test_evidence_is_served_from_the_data_dir_and_logged(web_site):
    finding_id = personal_finding(web_site, "NA-TRUONGVINH")
    evidence_id = add_snapshot(web_site, finding_id, "span.jpg")
    client = web_site.client("xem-tv")
    page = client.get(f"/findings/{finding_id}").get_data(as_text=True)
    url = f"/findings/{finding_id}/evidence/{evidence_id}.jpg"
    assert f'src="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.data == JPEG.read_bytes() and "no-store" in response.headers["Cache-Control"]
    with web_site.factory() as session:
        rows = session.scalars(select(AccessLog).where(AccessLog.action == "evidence.view")).all()
        assert [(r.username, r.object_type, r.object_id) for r in rows] == [("xem-tv", "finding_evidence",
                                                                              str(evidence_id))]
        assert rows[0].detail["finding_id"] == finding_id
        outside = FindingEvidence(finding_id=finding_id, snapshot_path="../../../etc/passwd")
        session.add(outside)
        session.commit()
        outside_id = outside.id
    assert client.get(f"/findings/{finding_id}/evidence/{outside_id}.jpg").status_code == 404  # never outside DATA_DIR
