"""The app served by the wasmtime harness, and headless Chromium driven by
Playwright: the fixtures of the browser tests."""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "target" / "debug" / "wasm-harness"
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
    """Runs the app (`spin.toml`, built by `make build`) on a free local port
    with `environment` added to this process's; yields its URL."""
    if not HARNESS.is_file():
        pytest.fail(f"{HARNESS} is missing: run `cargo test --no-run`")
    server = subprocess.Popen(
        [HARNESS, "--listen", "127.0.0.1:0", ROOT / "spin.toml"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(environment or {})},
    )
    try:
        line = server.stdout.readline()
        found = re.search(r"on (http://\S+)", line)
        if not found:
            pytest.fail(f"the harness did not start: {line!r}")
        yield found.group(1).rstrip("/")
    finally:
        server.terminate()
        server.wait(timeout=30)


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
