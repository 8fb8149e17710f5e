"""The API against its own OpenAPI description, with schemathesis (issue 9).

Schemathesis generates requests from /openapi.json for every API operation (valid and invalid
parameters) and checks the answers: never a 5xx, only status codes the description lists
(400s, 404, 503 ...), the content types and response shapes it promises. CI runs a bounded
number of cases per operation; more with KB_SCHEMATHESIS_EXAMPLES.

    KB_SCHEMATHESIS_EXAMPLES=200 .venv/bin/pytest tests/test_openapi_schemathesis.py -q
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from index import IndexStore
from search_app.app import create_app
from tests.browser.appdata import build, settings_for

EXAMPLES = int(os.environ.get("KB_SCHEMATHESIS_EXAMPLES", "8"))
#: No 5xx; only documented status codes, content types and response shapes. (Whether every
#: value the description allows is accepted, and every other refused, is left out: the
#: parameters are validated by parse_params with messages for people, and the description
#: states their rules, e.g. patterns, for clients rather than to the last detail.)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]




def _app():  # type: ignore[no-untyped-def]
    root = Path(tempfile.mkdtemp(prefix="kb-schemathesis-"))
    build(root / "index", root / "corpus")
    app = create_app(settings_for(root / "index", root / "corpus", cache_size=0))
    app.state.store = IndexStore(root / "index")  # what the lifespan would open
    return app


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_openapi_description_says(case) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(checks=CHECKS)


def test_other_methods_answer_405_with_allow() -> None:
    from fastapi.testclient import TestClient

    paths = ["/api/search", "/api/facets", "/api/suggest", "/api/export.csv",
             "/api/export.json", "/api/documents/doc-01", "/files/reports/doc-01.pdf", "/"]
    with TestClient(_app()) as client:
        for path in paths:
            for method in ("POST", "PUT", "DELETE", "PATCH"):
                r = client.request(method, path)
                assert r.status_code == 405, (method, path, r.status_code)
                assert r.headers["allow"] == "GET, HEAD", (method, path)
                if path.startswith("/api/"):
                    assert r.json()["error"]["code"] == "method_not_allowed"
