"""Scripts parse, docs point at things that exist, no machine paths leak in."""

import re
import subprocess

import pytest

from conftest import REPO

SHELL_SCRIPTS = ["scripts/setup-k8s-tools", "scripts/k8s-validate", "scripts/k8s-loadtest",
                 "scripts/freeze", "scripts/thaw", "tests/k8s/run"]
MINE = ["runtime-class.yaml", "k8s", "docs/DEPLOY.md", "tests/k8s", *SHELL_SCRIPTS, "scripts/k8s-freeze-thaw"]


@pytest.mark.parametrize("script", SHELL_SCRIPTS)
def test_shell_scripts_parse_and_are_executable(script):
    path = REPO / script
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    subprocess.run(["bash", "-n", str(path)], check=True)


def test_python_script_compiles():
    path = REPO / "scripts" / "k8s-freeze-thaw"
    assert path.stat().st_mode & 0o111
    compile(path.read_text(), str(path), "exec")


def _files():
    for entry in MINE:
        p = REPO / entry
        for f in ([p] if p.is_file() else sorted(p.rglob("*"))):
            if f.is_file() and "__pycache__" not in f.parts:
                yield f


def test_no_machine_specific_paths():
    # Built from pieces so that this file does not match itself.
    bad = re.compile("|".join("/" + p for p in ("work/", "root/", r"home/\w+", r"tmp/\w")))
    offenders = [str(f.relative_to(REPO)) for f in _files()
                 if f.suffix != ".pyc" and bad.search(f.read_text(errors="ignore"))]
    assert not offenders, offenders


def test_deploy_doc_covers_the_workflow():
    doc = (REPO / "docs" / "DEPLOY.md").read_text()
    for needle in ["cert-manager", "runtime-class.yaml", "spin registry push", "kubectl apply -k k8s/overlays/eks",
                   "kubectl apply -k k8s/overlays/laptop", "get hpa", "scripts/k8s-loadtest", "scripts/freeze",
                   "scripts/thaw", "spin deploy", "plugin", "delete", "tests/k8s/run"]:
        assert needle in doc, needle


def test_deploy_doc_paths_exist():
    doc = (REPO / "docs" / "DEPLOY.md").read_text()
    for ref in sorted(set(re.findall(r"(?<![\w/.-])((?:k8s|scripts|tests/k8s)/[\w./-]*[\w])", doc))):
        assert (REPO / ref).exists(), ref
