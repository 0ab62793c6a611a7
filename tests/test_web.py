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


def test_health_and_readiness_probes_answer_without_sign_in_and_without_data(client, tmp_path):
    anonymous = client.application.test_client()
    assert anonymous.get("/healthz").get_json() == {"status": "ok"}
    ready = anonymous.get("/readyz")
    assert ready.status_code == 200 and ready.get_json() == {"status": "ok", "checks": {"database": "ok"}}
    empty = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "TESTING": True}).test_client()
    assert empty.get("/healthz").status_code == 200  # alive, though not ready
    not_ready = empty.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.get_json()["checks"]["database"] == "unreachable or not migrated"
    assert "sqlite" not in not_ready.get_data(as_text=True)
    assert empty.get("/wall").status_code == 302  # everything else still needs a sign-in


def test_app_needs_a_database_url(monkeypatch):
    monkeypatch.delenv("DESKAUDIT_DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app()
