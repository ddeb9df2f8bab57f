"""infra/node/install-spin-shim.sh, the node bootstrap, against real
containerd configurations: Debian's containerd (configuration version 2) and
containerd 2 (version 3). It installs the binary, registers the runtime,
keeps everything else, changes nothing on a second run, and the containerd
it configured loads the runtime and serves. Any executable stands in for the
shim: containerd starts a runtime's binary only for a container."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import os
import platform
import shutil
import subprocess
import tarfile
import threading
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import BIN, CONTAINERD2_BIN, SHIM_SCRIPT

SPIN = "io.containerd.spin.v2"


@dataclass(frozen=True)
class Containerd:
    version: int  # the configuration version it writes by default
    bin: Path
    plugin: str  # the CRI plugin that holds the runtimes

    @property
    def containerd(self) -> str:
        return str(self.bin / "containerd")

    def default_config(self) -> str:
        return run([self.containerd, "config", "default"]).stdout

    def dump(self, config: Path) -> dict:
        """The configuration containerd would run with."""
        return tomllib.loads(run([self.containerd, "--config", str(config), "config", "dump"]).stdout)

    def runtimes(self, config: Path) -> dict:
        return self.dump(config)["plugins"][self.plugin]["containerd"]["runtimes"]


def run(args, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{args}: {result.stderr}"
    return result


def system_containerd() -> Containerd:
    path = shutil.which("containerd")
    assert path, "no containerd: run scripts/setup-infra-tools"
    return Containerd(2, Path(path).parent, "io.containerd.grpc.v1.cri")


CONTAINERDS = {
    "v2": system_containerd,
    "v3": lambda: Containerd(3, CONTAINERD2_BIN, "io.containerd.cri.v1.runtime"),
}


@pytest.fixture(params=sorted(CONTAINERDS))
def containerd(request) -> Containerd:
    found = CONTAINERDS[request.param]()
    assert Path(found.containerd).exists(), f"no {found.containerd}: run scripts/setup-infra-tools"
    return found


@dataclass
class Node:
    """A scratch node: a stand-in shim, a bin directory, containerd's
    configuration, and a systemctl that records what it is asked (the host's
    containerd is never touched)."""

    dir: Path
    shim: Path
    bin_dir: Path
    config: Path
    systemctl_log: Path

    def install(self, *extra: str, containerd: Containerd | None = None, shim: str | None = None,
                active: bool = False, check: bool = True) -> subprocess.CompletedProcess:
        args = ["--shim", shim or str(self.shim), "--bin-dir", str(self.bin_dir), "--config", str(self.config)]
        if containerd:
            args += ["--containerd", containerd.containerd]
        env = {**os.environ, "PATH": f"{self.dir / 'fakes'}{os.pathsep}{os.environ['PATH']}",
               "FAKE_CONTAINERD_ACTIVE": "1" if active else ""}
        result = subprocess.run([str(SHIM_SCRIPT), *args, *extra], capture_output=True, text=True, env=env)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def restarts(self) -> list[str]:
        calls = self.systemctl_log.read_text().splitlines() if self.systemctl_log.exists() else []
        return [call for call in calls if call.startswith("restart")]


@pytest.fixture
def node(tmp_path) -> Node:
    shim = tmp_path / "stand-in-shim"
    shim.write_text("#!/bin/sh\necho stand-in for containerd-shim-spin-v2\n")
    shim.chmod(0o755)
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    log = tmp_path / "systemctl.log"
    systemctl = fakes / "systemctl"
    systemctl.write_text(f"""#!/bin/sh
echo "$*" >>{log}
case "$1" in is-active) [ -n "$FAKE_CONTAINERD_ACTIVE" ] ;; *) exit 0 ;; esac
""")
    systemctl.chmod(0o755)
    return Node(tmp_path, shim, tmp_path / "bin", tmp_path / "etc" / "config.toml", log)


def minimal_config(node: Node, version: int) -> str:
    """What a node suite writes: only where containerd keeps its files."""
    return f"""version = {version}
root = "{node.dir}/root"
state = "{node.dir}/state"
[grpc]
  address = "{node.dir}/containerd.sock"
[ttrpc]
  address = "{node.dir}/containerd.sock.ttrpc"
"""


# A configuration as Debian's containerd package ships it, and one in the
# shape nodeadm writes on EKS's Amazon Linux 2023 nodes (containerd 2),
# each with settings of an operator's own.
DEBIAN_V2 = """version = 2
# An operator's own settings, which must stay.
oom_score = -999

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"

[debug]
  level = "warn"
"""
NODEADM_V3 = """version = 3
root = "/var/lib/containerd"
state = "/run/containerd"

[grpc]
address = "/run/containerd/containerd.sock"

[plugins.'io.containerd.cri.v1.images']
discard_unpacked_layers = true

[plugins.'io.containerd.cri.v1.images'.pinned_images]
sandbox = "localhost/kubernetes/pause"

[plugins."io.containerd.cri.v1.images".registry]
config_path = "/etc/containerd/certs.d:/etc/docker/certs.d"

[plugins.'io.containerd.cri.v1.runtime']
enable_cdi = true

[plugins.'io.containerd.cri.v1.runtime'.containerd]
default_runtime_name = "runc"

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
runtime_type = "io.containerd.runc.v2"
base_runtime_spec = "/etc/containerd/base-runtime-spec.json"

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
BinaryName = "/usr/sbin/runc"
SystemdCgroup = true

[plugins.'io.containerd.cri.v1.runtime'.cni]
bin_dir = "/opt/cni/bin"
conf_dir = "/etc/cni/net.d"
"""
NODE_CONFIGS = {2: DEBIAN_V2, 3: NODEADM_V3}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_default_configuration_when_there_is_none(node, containerd):
    node.install(containerd=containerd)
    installed = node.bin_dir / "containerd-shim-spin-v2"
    assert installed.read_bytes() == node.shim.read_bytes() and os.access(installed, os.X_OK)
    runtimes = containerd.runtimes(node.config)
    assert runtimes["spin"]["runtime_type"] == SPIN
    assert runtimes["runc"]["runtime_type"] == "io.containerd.runc.v2"
    assert node.config.read_text().startswith(containerd.default_config())


def test_second_run_changes_nothing(node, containerd):
    write(node.config, NODE_CONFIGS[containerd.version])
    node.install(containerd=containerd)
    first = node.config.read_bytes()
    again = node.install(containerd=containerd)
    assert node.config.read_bytes() == first
    assert "already registers runtime spin" in again.stdout and "is up to date" in again.stdout


def test_keeps_the_rest_of_the_configuration(node, containerd):
    original = NODE_CONFIGS[containerd.version]
    before = containerd.dump(write(node.config, original))
    node.install(containerd=containerd)
    text = node.config.read_text()
    assert text.startswith(original), "the original text is kept, the entry appended"
    after = containerd.dump(node.config)
    cri = lambda dump: dump["plugins"][containerd.plugin]["containerd"]  # noqa: E731
    assert cri(after)["runtimes"]["spin"]["runtime_type"] == SPIN
    if containerd.version == 3:
        assert cri(after)["runtimes"]["runc"] == cri(before)["runtimes"]["runc"]
    else:  # Debian's has no runtime; the script writes runc as containerd has it built in
        assert cri(after)["runtimes"]["runc"]["runtime_type"] == cri(before)["runtimes"]["runc"]["runtime_type"]
    for dump in (before, after):
        del cri(dump)["runtimes"]
    assert after == before, "nothing but the runtimes changed"
    if containerd.version == 2:
        assert after["oom_score"] == -999 and after["debug"]["level"] == "warn"


def test_the_configured_containerd_serves(node, containerd):
    """A containerd of its own, on the configuration the script wrote over a
    minimal one (root, state and sockets only): it serves, and its CRI plugin,
    the one that runs pods, loads with the runtime."""
    if os.geteuid() != 0:
        pytest.skip("starting containerd needs root")
    write(node.config, minimal_config(node, containerd.version))
    node.install(containerd=containerd)
    assert containerd.runtimes(node.config)["spin"]["runtime_type"] == SPIN
    log = node.dir / "containerd.log"
    env = {**os.environ, "PATH": f"{node.bin_dir}{os.pathsep}{os.environ['PATH']}"}
    server = subprocess.Popen([containerd.containerd, "--config", str(node.config)], env=env,
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
    socket_path = node.dir / "containerd.sock"
    ctr = [str(containerd.bin / "ctr"), "--address", str(socket_path)]
    try:
        deadline = time.monotonic() + 30
        while not socket_path.exists():
            assert server.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "containerd did not start"
            time.sleep(0.1)
        run([*ctr, "version"], timeout=30)
        plugins = run([*ctr, "plugins", "ls"], timeout=30).stdout
        cri = [line.split() for line in plugins.splitlines() if line.split()[:2] == ["io.containerd.grpc.v1", "cri"]]
        assert cri and cri[0][-1] == "ok", f"{plugins}\n{log.read_text()[-3000:]}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        subprocess.run(["umount", "-R", "-l", str(node.dir / "state")], capture_output=True)
        subprocess.run(["umount", "-R", "-l", str(node.dir / "root")], capture_output=True)


def test_containerd_1_keeps_runc(node):
    """containerd 1.x forgets its built-in runc when a configuration names any
    runtime, and its CRI plugin then fails; the script writes runc too."""
    containerd = system_containerd()
    write(node.config, minimal_config(node, 2))
    node.install(containerd=containerd)
    assert set(containerd.runtimes(node.config)) == {"spin", "runc"}
    bare = write(node.dir / "bare.toml", minimal_config(node, 2)
                 + '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.spin]\n  runtime_type = "io.containerd.spin.v2"\n')
    assert set(containerd.runtimes(bare)) == {"spin"}, "the reason for the runc entry"


def test_an_entry_of_someone_else_stays(node):
    containerd = system_containerd()
    own = containerd.default_config() + (
        "\n[plugins.'io.containerd.grpc.v1.cri'.containerd.runtimes.spin]\n"
        '  runtime_type = "io.containerd.spin.v2"\n  pod_annotations = ["example.com/*"]\n')
    write(node.config, own)
    result = node.install(containerd=containerd)
    assert "did not write" in result.stdout
    assert node.config.read_text() == own
    assert containerd.runtimes(node.config)["spin"]["pod_annotations"] == ["example.com/*"]


def test_a_configuration_containerd_would_not_load_is_not_written(node):
    """The runtime defined as an inline table, which the script does not see:
    its table would define it twice, containerd refuses that, and the file
    stays as it was."""
    containerd = system_containerd()
    own = DEBIAN_V2 + '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes]\n  spin = { runtime_type = "io.containerd.spin.v2" }\n'
    write(node.config, own)
    result = node.install(containerd=containerd, check=False)
    assert result.returncode == 1 and "does not load the new configuration" in result.stderr
    assert node.config.read_text() == own
    assert not list(node.config.parent.glob("config.toml.new.*"))


def test_version_1_is_refused(node):
    own = 'oom_score = 0\n[plugins.cri.containerd]\n  snapshotter = "overlayfs"\n'
    write(node.config, own)
    result = node.install(containerd=system_containerd(), check=False)
    assert result.returncode == 1 and "version 1" in result.stderr
    assert node.config.read_text() == own


def test_an_unfinished_block_is_refused(node):
    containerd = system_containerd()
    node.install(containerd=containerd)
    broken = node.config.read_text().replace("# END install-spin-shim.sh: runtime spin\n", "")
    write(node.config, broken)
    result = node.install(containerd=containerd, check=False)
    assert result.returncode == 1 and "without" in result.stderr
    assert node.config.read_text() == broken


def test_the_installed_binary_as_its_own_source(node):
    """Every later boot of an EKS node passes the binary already installed."""
    containerd = system_containerd()
    node.install(containerd=containerd)
    installed = node.bin_dir / "containerd-shim-spin-v2"
    before = installed.stat().st_mtime_ns
    result = node.install(containerd=containerd, shim=str(installed))
    assert "is up to date" in result.stdout and installed.stat().st_mtime_ns == before


def test_another_runtime_name(node):
    containerd = system_containerd()
    node.install("--runtime", "spin-canary", containerd=containerd)
    assert containerd.runtimes(node.config)["spin-canary"]["runtime_type"] == SPIN
    result = node.install("--runtime", "spin]", containerd=containerd, check=False)
    assert result.returncode == 1 and "--runtime" in result.stderr


def test_restarts_a_running_containerd_only_on_a_change(node):
    containerd = system_containerd()
    node.install(containerd=containerd, active=True)
    assert node.restarts() == ["restart containerd"]
    node.install(containerd=containerd, active=True)
    assert node.restarts() == ["restart containerd"], "nothing changed: no restart"
    write(node.config, DEBIAN_V2)
    node.install("--no-restart", containerd=containerd, active=True)
    assert node.restarts() == ["restart containerd"]
    write(node.config, DEBIAN_V2)
    node.install(containerd=containerd, active=False)
    assert node.restarts() == ["restart containerd"], "a stopped containerd is left stopped"


class Releases(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def release_server(root: Path):
    handler = functools.partial(Releases, directory=str(root))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


@pytest.fixture
def release(node, tmp_path) -> tuple[Path, str]:
    """The stand-in shim as a release tarball, laid out as GitHub serves them."""
    arch = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}[platform.machine()]
    tarball = tmp_path / "releases" / "v0.24.0" / f"containerd-shim-spin-v2-linux-{arch}.tar.gz"
    tarball.parent.mkdir(parents=True)
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(node.shim, arcname="containerd-shim-spin-v2")
    return tmp_path / "releases", hashlib.sha256(tarball.read_bytes()).hexdigest()


def test_downloads_a_release_and_checks_its_sha256(node, release):
    root, sha256 = release
    containerd = system_containerd()
    with release_server(root) as url:
        wrong = node.install("--release-url", url, "--sha256", "0" * 64, containerd=containerd,
                             shim="v0.24.0", check=False)
        assert wrong.returncode == 1 and f"not {'0' * 64}" in wrong.stderr
        assert not node.bin_dir.exists() and not node.config.exists(), "nothing installed"
        missing = node.install("--release-url", url, containerd=containerd, shim="v9.9.9", check=False)
        assert missing.returncode == 1 and "could not download" in missing.stderr
        node.install("--release-url", url, "--sha256", sha256.upper(), containerd=containerd, shim="v0.24.0")
    assert (node.bin_dir / "containerd-shim-spin-v2").read_bytes() == node.shim.read_bytes()
    assert containerd.runtimes(node.config)["spin"]["runtime_type"] == SPIN


def test_posix_shell():
    result = subprocess.run([str(BIN / "shellcheck"), "--shell=sh", str(SHIM_SCRIPT)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert SHIM_SCRIPT.read_text().startswith("#!/bin/sh\n")
    help_text = subprocess.run([str(SHIM_SCRIPT), "--help"], capture_output=True, text=True, check=True).stdout
    for option in ("--shim", "--sha256", "--bin-dir", "--config", "--runtime", "--containerd",
                   "--release-url", "--no-restart"):
        assert option in help_text

