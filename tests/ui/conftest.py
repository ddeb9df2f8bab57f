"""The app served by the wasmtime harness (or the Spin CLI in TEST_WITH_SPIN,
tests/app_server.py), and headless Chromium driven by Playwright: the
fixtures of the browser tests."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import app_server  # noqa: E402
from app_server import ROOT  # noqa: E402

SCREENSHOTS = ROOT / "target" / "ui-screenshots"

# Debian's Chromium, quiet: no sandbox (containers), no GPU, and none of the
# browser's own traffic (updates, sync, field trials).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def serve(environment: dict[str, str] | None = None):
    """Runs the app (tests/app_server.py: the harness, or the Spin CLI in
    TEST_WITH_SPIN) with `environment` added to this process's; yields its
    URL."""
    try:
        with app_server.serve(environment) as url:
            yield url
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def base_url():
    """The app, open (no API keys set)."""
    yield from serve()


API_KEY = "page-key-4Kd"


@pytest.fixture(scope="session")
def keyed_url():
    """The app with the Spin variable `api_keys` set to [`API_KEY`]."""
    yield from serve({"SPIN_VARIABLE_API_KEYS": API_KEY})


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """A fresh Chromium profile for the session."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=tmp_path_factory.mktemp("chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=DESKTOP,
        )
        context.set_default_timeout(15_000)
        yield context
        context.close()


class Requests:
    """Every URL the browser asked for while a test ran."""

    def __init__(self):
        self.urls: list[str] = []

    def __call__(self, request):
        self.urls.append(request.url)


@pytest.fixture
def page(browser_context, base_url):
    """A new tab on the app's page, recording every request it makes."""
    tab = browser_context.new_page()
    tab.requests = Requests()
    tab.on("request", tab.requests)
    tab.goto(base_url + "/")
    yield tab
    tab.close()


def call_api(base_url: str, method: str, path: str, body=None) -> tuple[int, dict]:
    """The API's answer (status, JSON body) to a request, made without the page."""
    # Compact, as the page sends it: the API's messages may cite a column.
    data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
    request = urllib.request.Request(base_url + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def fetch(base_url: str, path: str, headers=None):
    """A raw GET: (status, headers, body bytes)."""
    request = urllib.request.Request(base_url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
