"""The web app serves the imported site, in Vietnamese, without ever rendering credentials."""

from __future__ import annotations

import pytest

from deskaudit.cli import cli
from web import create_app


@pytest.fixture
def client(cli_runner, monkeypatch, migrated_url, example_raw, write_config):
    camera = example_raw["units"][1]["desks"][1]["cameras"][0]
    camera["url"] = "rtsp://operator:Kh0ng-lo@192.0.2.44:554/live"
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    assert cli_runner.invoke(cli, ["config", "import", str(write_config(example_raw))]).exit_code == 0
    from websupport import PASSWORD, login

    app = create_app({"DATABASE_URL": migrated_url, "TESTING": True})
    assert cli_runner.invoke(cli, ["users", "add", "admin", "--role", "admin", "--password-stdin"],
                             input=PASSWORD + "\n").exit_code == 0
    client = app.test_client()
    login(client, "admin")
    return client


def test_overview_lists_units_and_desks(client):
    response = client.get("/units")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="vi">' in page
    for text in ("Trung tâm Phục vụ hành chính công phường Trường Vinh", "Tư pháp – Hộ tịch", "Đất đai", "Chứng thực",
                 "Camera quầy 2", "Khu vực cán bộ"):
        assert text in page
    assert "Kh0ng-lo" not in page and "operator" not in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_health_probe(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_health_probe_needs_a_signed_in_user(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "TESTING": True})
    assert app.test_client().get("/healthz").status_code == 302


def test_app_needs_a_database_url(monkeypatch):
    monkeypatch.delenv("DESKAUDIT_DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app()
