"""Serves the built app (spin.toml, `make build`) for the Python suites: on
the wasmtime harness by default, or, with TEST_WITH_SPIN naming a Spin CLI,
with that Spin's `spin up`, as the Rust suites do (tests/spin/run sets it)."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HARNESS = Path(os.environ.get("WASM_HARNESS", ROOT / "target/debug/wasm-harness"))


def runtime() -> str:
    """`harness`, or `spin-<version>` of the Spin CLI in TEST_WITH_SPIN."""
    spin = os.environ.get("TEST_WITH_SPIN")
    if not spin:
        return "harness"
    version = subprocess.run([spin, "--version"], capture_output=True, text=True, check=True)
    return "spin-" + version.stdout.split()[1]


@contextlib.contextmanager
def serve(environment: dict[str, str] | None = None):
    """Runs the app on a free port of 127.0.0.1 with `environment` added to
    this process's; yields its URL (no trailing slash)."""
    env = {**os.environ, **(environment or {})}
    spin = os.environ.get("TEST_WITH_SPIN")
    if spin:
        with _spin_up(spin, env) as url:
            yield url
        return
    if not HARNESS.is_file():
        raise RuntimeError(f"{HARNESS} is missing: run scripts/host-tools")
    server = subprocess.Popen(
        [HARNESS, "--listen", "127.0.0.1:0", ROOT / "spin.toml"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )
    try:
        line = server.stdout.readline()
        # "Serving spin.toml on http://127.0.0.1:PORT"
        found = re.search(r"on (http://\S+)", line)
        if not found:
            raise RuntimeError(f"the harness did not start: {line!r}")
        yield found.group(1).rstrip("/")
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextlib.contextmanager
def _spin_up(spin: str, env: dict[str, str]):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [spin, "up", "--from", ROOT / "spin.toml", "--listen", f"127.0.0.1:{port}", "--quiet"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=sys.stderr,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"{spin} up exited with {server.returncode}; its output is above")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{spin} up did not listen on {port} within 2 minutes")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
