"""Where things are, and the parsed Terraform of infra/eks, for the infra
suite (tests/infra/run sets up the tools it uses: scripts/setup-infra-tools)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import hcl2
import pytest

ROOT = Path(__file__).resolve().parents[2]
EKS = ROOT / "infra" / "eks"
WORKFLOWS = ROOT / ".github" / "workflows"
SHIM_SCRIPT = ROOT / "infra" / "node" / "install-spin-shim.sh"
DEPLOY_MD = ROOT / "docs" / "DEPLOY.md"

# The virtualenv's bin (actionlint, shellcheck), its sibling with checkov,
# and the containerd 2 unpacked into it.
BIN = Path(sys.executable).parent
VENV = BIN.parent
CHECKOV = VENV.with_name(VENV.name + "-checkov") / "bin" / "checkov"
CONTAINERD2_BIN = VENV / "containerd2" / "usr" / "bin"

_HCL = hcl2.SerializationOptions(with_comments=False, strip_string_quotes=True, explicit_blocks=False)


def parse_hcl(path: Path) -> dict:
    return hcl2.loads(path.read_text(), serialization_options=_HCL)


@pytest.fixture(scope="session")
def terraform() -> dict:
    """All .tf files of infra/eks as one configuration: each kind of block
    ("resource", "module", "variable", ...) as a list of {label: body}."""
    merged: dict[str, list] = {}
    for path in sorted(EKS.glob("*.tf")):
        for kind, blocks in parse_hcl(path).items():
            merged.setdefault(kind, []).extend(blocks)
    return merged


def blocks(config: dict, kind: str) -> dict[str, dict]:
    """Blocks of one kind by label: modules and variables by name, resources
    and data sources by "type.name"."""
    found = {}
    for block in config.get(kind, []):
        for label, body in block.items():
            if kind in ("resource", "data"):
                for name, inner in body.items():
                    found[f"{label}.{name}"] = inner
            else:
                found[label] = body
    return found


def local(config: dict, name: str):
    for block in config.get("locals", []):
        if name in block:
            return block[name]
    raise KeyError(f"no local {name}")


def default(config: dict, variable: str):
    return blocks(config, "variable")[variable]["default"]


def resolve(config: dict, value):
    """A value, with a bare `${local.x}` or `${var.x}` replaced by what it names."""
    match = re.fullmatch(r"\$\{(local|var)\.(\w+)\}", value) if isinstance(value, str) else None
    if not match:
        return value
    kind, name = match.groups()
    return local(config, name) if kind == "local" else default(config, name)
