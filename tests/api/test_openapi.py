"""GET /openapi.json: the document in docs/, a valid OpenAPI 3.1 document,
and the served app answers as it says (schemathesis, bounded and
deterministic: no 5xx, every answer's status, content type and body as
documented)."""

import json
import subprocess
import sys
from pathlib import Path

from openapi_spec_validator import validate

from conftest import ROOT, call

DOCUMENT = ROOT / "docs/openapi.json"
EXAMPLES_PER_OPERATION = 200


def test_the_app_serves_the_document_in_docs(app_url):
    status, served = call(f"{app_url}/openapi.json")
    assert status == 200
    assert served == json.loads(DOCUMENT.read_text())


def test_the_document_is_valid_openapi_3_1():
    document = json.loads(DOCUMENT.read_text())
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_route_answers_as_the_document_says(app_url, tmp_path):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(schemathesis),
            "run",
            f"{app_url}/openapi.json",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-examples",
            str(EXAMPLES_PER_OPERATION),
            "--generation-deterministic",
            "--suppress-health-check",
            "all",
            # The stateful phase links operations this API does not chain.
            "--phases",
            "examples,coverage,fuzzing",
            # One worker: CPython 3.11's ast.parse, which hypothesis calls, is
            # not thread-safe.
            "--workers",
            "1",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
