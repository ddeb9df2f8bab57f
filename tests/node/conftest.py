"""A node of one: a local OCI registry, containerd with containerd-shim-spin
registered as the RuntimeClass's handler names it, images pushed by each Spin
CLI, and pods run as the spin-operator runs SpinApps (tests/node/run checks
that the runtimes are there)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from k8scheck.render import render_kustomization

ROOT = Path(__file__).resolve().parents[2]
OVERLAY = ROOT / "k8s" / "overlays" / "laptop"
NAMESPACE = "car-ml"
# The runtime type containerd maps to the binary containerd-shim-spin-v2, and
# the runtime name the RuntimeClass `wasmtime-spin-v2` gives as its handler.
RUNTIME_TYPE = "io.containerd.spin.v2"
HANDLER = "spin"
# The Secret the SpinApps read their API keys from, as a user creates
# it (docs/DEPLOY.md "API keys").
SECRETS = {("car-ml-api-keys", "api_keys"): "node-key-5Tq"}


def runtimes(kind: str) -> list[str]:
    out = subprocess.run([ROOT / "scripts" / "runtimes", kind], capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


def version(spin: str) -> str:
    return subprocess.run([spin, "--version"], capture_output=True, text=True,
                          check=True).stdout.split()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(what: str, ready, seconds: float = 120, failed=lambda: None):
    deadline = time.monotonic() + seconds
    while not ready():
        reason = failed()
        if reason:
            pytest.fail(f"{what}: {reason}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds} s")
        time.sleep(0.1)


def listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
        return True
    return False


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


PREDICTION_ID = re.compile(r"\b[0-9]{1,19}-[0-9a-f]{16}\b")


def zero_ids(text):
    """`text` (str or bytes) with every prediction id's digits zeroed."""
    if isinstance(text, bytes):
        return zero_ids(text.decode("latin-1")).encode("latin-1")
    return PREDICTION_ID.sub(lambda found: re.sub("[0-9a-f]", "0", found.group()), text)


def request(port: int, method: str, path: str, body=None, headers=None) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    data = None if body is None else json.dumps(body).encode()
    connection.request(method, path, body=data,
                       headers={"content-type": "application/json", **(headers or {})})
    response = connection.getresponse()
    # `date` differs by the second; `connection: close` is sent when a route
    # left part of a body unread that had not all arrived yet: timing decides.
    # A prediction id is the time and random bits: its digits are zeroed
    # (its length, and so the body's, stays).
    answer = Answer(response.status,
                    {k.lower(): zero_ids(v) for k, v in response.getheaders()
                     if k.lower() not in ("date", "connection")},
                    zero_ids(response.read()))
    connection.close()
    return answer


@pytest.fixture(scope="session")
def spinapps() -> dict[str, dict]:
    """The SpinApps and the executor of the laptop overlay, by name."""
    return {doc["metadata"]["name"]: doc for doc in render_kustomization(OVERLAY)
            if doc.get("kind") in ("SpinApp", "SpinAppExecutor")}


def pod_environment(spinapp: dict, executor: dict, listen: str) -> dict[str, str]:
    """The container environment the spin-operator (v0.6.1,
    ConstructEnvForApp) gives a SpinApp's pods: its variables (values, or
    Secret keys resolved as the kubelet does), the listen address, the
    executor's OpenTelemetry endpoints and the components to keep. The pod
    listens on 0.0.0.0:80 in its own network namespace; here it shares the
    host's, so `listen` is a free port of 127.0.0.1."""
    spec = spinapp["spec"]
    env = {}
    for variable in spec.get("variables", []):
        if "value" in variable:
            value = variable["value"]
        else:
            ref = variable["valueFrom"]["secretKeyRef"]
            value = SECRETS[(ref["name"], ref["key"])]
        env["SPIN_VARIABLE_" + variable["name"].upper()] = value
    env["SPIN_HTTP_LISTEN_ADDR"] = listen
    otel = executor["spec"]["deploymentConfig"].get("otel", {})
    for key in ("exporter_otlp_endpoint", "exporter_otlp_traces_endpoint",
                "exporter_otlp_metrics_endpoint", "exporter_otlp_logs_endpoint"):
        if key in otel:
            env[key.upper().replace("EXPORTER", "OTEL_EXPORTER")] = otel[key]
    if "components" in spec:
        env["SPIN_COMPONENTS_TO_RETAIN"] = ",".join(spec["components"])
    return env


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    """Debian's docker-registry on a free port of 127.0.0.1."""
    binary = shutil.which("docker-registry")
    if not binary:
        pytest.fail("no docker-registry: run `make setup`")
    storage = tmp_path_factory.mktemp("registry")
    address = f"127.0.0.1:{free_port()}"
    config = storage / "config.yml"
    config.write_text(yaml.safe_dump({
        "version": 0.1, "log": {"level": "error"},
        "storage": {"filesystem": {"rootdirectory": str(storage / "data")}},
        "http": {"addr": address},
    }))
    server = subprocess.Popen([binary, "serve", config], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    wait_for("docker-registry", lambda: listening(int(address.rsplit(":", 1)[1])), 30)
    yield address
    server.terminate()
    server.wait(timeout=30)


class Containerd:
    """A containerd of its own (root, state and socket in a scratch
    directory) set up as a SpinKube node is: the shim installed and
    registered by the nodes' own bootstrap script
    (infra/node/install-spin-shim.sh), as the runtime the RuntimeClass's
    handler names."""

    def __init__(self, directory: Path, shim: str):
        self.directory = directory
        self.address = str(directory / "containerd.sock")
        bin_dir = directory / "bin"
        config = directory / "config.toml"
        config.write_text(f"""version = 2
root = "{directory}/root"
state = "{directory}/state"
[grpc]
  address = "{self.address}"
[ttrpc]
  address = "{self.address}.ttrpc"
""")
        subprocess.run([ROOT / "infra" / "node" / "install-spin-shim.sh", "--shim", shim,
                        "--bin-dir", bin_dir, "--config", config, "--runtime", HANDLER,
                        "--no-restart"], check=True, capture_output=True)
        self.log = directory / "containerd.log"
        env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
        self.process = subprocess.Popen(["containerd", "--config", config], env=env,
                                        stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        wait_for("containerd", lambda: Path(self.address).exists(), 30,
                 lambda: self.process.poll() is not None and self.tail())

    def tail(self, lines: int = 30) -> str:
        return "containerd's log ends:\n" + "\n".join(self.log.read_text().splitlines()[-lines:])

    def ctr(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(["ctr", "--address", self.address, "--namespace", NAMESPACE,
                                 *map(str, args)], capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            pytest.fail(f"ctr {' '.join(map(str, args))}: {result.stderr.strip()}\n{self.tail()}")
        return result

    def stop(self):
        for task in self.ctr("task", "ls", "-q", check=False).stdout.split():
            self.ctr("task", "kill", "-s", "SIGKILL", task, check=False)
        time.sleep(0.5)
        for task in self.ctr("task", "ls", "-q", check=False).stdout.split():
            self.ctr("task", "delete", "-f", task, check=False)
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        # Snapshots left mounted by a killed task.
        subprocess.run(["umount", "-R", "-l", self.directory / "state"], capture_output=True)
        subprocess.run(["umount", "-R", "-l", self.directory / "root"], capture_output=True)


def shim_version(shim: str) -> str:
    """`0.24.0-de7f584`: the release and the commit (a build between releases
    keeps the last release's version)."""
    said = subprocess.run([shim, "-v"], capture_output=True, text=True, check=True).stdout
    fields = dict(line.strip().split(": ", 1) for line in said.splitlines() if ": " in line)
    return f"{fields['Version']}-{fields.get('Revision', '')[:7]}"


SHIMS = runtimes("shim")


@pytest.fixture(scope="session", params=SHIMS, ids=[f"shim-{shim_version(s)}" for s in SHIMS])
def containerd(request, tmp_path_factory):
    """A node for each containerd-shim-spin found (scripts/runtimes shim)."""
    node = Containerd(tmp_path_factory.mktemp("node"), request.param)
    yield node
    node.stop()


SPINS = runtimes("spin")


@pytest.fixture(scope="session", params=SPINS, ids=[f"pushed-by-spin-{version(s)}" for s in SPINS])
def image(request, registry, containerd):
    """The app, built by `make build`, pushed by one Spin CLI with `spin
    registry push` (which composes the models into the gateway), and pulled
    by the node's containerd."""
    spin = request.param
    reference = f"{registry}/car-ml:spin-{version(spin)}"
    push = subprocess.run([spin, "registry", "push", "--from", ROOT / "spin.toml", "--insecure",
                           reference], capture_output=True, text=True, timeout=600)
    assert push.returncode == 0, push.stderr
    containerd.ctr("images", "pull", "--plain-http", reference)
    return reference


class Pod:
    """A SpinApp's pod on the node: a containerd task run by the shim with
    the environment the operator gives it and the operator's command `/`."""

    counter = 0

    def __init__(self, node: Containerd, image: str, env: dict[str, str]):
        Pod.counter += 1
        self.node, self.image, self.env = node, image, env
        self.id = f"pod-{Pod.counter}"
        self.port = int(env["SPIN_HTTP_LISTEN_ADDR"].rsplit(":", 1)[1])
        # The container's stdout and stderr: the kubelet hands the shim FIFOs
        # it reads; here a file the shim opens the same way (runwasi opens
        # the path it is given, so it takes a path, not a `file://` URI).
        self.log = node.directory / f"{self.id}.log"
        self.log.touch()
        env_args = [arg for name, value in env.items() for arg in ("--env", f"{name}={value}")]
        node.ctr("run", "-d", "--net-host", "--runtime", RUNTIME_TYPE,
                 "--log-uri", self.log, *env_args, image, self.id, "/")

    def status(self) -> str:
        # "TASK PID STATUS" lines
        for line in self.node.ctr("task", "ls", check=False).stdout.splitlines()[1:]:
            fields = line.split()
            if fields and fields[0] == self.id:
                return fields[2]
        return "NONE"

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def wait_until_serving(self):
        wait_for(f"pod {self.id} ({self.image})", lambda: listening(self.port), 120,
                 lambda: self.status() == "STOPPED"
                 and f"the task stopped; its output:\n{self.output()}\n{self.node.tail()}")
        return self

    def wait_until_stopped(self, seconds: float = 60) -> str:
        wait_for(f"pod {self.id} to stop", lambda: self.status() in ("STOPPED", "NONE"), seconds)
        return self.output()

    def kill(self, sig: str = "SIGTERM"):
        self.node.ctr("task", "kill", "-s", sig, self.id)
        self.wait_until_stopped()
        self.node.ctr("task", "delete", self.id)

    def restart(self):
        """Starts a new task of the same container, as the kubelet restarts
        a container."""
        self.node.ctr("task", "start", "-d", "--log-uri", self.log, self.id)
        return self.wait_until_serving()

    def remove(self):
        if self.status() not in ("STOPPED", "NONE"):
            self.node.ctr("task", "kill", "-s", "SIGKILL", self.id, check=False)
            self.wait_until_stopped()
        self.node.ctr("task", "delete", self.id, check=False)
        self.node.ctr("container", "delete", self.id, check=False)


@pytest.fixture
def run_pod(containerd, spinapps):
    """Runs a pod of the named SpinApp from an image, the environment
    changed by `changes` (a value of None removes a variable)."""
    pods = []

    def run(image: str, name: str, changes: dict[str, str | None] | None = None,
            serving: bool = True) -> Pod:
        env = pod_environment(spinapps[name], spinapps["containerd-shim-spin"],
                              f"127.0.0.1:{free_port()}")
        for key, value in (changes or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        pod = Pod(containerd, image, env)
        pods.append(pod)
        return pod.wait_until_serving() if serving else pod

    yield run
    for pod in pods:
        pod.remove()


@pytest.fixture(scope="session")
def spin_up(spinapps, tmp_path_factory):
    """The answers a SpinApp's pods must give: the same app under `spin up`
    (the newest Spin CLI) keeping the same components (`--component-id`, as
    the operator's non-shim executor runs a SpinApp), with the same
    variables. A function of the SpinApp's name; its local port."""
    servers = {}
    logs = tmp_path_factory.mktemp("spin-up-logs")

    def serve(name: str) -> int:
        if name not in servers:
            port = free_port()
            spec = spinapps[name]["spec"]
            env = {key: value for key, value in os.environ.items()
                   if not key.startswith("SPIN_VARIABLE_")}
            env.update({key: value for key, value in pod_environment(
                spinapps[name], spinapps["containerd-shim-spin"], "").items()
                if key.startswith("SPIN_VARIABLE_")})
            components = [arg for component in spec["components"]
                          for arg in ("--component-id", component)]
            server = subprocess.Popen(
                [SPINS[0], "up", "--from", ROOT / "spin.toml", "--listen", f"127.0.0.1:{port}",
                 "--quiet", "--log-dir", logs, *components,
                 # A new key-value store, as a new pod's.
                 "--state-dir", tmp_path_factory.mktemp(f"spin-up-state-{name}")],
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            servers[name] = (server, port)
            wait_for(f"spin up of {name}", lambda: listening(port), 120,
                     lambda: server.poll() is not None and f"exited {server.returncode}")
        return servers[name][1]

    yield serve
    for server, _ in servers.values():
        server.terminate()
        server.wait(timeout=30)
