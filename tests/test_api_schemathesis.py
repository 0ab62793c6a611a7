"""Generated requests against every operation of the OpenAPI document, as an admin with a bearer token:
no server error ever, and every answer (success or error) matches the document.

Valid requests (positive, plus the document's own examples, which name real objects of the site) and
requests that break the document (negative: wrong types, missing required values, values out of range)
both run; the negative ones must be refused with a 4xx. SQLite only: one site for every operation.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

import web.api.resources  # noqa: F401  (registers every endpoint in the document)
from web.api.openapi import spec
from websupport import NOW, build_site

pytestmark = pytest.mark.slow  # about 20 s: some 40 operations × modes, each with a few dozen requests

DOCUMENT = spec("http://localhost")
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
# The bearer token goes with every request below; unknown query parameters are ignored, as in most APIs.
SCHEMA.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}


def negatable(operation) -> bool:
    """Whether some input of the operation can break the document (nothing to break: no negative run)."""
    declared = DOCUMENT["paths"][operation.path][operation.method]
    return "requestBody" in declared or any(p["schema"] != {"type": "string"} for p in declared["parameters"])


RUNS = [pytest.param(operation, mode, id=f"{operation.method.upper()} {operation.path} {mode.value}")
        for operation in OPERATIONS for mode in EXAMPLES
        if mode is GenerationMode.POSITIVE or negatable(operation)]


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The example site on SQLite with an open and a resolved alert, the app, and an admin's bearer token."""
    from sqlalchemy import select

    from models.access import ApiToken, User
    from models.alerts import Alert
    from models.enums import AlertKind, AlertStatus, Severity
    from models.org import Desk
    from web import create_app
    from web.auth import new_token, token_hash

    folder = tmp_path_factory.mktemp("api-schema")
    url = f"sqlite:///{folder / 'site.sqlite3'}"
    factory = build_site(url)
    token = new_token()
    with factory.begin() as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
        session.add(ApiToken(user_id=admin.id, name="schemathesis", token_hash=token_hash(token)))
        desk = session.scalar(select(Desk).where(Desk.code == "TV-HT"))
        for status in (AlertStatus.OPEN, AlertStatus.RESOLVED):
            session.add(Alert(unit_id=desk.unit_id, desk_id=desk.id, kind=AlertKind.UNATTENDED,
                              severity=Severity.WARNING, status=status, opened_at=NOW,
                              condition_key=f"unattended:TV-HT:{status}", message="Quầy TV-HT vắng 20 phút",
                              details={"minutes": 20}))
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test", "DATA_DIR": str(folder / "data")})
    yield app, {"Authorization": f"Bearer {token}"}
    factory.kw["bind"].dispose()


def test_the_document_covers_every_api_route():
    from web import create_app

    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "test"})
    routes = {(method.lower(), re.sub(r"<[^>]+>", "{}", rule.rule.removeprefix("/api/v1")))
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(op.method, re.sub(r"\{[^}]+\}", "{}", op.path)) for op in OPERATIONS}
    assert routes == documented


@pytest.mark.parametrize(("operation", "mode"), RUNS)
def test_generated_requests(api, operation, mode):
    app, auth = api
    checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])
    strategy = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        strategy = st.one_of(*operation.get_strategies_from_examples(), strategy)

    @given(case=strategy)
    @settings(max_examples=EXAMPLES[mode], deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, Phase.shrink])
    def run(case):
        case.call_and_validate(app=app, headers=auth, checks=checks)

    run()
