"""Every exchange of the Rust app tests (crates/wasm-harness/tests/app.rs
records them) agrees with the OpenAPI document: every answer is a documented
answer of its operation and status, and every request the app accepted is a
documented request. On Spin (TEST_WITH_SPIN), every exchange is also the
harness's, byte for byte in its status, headers and body."""

import json
import re
from collections import Counter

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from app_server import runtime
from conftest import ROOT
from test_openapi import DOCUMENT

RUNTIME = runtime()
HARNESS_EXCHANGES = ROOT / "target/tmp/api-exchanges.jsonl"
EXCHANGES = HARNESS_EXCHANGES if RUNTIME == "harness" else ROOT / f"target/tmp/api-exchanges.{RUNTIME}.jsonl"


@pytest.fixture(scope="module")
def document():
    return json.loads(DOCUMENT.read_text())


def exchanges(path=EXCHANGES):
    if not path.exists():
        pytest.fail(f"{path} is missing: run `cargo test -p wasm-harness --test app` first")
    return [json.loads(line) for line in path.read_text().splitlines()]


def operation(document, method, path):
    """The documented operation of `method` on `path`, or None."""
    path = path.split("?")[0]
    for template, item in document["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return item[method.lower()]
    return None


def check(document, schema, value):
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(document))
    schema = json.loads(json.dumps(schema).replace('"#/components', '"urn:openapi#/components'))
    errors = list(Draft202012Validator(schema, registry=registry).iter_errors(value))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def test_every_answer_and_accepted_request_of_the_rust_tests_is_documented(document):
    recorded = exchanges()
    assert len(recorded) > 100, "the app tests record their exchanges"
    problems = []
    for exchange in recorded:
        method, path, status = exchange["method"], exchange["path"], exchange["status"]
        where = f"{method} {path} -> {status}"
        op = operation(document, method, path)
        if op is None:
            # Undocumented paths and methods answer the documented errors.
            if status not in (404, 405):
                problems.append(f"{where}: not a documented operation")
            continue
        answer = op["responses"].get(str(status))
        if answer is None:
            problems.append(f"{where}: status not documented")
            continue
        problems += [f"{where}: answer {p}" for p in check(document, answer["content"]["application/json"]["schema"], exchange["answer"])]
        # (A request is recorded as null when it is not JSON to serde_json,
        # such as a body nested past its recursion limit that the app skips.)
        if status == 200 and "requestBody" in op and exchange["request"] is not None:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            problems += [f"{where}: request {p}" for p in check(document, schema, exchange["request"])]
    assert not problems, "\n".join(problems[:40])


@pytest.mark.skipif(RUNTIME == "harness", reason="the harness is the reference")
def test_every_exchange_on_spin_is_answered_as_on_the_harness():
    def key(exchange):
        return json.dumps(exchange, sort_keys=True)

    harness = Counter(map(key, exchanges(HARNESS_EXCHANGES)))
    spin = Counter(map(key, exchanges()))
    assert sum(spin.values()) > 100, "the app tests record their exchanges"
    only_spin = list((spin - harness).elements())
    only_harness = list((harness - spin).elements())
    assert not only_spin and not only_harness, (
        f"{len(only_spin)} answers differ on {RUNTIME}; first ones:\n"
        + "\n".join(only_spin[:5]) + "\non the harness:\n" + "\n".join(only_harness[:5]))
