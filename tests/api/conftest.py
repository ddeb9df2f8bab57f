"""Serves the built app once for all tests, on a free port: on the wasmtime
harness, or on the Spin CLI in TEST_WITH_SPIN (tests/app_server.py)."""

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app_server import ROOT, serve  # noqa: E402


@pytest.fixture(scope="session")
def app_url():
    """The URL of the app (tests/api/run builds the harness), or APP_URL
    when set (an app already running)."""
    if "APP_URL" in os.environ:
        yield os.environ["APP_URL"]
        return
    with serve() as url:
        yield url


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
