"""The ``staff`` role: an official's own account. Their own records only (pages and API), their own explanation
with a scan, their reply to a FINAL inspection, notices in-app and by e-mail, and nothing decided.

Users (tests/websupport.py): cb-tv-01 is the official CB-TV-01 (with an e-mail address), cb-tv-02 is CB-TV-02.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from websupport import STAFF_USERS, csrf_token, login, web_site  # noqa: F401  (fixture)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _ids(web_site, code):
    from models.findings import Finding
    from models.org import Staff

    with web_site.factory() as session:
        staff_id = session.scalar(select(Staff.id).where(Staff.code == code))
        finding = session.scalar(select(Finding.id).where(Finding.staff_id == staff_id).order_by(Finding.id))
    return staff_id, finding


def _ask(web_site, finding_id, user="thanhtra"):
    """An inspector asks for the explanation (now), as the page does."""
    from audit.services.workflow import decide
    from models.access import User
    from models.enums import DecisionAction

    with web_site.factory.begin() as session:
        decide(session, finding_id, DecisionAction.REQUEST_EXPLANATION,
               by=session.scalars(select(User).where(User.username == user)).one(),
               now=datetime.now(timezone.utc))


def _count(web_site, model, *where):
    with web_site.factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


# --- the account -------------------------------------------------------------------------------------------------

def test_users_add_staff_links_one_official(cli_runner, monkeypatch, migrated_url, session_for):
    from conftest import EXAMPLE_CONFIG
    from deskaudit.cli import cli
    from models.access import User
    from models.org import Staff

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    assert cli_runner.invoke(cli, ["config", "import", str(EXAMPLE_CONFIG)]).exit_code == 0
    password = "mat-khau-du-dai-2026\n"
    result = cli_runner.invoke(cli, ["users", "add", "hoa", "--role", "staff", "--staff", "CB-TV-01",
                                     "--email", "hoa@example.vn", "--password-stdin"], input=password)
    assert result.exit_code == 0, result.output
    assert "scope official CB-TV-01" in result.output
    with session_for() as session:
        user = session.scalars(select(User).where(User.username == "hoa")).one()
        official = session.get(Staff, user.staff_id)
        assert (official.code, user.email, [u.code for u in user.units]) == ("CB-TV-01", "hoa@example.vn",
                                                                             ["NA-TRUONGVINH"])
        assert user.full_name == official.full_name
        session.get(Staff, session.scalar(select(Staff.id).where(Staff.code == "CB-TV-03"))).active = False
        session.commit()
    listed = cli_runner.invoke(cli, ["users", "list"]).output
    assert "hoa\tstaff\tofficial CB-TV-01" in listed
    for args, message in [
        (["x1", "--role", "staff"], "needs --staff CODE"),
        (["x2", "--role", "staff", "--staff", "CB-TV-02", "--unit", "NA-TRUONGVINH"], "takes no --unit"),
        (["x3", "--role", "viewer", "--unit", "NA-TRUONGVINH", "--staff", "CB-TV-02"], "for role staff only"),
        (["x4", "--role", "staff", "--staff", "NO-ONE"], "no such official"),
        (["x5", "--role", "staff", "--staff", "CB-TV-01"], "already has the account 'hoa'"),
        (["x6", "--role", "staff", "--staff", "CB-TV-03"], "has been deactivated"),
        (["x7", "--role", "staff", "--staff", "CB-TV-02", "--email", "not-an-address"], "not an e-mail"),
    ]:
        refused = cli_runner.invoke(cli, ["users", "add", *args, "--password-stdin"], input=password)
        assert refused.exit_code == 2 and message in refused.output, (args, refused.output)
    with session_for() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_a_deactivated_official_cannot_sign_in_and_a_session_ends(web_site):
    from models.org import Staff

    client = web_site.client("cb-tv-02")
    assert client.get("/me").status_code == 200
    with web_site.factory.begin() as session:
        session.scalars(select(Staff).where(Staff.code == "CB-TV-02")).one().active = False
    assert client.get("/me").status_code == 302  # signed out: to the login page
    fresh = web_site.app.test_client()
    page = fresh.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = fresh.post("/login", data={"username": "cb-tv-02", "password": "mat-khau-du-dai-2026",
                                          "csrf_token": token})
    assert response.status_code == 403 and "đã thôi được theo dõi" in response.get_data(as_text=True)
    wrong = fresh.post("/login", data={"username": "cb-tv-02", "password": "sai-mat-khau-roi",
                                       "csrf_token": token})
    assert wrong.status_code == 401  # a wrong password says nothing about the official



def test_an_admin_creates_an_officials_account_in_the_web(web_site):
    from models.access import ChangeLog, User

    admin = web_site.client("admin")
    page = admin.get("/staff/CB-TV-03/edit").get_data(as_text=True)
    assert 'id="account-form"' in page
    assert "cb-tv-01" in admin.get("/staff/CB-TV-01/edit").get_data(as_text=True)  # already has one: no form
    token = csrf_token(admin, "/staff/CB-TV-03/edit")
    before = _count(web_site, User)
    for data, message in [
        ({"username": "Thu Hang", "password": "mat-khau-du-dai-2026"}, "user name"),
        ({"username": "hang", "password": "ngan"}, "Không tạo được tài khoản"),
        ({"username": "admin", "password": "mat-khau-du-dai-2026"}, "already exists"),
        ({"username": "hang", "password": "mat-khau-du-dai-2026", "email": "khong-phai-thu"}, "not an e-mail"),
    ]:
        response = admin.post("/staff/CB-TV-03/account", data={"csrf_token": token, **data})
        assert response.status_code == 422 and message in response.get_data(as_text=True), data
    again = admin.post("/staff/CB-TV-01/account", data={"csrf_token": token, "username": "hoa2",
                                                         "password": "mat-khau-du-dai-2026"})
    assert again.status_code == 422 and "already has the account" in again.get_data(as_text=True)
    assert _count(web_site, User) == before
    manager = web_site.client("lanhdao-tv")
    assert manager.post("/staff/CB-TV-03/account", data={
        "csrf_token": csrf_token(manager), "username": "hang", "password": "mat-khau-du-dai-2026"}).status_code == 403
    made = admin.post("/staff/CB-TV-03/account", data={"csrf_token": token, "username": "hang",
                                                        "password": "mat-khau-du-dai-2026"})
    assert made.status_code == 302
    with web_site.factory() as session:
        user = session.scalars(select(User).where(User.username == "hang")).one()
        assert user.role.value == "staff" and [u.code for u in user.units] == ["NA-TRUONGVINH"]
        assert session.scalar(select(func.count()).select_from(ChangeLog).where(
            ChangeLog.entity_type == "user", ChangeLog.entity_key == "hang")) == 1
    official = web_site.app.test_client()
    login(official, "hang")
    assert "Lê Thị Thu Hằng" in official.get("/me").get_data(as_text=True)

# --- role × route ------------------------------------------------------------------------------------------------

def test_every_route_but_the_staff_ones_is_forbidden_to_staff(web_site):
    """Each page and API route outside STAFF_ENDPOINTS answers 403 to a staff user, whatever its arguments."""
    from web.scope import STAFF_ENDPOINTS

    client = web_site.client("cb-tv-01")
    token = csrf_token(client, "/me")
    checked = 0
    for rule in web_site.app.url_map.iter_rules():
        if rule.endpoint in STAFF_ENDPOINTS or rule.endpoint in ("auth.login", "overview.healthz", "overview.readyz"):
            continue
        values = {name: (1 if rule._converters[name].__class__.__name__ == "IntegerConverter" else "x")
                  for name in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 403, (rule.endpoint, method, path, response.status_code)
            checked += 1
    assert checked > 40


def test_staff_pages_show_only_their_own(web_site):
    from models.findings import Finding
    from models.org import Staff

    own, own_finding = _ids(web_site, "CB-TV-01")
    other, other_finding = _ids(web_site, "CB-TV-02")
    assert own_finding and other_finding
    client = web_site.client("cb-tv-01")
    assert client.get("/").headers["Location"].endswith("/me")
    me = client.get("/me").get_data(as_text=True)
    assert "Nguyễn Thị Hoa" in me and "CB-TV-01" in me
    listing = client.get("/findings?month=2026-03").get_data(as_text=True)
    with web_site.factory() as session:
        mine = session.scalars(select(Finding.id).where(Finding.staff_id == own)).all()
        others = session.scalars(select(Finding.id).where(Finding.staff_id != own)).all()
        colleague = session.get(Staff, other).full_name
    assert all(f'/findings/{i}"' in listing for i in mine[:5])
    assert not any(f'/findings/{i}"' in listing for i in others)
    assert colleague not in listing
    assert client.get(f"/findings/{own_finding}").status_code == 200
    assert client.get(f"/findings/{other_finding}").status_code == 404
    assert client.get("/scores/2026-03/CB-TV-01").status_code == 200
    assert client.get("/scores/2026-03/CB-TV-02").status_code == 404
    # Other roles have no /me: it is an official's own page.
    assert web_site.client("admin").get("/me").status_code == 404


def test_staff_api_shows_only_their_own(web_site):
    from models.access import ApiToken, User
    from web.auth import new_token, token_hash

    _own, own_finding = _ids(web_site, "CB-TV-01")
    _, other_finding = _ids(web_site, "CB-TV-02")
    token = new_token()
    with web_site.factory.begin() as session:
        user = session.scalars(select(User).where(User.username == "cb-tv-01")).one()
        session.add(ApiToken(user_id=user.id, name="t", token_hash=token_hash(token)))
    client = web_site.app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/findings?per_page=200", headers=headers).get_json()
    assert listed["total"] > 0 and {item["staff_code"] for item in listed["items"]} == {"CB-TV-01"}
    assert client.get(f"/api/v1/findings/{own_finding}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/findings/{other_finding}", headers=headers).status_code == 404
    assert client.get("/api/v1/scores/2026-03/officials/CB-TV-01", headers=headers).status_code == 200
    assert client.get("/api/v1/scores/2026-03/officials/CB-TV-02", headers=headers).status_code == 404
    for path in ("/api/v1/units", "/api/v1/desks", "/api/v1/alerts", "/api/v1/observations", "/api/v1/scores"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403 and response.get_json()["error"]["status"] == 403, path
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["role"] == "staff" and me["official"]["code"] == "CB-TV-01"
    decided = client.post(f"/api/v1/findings/{own_finding}/decision", headers=headers,
                          json={"action": "dismiss", "reason": "tự bác bỏ"})
    assert decided.status_code == 403


# --- explanations ------------------------------------------------------------------------------------------------

def test_the_official_is_told_and_explains_with_a_scan(web_site):
    from models.access import AccessLog, Notification, User
    from models.findings import Explanation, Finding

    _, finding_id = _ids(web_site, "CB-TV-01")
    _ask(web_site, finding_id)
    with web_site.factory() as session:
        user = session.scalars(select(User).where(User.username == "cb-tv-01")).one()
        notice = session.scalars(select(Notification).where(Notification.user_id == user.id)).one()
        due = session.get(Finding, finding_id).explanation_due
    assert notice.kind == "explanation_request" and notice.link == f"/findings/{finding_id}"
    assert f"hạn {due:%d/%m/%Y}" in notice.subject and notice.email_to == STAFF_USERS["cb-tv-01"][1]
    client = web_site.client("cb-tv-01")
    me = client.get("/me").get_data(as_text=True)
    assert notice.subject in me and f"/findings/{finding_id}" in me
    page = client.get(f"/findings/{finding_id}").get_data(as_text=True)
    assert 'id="my-explanation"' in page and "Xác nhận vi phạm" not in page
    token = csrf_token(client, f"/findings/{finding_id}")
    response = client.post(f"/findings/{finding_id}/explanations", content_type="multipart/form-data", data={
        "csrf_token": token, "text": "Tôi đi họp theo Giấy mời số 12/GM-UBND.",
        "scan": (io.BytesIO(PDF), "giay-moi.pdf")})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    with web_site.factory() as session:
        explanation = session.scalars(select(Explanation).where(Explanation.finding_id == finding_id)).one()
        assert explanation.submitted_by_id == user.id and explanation.staff_id == user.staff_id
        assert explanation.attachment_ref.startswith(f"attachments/findings/{finding_id}/")
    scan = client.get(f"/findings/{finding_id}/explanations/{explanation.id}/attachment")
    assert scan.status_code == 200 and scan.data == PDF and scan.mimetype == "application/pdf"
    reviewer = web_site.client("thanhtra").get(f"/findings/{finding_id}/explanations/{explanation.id}/attachment")
    assert reviewer.status_code == 200
    assert _count(web_site, AccessLog, AccessLog.action == "view_attachment") == 2


@pytest.mark.parametrize(("case", "status", "message"), [
    ("after_deadline", 409, "hết hạn giải trình"),
    ("decided", 409, "Chỉ ghi nhận giải trình khi phát hiện đang chờ giải trình"),
    ("someone_else", 404, None),
    ("too_big", 413, "over the limit"),
    ("png", 400, "only a PDF (.pdf) or JPEG (.jpg)"),
    ("renamed_text", 400, "only a PDF (.pdf) or JPEG (.jpg)"),
])
def test_an_explanation_refused_writes_nothing(web_site, case, status, message):
    from models.findings import Explanation, Finding

    _, finding_id = _ids(web_site, "CB-TV-01")
    _, other_id = _ids(web_site, "CB-TV-02")
    target = other_id if case == "someone_else" else finding_id
    _ask(web_site, target)
    scan = ("scan.pdf", PDF)
    with web_site.factory.begin() as session:
        finding = session.get(Finding, target)
        if case == "after_deadline":
            finding.explanation_due = datetime.now(timezone.utc).date() - timedelta(days=2)  # passed
        if case == "decided":
            finding.status = type(finding.status)("dismissed")
    if case == "too_big":
        web_site.app.config["ATTACHMENT_MAX_BYTES"] = 1024
        scan = ("scan.pdf", PDF + b"0" * 2048)
    if case == "png":
        scan = ("scan.png", PNG)
    if case == "renamed_text":
        scan = ("scan.pdf", b"just some text, not a scan")
    client = web_site.client("cb-tv-01")
    token = csrf_token(client, "/me")
    before = _count(web_site, Explanation)
    response = client.post(f"/findings/{target}/explanations", content_type="multipart/form-data", data={
        "csrf_token": token, "text": "Giải trình", "scan": (io.BytesIO(scan[1]), scan[0])})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if message:
        assert message in response.get_data(as_text=True)
    assert _count(web_site, Explanation) == before
    data = web_site.app.config["DATA_DIR"]
    from pathlib import Path

    assert not list((Path(data) / "attachments").rglob("*")) if (Path(data) / "attachments").exists() else True


def test_the_attachment_limit_setting_reaches_the_app(monkeypatch, tmp_path):
    from deskaudit.cli.webserver import web_config
    from deskaudit.settings import load_settings

    monkeypatch.setenv("DESKAUDIT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DESKAUDIT_ATTACHMENT_MAX_MB", "2")
    assert web_config(load_settings())["ATTACHMENT_MAX_BYTES"] == 2 * 1024 * 1024


# --- inspections: the right of reply ----------------------------------------------------------------------------

def _final_inspection(web_site, now):
    from audit.services.inspections import ItemOutcome, finalize, record_inspection

    with web_site.factory.begin() as session:
        inspection = record_inspection(
            session, unit_code="NA-TRUONGVINH", inspector_name="Cán bộ kiểm tra", record_number="07/BB-KT",
            started_at=now - timedelta(hours=1), staff_code="CB-TV-01",
            outcomes=[ItemOutcome(5, "fail", staff_code="CB-TV-01"), ItemOutcome(6, "fail", staff_code="CB-TV-02")])
        finalize(session, inspection.id, now)
        return inspection.id, inspection.reply_due


def test_a_final_inspection_counts_after_the_officials_reply(web_site):
    from audit.services.inspection_deductions import failed_items
    from models.access import Notification
    from models.checklists import InspectionReply
    from models.enums import ItemScope

    now = datetime.now(timezone.utc)
    inspection_id, due = _final_inspection(web_site, now)
    assert due is not None and due > now.date()
    assert _count(web_site, Notification, Notification.kind == "inspection_reply") == 2  # both have accounts
    month = f"{(now - timedelta(hours=1)).astimezone(timezone(timedelta(hours=7))):%Y-%m}"  # the visit's month
    with web_site.factory() as session:
        mine = [f for f in failed_items(session, month, ItemScope.PERSONAL) if f.inspection.id == inspection_id]
        lines = {f.staff_id: f.line(now=now) for f in mine}
        assert all(line.points == Decimal("0.00") and "chờ ý kiến" in line.reason for line in lines.values())
        assert all(f.line(now=now + timedelta(days=40)).points > 0 for f in mine)  # the reply day has passed
    client = web_site.client("cb-tv-01")
    page = client.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert 'id="reply-form"' in page and "Trần Văn Minh" not in page  # not the colleague's result
    assert client.get(f"/inspections/{inspection_id}/record.pdf").status_code == 403  # names a colleague
    token = csrf_token(client, "/me")
    response = client.post(f"/inspections/{inspection_id}/reply", content_type="multipart/form-data", data={
        "csrf_token": token, "text": "Tôi nhận khuyết điểm về trang phục.", "scan": (io.BytesIO(JPEG), "y-kien.jpg")})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    with web_site.factory() as session:
        mine = [f for f in failed_items(session, month, ItemScope.PERSONAL) if f.inspection.id == inspection_id]
        points = {f.staff_id: f.line(now=now).points for f in mine}
        own, _ = _ids(web_site, "CB-TV-01")
        assert points[own] > 0 and [p for s, p in points.items() if s != own] == [Decimal("0.00")]
    again = client.post(f"/inspections/{inspection_id}/reply", data={"csrf_token": token, "text": "Lần hai"})
    assert again.status_code == 409 and "already replied" in again.get_data(as_text=True)
    assert _count(web_site, InspectionReply) == 1
    other = web_site.client("cb-tv-02")
    assert other.get(f"/inspections/{inspection_id}").status_code == 200  # their result is on it too
    late = datetime.now(timezone.utc)
    with web_site.factory.begin() as session:
        from models.checklists import Inspection

        session.get(Inspection, inspection_id).reply_due = (late - timedelta(days=1)).date()
    refused = other.post(f"/inspections/{inspection_id}/reply",
                         data={"csrf_token": csrf_token(other, "/me"), "text": "Muộn"})
    assert refused.status_code == 409 and "has passed" in refused.get_data(as_text=True)
    assert _count(web_site, InspectionReply) == 1


def test_a_reply_through_the_api_and_for_an_uninspected_official(web_site):
    from models.access import ApiToken, User
    from web.auth import new_token, token_hash

    inspection_id, _ = _final_inspection(web_site, datetime.now(timezone.utc))
    tokens = {}
    with web_site.factory.begin() as session:
        for name in ("thanhtra", "cb-tv-02"):
            user = session.scalars(select(User).where(User.username == name)).one()
            tokens[name] = new_token()
            session.add(ApiToken(user_id=user.id, name="t", token_hash=token_hash(tokens[name])))
    client = web_site.app.test_client()

    def post(name, body):
        return client.post(f"/api/v1/inspections/{inspection_id}/reply", json=body,
                           headers={"Authorization": f"Bearer {tokens[name]}"})

    detail = client.get(f"/api/v1/inspections/{inspection_id}",
                        headers={"Authorization": f"Bearer {tokens['cb-tv-02']}"}).get_json()
    assert {r["staff_code"] for r in detail["results"]} == {"CB-TV-02"}
    assert post("thanhtra", {"text": "x", "staff_code": "CB-TV-03"}).status_code == 409  # not inspected
    made = post("cb-tv-02", {"text": "Tôi đồng ý.", "staff_code": "CB-TV-01"})  # a staff account replies for itself
    assert made.status_code == 201 and made.get_json()["staff_code"] == "CB-TV-02"


# --- e-mail ------------------------------------------------------------------------------------------------------

def test_notices_are_emailed_to_the_official(web_site):
    import email
    import email.policy

    from models.access import Notification
    from receivers import smtp_server
    from schedules.alerting.channels import EmailChannel
    from schedules.alerting.notify import deliver_notifications

    _, finding_id = _ids(web_site, "CB-TV-01")
    _ask(web_site, finding_id)
    server = smtp_server()
    try:
        mail = EmailChannel(server.hostname, server.port, "deskaudit@example.vn", ["alerts@example.vn"], timeout_s=2)
        assert deliver_notifications(web_site.factory, mail) == (1, 0)
        assert deliver_notifications(web_site.factory, mail) == (0, 0)  # sent once
        [envelope] = server.inbox.envelopes
    finally:
        server.stop()
    assert envelope.rcpt_tos == [STAFF_USERS["cb-tv-01"][1]]  # the official, not the alerts' recipients
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert "Yêu cầu giải trình" in message["Subject"] and f"/findings/{finding_id}" in message.get_content()
    with web_site.factory() as session:
        assert session.scalars(select(Notification)).one().emailed_at is not None


def test_an_official_without_an_address_is_told_in_app_only(web_site):
    from models.access import Notification

    _, finding_id = _ids(web_site, "CB-TV-02")
    _ask(web_site, finding_id)
    with web_site.factory() as session:
        notice = session.scalars(select(Notification)).one()
    assert notice.email_to is None and "Yêu cầu giải trình" in notice.subject
