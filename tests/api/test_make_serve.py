"""`make serve` after `make test`: the harness the tests built serves the app
at once, with nothing compiled again (scripts/host-tools)."""

import os
import re
import subprocess
import urllib.request

import pytest

from app_server import ROOT


@pytest.mark.skipif("TEST_WITH_SPIN" in os.environ, reason="make serve runs the harness, not Spin")
def test_make_serve_after_the_tests_compiles_nothing_and_serves():
    env = {**os.environ, "CARGO_TERM_QUIET": "false", "CARGO_TERM_COLOR": "never"}
    server = subprocess.Popen(
        [ROOT / "scripts/serve", "--listen", "127.0.0.1:0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = server.stdout.readline()
        found = re.search(r"on (http://\S+)", line)
        assert found, f"scripts/serve did not start: {line!r}"
        with urllib.request.urlopen(found.group(1).rstrip("/") + "/health", timeout=30) as answer:
            assert answer.status == 200
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "Finished" in errors, errors  # cargo was asked, and said
    assert "Compiling" not in errors, errors
