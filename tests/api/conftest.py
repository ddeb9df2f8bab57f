"""Serves the built app (the wasmtime harness, routed by spin.toml) once for
all tests, on a free port."""

import json
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(os.environ.get("WASM_HARNESS", ROOT / "target/debug/wasm-harness"))


@pytest.fixture(scope="session")
def app_url():
    """The URL of the app, served by the built wasm-harness (tests/api/run
    builds it), or APP_URL when set (an app already running)."""
    if "APP_URL" in os.environ:
        yield os.environ["APP_URL"]
        return
    server = subprocess.Popen(
        [str(HARNESS), "--listen", "127.0.0.1:0", str(ROOT / "spin.toml")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = server.stdout.readline()
        # "Serving spin.toml on http://127.0.0.1:PORT"
        assert " on http://" in line, f"the harness did not start: {line!r}"
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        server.terminate()
        server.wait(timeout=30)


def call(url, method="GET", body=None):
    """An answer of the app: its status and JSON body."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)
