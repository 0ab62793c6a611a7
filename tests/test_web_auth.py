"""Sign-in, tokens, CSRF, rate limiting, headers and unit scope of the web app and the API."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text, update

from deskaudit.cli import cli
from models.access import ApiToken
from websupport import PASSWORD, csrf_token, login


def concrete(rule) -> str:
    """A URL of ``rule`` with every variable filled (ids that may not exist: auth comes first)."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "2026-03" if "month" in m[1] else "1", rule.rule)


def test_every_route_but_login_static_and_the_probes_needs_a_user(web_site):
    client = web_site.client()
    checked = 0
    for rule in web_site.app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.login", "overview.healthz", "overview.readyz"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(concrete(rule), method=method)
            checked += 1
            if rule.rule.startswith("/api/"):
                assert response.status_code == 401, (method, rule.rule)
                assert response.get_json()["error"]["status"] == 401
            else:
                assert response.status_code in (302, 400), (method, rule.rule)  # 400: a POST without CSRF token
                if response.status_code == 302:
                    assert "/login" in response.headers["Location"]
    assert checked >= 5
    assert client.get("/static/style.css").status_code == 200


def test_sign_in_and_out(web_site):
    client = web_site.client()
    response = login(client, "xem-tv")
    assert response.headers["Location"].endswith("/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/units").status_code == 200
    token = csrf_token(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/units").status_code == 302


def test_wrong_password_then_rate_limit(web_site):
    client = web_site.client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    for _ in range(5):
        response = client.post("/login", data={"username": "xem-dc", "password": "sai", "csrf_token": token})
        assert response.status_code == 401 and "không đúng" in response.get_data(as_text=True)
    blocked = client.post("/login", data={"username": "xem-dc", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429  # even the right password waits now
    assert login(web_site.client(), "xem-tv").status_code == 302  # another user is not blocked


def test_the_rate_limit_is_shared_by_every_worker_process(web_site, tmp_path):
    """Two apps on one database stand for two ``run web --workers`` processes: failures in one block the other."""
    from web import create_app

    other = create_app({"DATABASE_URL": web_site.url, "TESTING": True, "DATA_DIR": str(tmp_path / "other")})
    for number, app in enumerate([web_site.app, other] * 3):
        client = app.test_client()
        token = csrf_token(client, "/login")
        response = client.post("/login", data={"username": "xem-dc", "password": "sai", "csrf_token": token})
        assert response.status_code == (401 if number < 5 else 429), number
    with web_site.factory() as db:
        keys = db.execute(text("SELECT key, count(*) FROM login_failures GROUP BY key ORDER BY key")).all()
    assert [tuple(k) for k in keys] == [("a:127.0.0.1", 5), ("u:xem-dc", 5)]  # the blocked try is not counted
    client = other.test_client()
    assert login(client, "xem-tv").status_code == 302  # another user name is not blocked
    with web_site.factory() as db:
        assert db.scalar(text("SELECT count(*) FROM login_failures WHERE key = 'u:xem-tv'")) == 0
    other.extensions["deskaudit.db"].kw["bind"].dispose()


def test_a_token_records_its_use_at_most_once_a_minute(web_site, cli_runner, monkeypatch):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", web_site.url)
    token = cli_runner.invoke(cli, ["users", "token", "xem-tv"]).output.strip()
    client, headers = web_site.client(), {"Authorization": f"Bearer {token}"}

    def last_used():
        with web_site.factory() as db:
            return db.scalar(select(ApiToken.last_used_at).order_by(ApiToken.id.desc()).limit(1))

    assert last_used() is None
    assert client.get("/api/v1/desks", headers=headers).status_code == 200
    first = last_used()
    assert first is not None
    for _ in range(3):
        assert client.get("/api/v1/desks", headers=headers).status_code == 200
    assert last_used() == first
    with web_site.factory() as db:
        db.execute(update(ApiToken).values(last_used_at=datetime.now(timezone.utc) - timedelta(minutes=2)))
        db.commit()
    assert client.get("/api/v1/desks", headers=headers).status_code == 200
    assert last_used() > first


def test_login_needs_the_csrf_token(web_site):
    response = web_site.client().post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400


def test_next_only_follows_paths_on_this_site(web_site):
    client = web_site.client()
    page = client.get("/login?next=https://evil.example/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login?next=https://evil.example/",
                           data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert "evil.example" not in response.headers["Location"]
    response = web_site.client().get("/units")
    assert response.headers["Location"].endswith("/login?next=/units")


def test_security_headers(web_site):
    response = web_site.client("admin").get("/units")
    headers = response.headers
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"


def test_api_tokens_and_unit_scope(web_site, cli_runner, monkeypatch):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", web_site.url)
    result = cli_runner.invoke(cli, ["users", "token", "xem-tv"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    client = web_site.client()
    desks = client.get("/api/v1/desks", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert {d["unit_code"] for d in desks["items"]} == {"NA-TRUONGVINH"} and desks["total"] == 3
    everything = web_site.client("admin").get("/api/v1/desks").get_json()
    assert everything["total"] == 6
    assert client.get("/api/v1/desks", headers={"Authorization": "Bearer da_wrong"}).status_code == 401
    assert cli_runner.invoke(cli, ["users", "token", "nobody"]).exit_code == 2


def test_api_pagination_and_errors(web_site):
    client = web_site.client("admin")
    first = client.get("/api/v1/desks?per_page=4").get_json()
    second = client.get("/api/v1/desks?per_page=4&page=2").get_json()
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (6, 2, 4, 2)
    bad = client.get("/api/v1/desks?per_page=0")
    assert bad.status_code == 400 and "per_page" in bad.get_json()["error"]["message"]
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"]["status"] == 404


def test_openapi_document(web_site):
    spec = web_site.client("admin").get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and "/desks" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_english_switch(web_site):
    client = web_site.client()
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)  # remembered


def test_the_session_cookie_slides_but_is_resent_at_most_every_five_minutes(web_site, monkeypatch):
    import web.auth

    client = web_site.client()
    assert "Set-Cookie" in login(client, "xem-tv").headers
    client.get("/units")  # the first page after sign-in stamps the session once
    responses = [client.get("/units") for _ in range(3)]
    assert all(r.status_code == 200 and "Set-Cookie" not in r.headers for r in responses)
    later = web.auth.time.time() + 301
    monkeypatch.setattr(web.auth.time, "time", lambda: later)
    refreshed = client.get("/units")
    assert refreshed.status_code == 200 and "Expires=" in refreshed.headers["Set-Cookie"]  # 8 h from now again
    assert "Set-Cookie" not in client.get("/units").headers


def _fail_sign_in(client, user: str, forwarded: str | None):
    token = csrf_token(client, "/login")
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/login", data={"username": user, "password": "sai", "csrf_token": token}, headers=headers)


def _address_keys(site) -> dict[str, int]:
    with site.factory() as db:
        rows = db.execute(text("SELECT key, count(*) FROM login_failures WHERE key LIKE 'a:%' GROUP BY key"))
        return dict(rows.all())


def test_behind_a_trusted_proxy_limits_and_the_access_log_use_the_real_client(web_site, tmp_path):
    """nginx in front (TRUSTED_PROXIES = 1): every request arrives from 127.0.0.1, the client is the address
    nginx appends to X-Forwarded-For. 20 failures from one client block that client only, not everyone; an
    address a client writes into the header itself is not believed."""
    from web import create_app

    proxied = create_app({"DATABASE_URL": web_site.url, "TESTING": True, "DATA_DIR": str(tmp_path / "p"),
                          "TRUSTED_PROXIES": 1})
    client = proxied.test_client()
    for number in range(20):  # user names vary, so only the per-address limit can bite
        assert _fail_sign_in(client, f"khach-{number}", "203.0.113.7").status_code == 401
    assert _fail_sign_in(client, "khach-x", "203.0.113.7").status_code == 429
    assert login_through(proxied, "xem-tv", "198.51.100.2").status_code == 302  # someone else signs in
    spoofed = _fail_sign_in(client, "khach-y", "203.0.113.99, 203.0.113.7")  # the left entry is the client's own
    assert spoofed.status_code == 429
    assert _address_keys(web_site) == {"a:203.0.113.7": 20}
    from models.access import AccessLog

    latest = tmp_path / "p" / "snapshots" / "latest"
    latest.mkdir(parents=True)
    (latest / "TV-HT-CAM.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a picture \xff\xd9")
    signed = proxied.test_client()
    login_through(proxied, "admin", "198.51.100.9", client=signed)
    seen = signed.get("/cameras/TV-HT-CAM/snapshot.jpg", headers={"X-Forwarded-For": "198.51.100.9"})
    assert seen.status_code == 200
    with web_site.factory() as db:
        row = db.scalars(select(AccessLog).order_by(AccessLog.id.desc()).limit(1)).one()
    assert row.remote_addr == "198.51.100.9"
    proxied.extensions["deskaudit.db"].kw["bind"].dispose()


def test_without_trusted_proxies_the_forwarded_header_is_ignored(web_site):
    client = web_site.client()
    for number in range(3):
        _fail_sign_in(client, f"khach-{number}", f"203.0.113.{number}")
    assert _address_keys(web_site) == {"a:127.0.0.1": 3}


def test_trusted_proxies_setting_reaches_the_app(monkeypatch, tmp_path):
    from deskaudit.cli.webserver import web_config
    from deskaudit.settings import load_settings

    monkeypatch.setenv("DESKAUDIT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DESKAUDIT_TRUSTED_PROXIES", "2")
    assert web_config(load_settings())["TRUSTED_PROXIES"] == 2
    monkeypatch.setenv("DESKAUDIT_TRUSTED_PROXIES", "9")
    from deskaudit.settings import SettingsError

    with pytest.raises(SettingsError, match="DESKAUDIT_TRUSTED_PROXIES"):
        load_settings()


def login_through(app, user: str, forwarded: str, client=None):
    client = client or app.test_client()
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token},
                       headers={"X-Forwarded-For": forwarded})
