"""infra/eks without AWS: every file parses, what it installs is pinned, one
`terraform apply` needs no variables, and the nodes' user data is a shell
script that carries infra/node/install-spin-shim.sh unchanged."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from conftest import EKS, ROOT, SHIM_SCRIPT, blocks, default, local, parse_hcl, resolve

HCL_FILES = sorted(p for p in (ROOT / "infra").rglob("*") if p.suffix == ".tf" or p.name.endswith(".tf.example"))
EXACT = re.compile(r"v?\d+\.\d+\.\d+")
USER_DATA = EKS / "templates" / "node-user-data.sh.tftpl"
# EC2 takes at most 16 KB of user data; EKS adds its own nodeadm part to ours.
USER_DATA_BUDGET = 12 * 1024


@pytest.mark.parametrize("path", HCL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_parses(path):
    assert parse_hcl(path), f"{path} is empty"


def test_terraform_fmt():
    terraform = shutil.which("terraform")
    if not terraform:
        pytest.skip("terraform is not installed; python-hcl2 parsed every file")
    result = subprocess.run([terraform, "fmt", "-check", "-diff", "-recursive", str(ROOT / "infra")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_modules_are_the_community_ones_at_exact_releases(terraform):
    modules = blocks(terraform, "module")
    assert modules["vpc"]["source"] == "terraform-aws-modules/vpc/aws"
    assert modules["eks"]["source"] == "terraform-aws-modules/eks/aws"
    for name, module in modules.items():
        assert module["source"].startswith("terraform-aws-modules/"), name
        assert EXACT.fullmatch(module["version"]), f"module {name}: version {module['version']}"


def test_helm_releases_are_pinned(terraform):
    releases = {name: body for name, body in blocks(terraform, "resource").items()
                if name.startswith("helm_release.")}
    assert releases
    for name, release in releases.items():
        assert EXACT.fullmatch(resolve(terraform, release["version"])), f"{name}: {release['version']}"
        assert release["repository"].startswith(("https://", "oci://")), name


def test_providers_and_terraform_are_constrained(terraform):
    settings = terraform["terraform"][0]
    assert settings["required_version"].startswith(">=")
    providers = settings["required_providers"]
    providers = providers[0] if isinstance(providers, list) else providers
    assert set(providers) == {"aws", "helm", "kubectl"}
    for name, provider in providers.items():
        assert provider["version"].startswith("~>"), name


def test_one_apply_needs_no_variables(terraform):
    for name, variable in blocks(terraform, "variable").items():
        assert "default" in variable, f"variable {name} has no default"
        assert variable.get("description"), f"variable {name} has no description"


def test_outputs_for_kubectl_and_the_registry(terraform):
    outputs = blocks(terraform, "output")
    assert "aws eks update-kubeconfig" in outputs["update_kubeconfig"]["value"]
    assert "--overlay eks" in outputs["spin_deploy"]["value"]
    assert "ecr_repository_url" in outputs


def test_backend_example_is_s3_with_a_lock(terraform):
    backend = parse_hcl(EKS / "backend.tf.example")["terraform"][0]["backend"][0]["s3"]
    assert backend["encrypt"] is True and backend["use_lockfile"] is True


def test_cluster_has_the_app_prerequisites(terraform):
    eks = blocks(terraform, "module")["eks"]
    assert set(eks["addons"]) >= {"metrics-server", "vpc-cni", "coredns", "kube-proxy"}
    assert eks["upgrade_policy"] == {"support_type": "STANDARD"}
    (group,) = eks["eks_managed_node_groups"].values()
    assert group["ami_type"] == "${var.node_ami_type}"
    assert default(terraform, "node_ami_type").startswith("AL2023_")
    (part,) = group["cloudinit_pre_nodeadm"]
    assert part == {"content_type": "text/x-shellscript", "content": "${local.node_user_data}"}
    resources = blocks(terraform, "resource")
    for needed in ("helm_release.aws_load_balancer_controller", "helm_release.cluster_autoscaler",
                   "helm_release.cert_manager", "helm_release.spin_operator",
                   "kubectl_manifest.spin_operator_crds", "kubectl_manifest.runtime_class",
                   "aws_ecr_repository.app"):
        assert needed in resources
    assert "runtime-class.yaml" in resources["kubectl_manifest.runtime_class"]["yaml_body"]


def render_user_data(terraform) -> str:
    """templatefile() of the user data, as eks.tf calls it with the variables'
    defaults. The template uses plain ${name} interpolations only, which is
    what makes this stand-in exact."""
    template = USER_DATA.read_text()
    assert "%{" not in template and "$${" not in template
    call = local(terraform, "node_user_data")
    assert "chomp(file(\"${path.module}/../node/install-spin-shim.sh\"))" in call
    args = ["--shim", default(terraform, "spin_shim_version")]
    values = {"install_script": SHIM_SCRIPT.read_text().rstrip("\n"), "install_args": " ".join(args)}
    return re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], template)


def test_user_data_is_a_shell_script(terraform, tmp_path):
    rendered = render_user_data(terraform)
    script = tmp_path / "user-data.sh"
    script.write_text(rendered)
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert rendered.startswith("#!/bin/bash\n")
    assert len(rendered.encode()) < USER_DATA_BUDGET


def test_user_data_carries_the_script_unchanged(terraform):
    rendered = render_user_data(terraform)
    source = SHIM_SCRIPT.read_text()
    for marker in ("INSTALL_SPIN_SHIM_EOF", "PER_BOOT_EOF"):
        assert marker not in source
    embedded = re.search(r"<<'INSTALL_SPIN_SHIM_EOF'\n(.*?\n)INSTALL_SPIN_SHIM_EOF\n", rendered, re.S).group(1)
    assert embedded == source
    # First boot: the release; every later boot: the entry again for the
    # binary already there (nodeadm rewrites containerd's configuration).
    assert f"/usr/local/sbin/install-spin-shim.sh --shim {default(terraform, 'spin_shim_version')}\n" in rendered
    assert "exec /usr/local/sbin/install-spin-shim.sh --shim /usr/local/bin/containerd-shim-spin-v2\n" in rendered


def test_no_machine_specific_paths():
    # Built from pieces so that this file does not match itself.
    bad = re.compile("|".join("/" + p for p in ("work/", "root/", r"home/\w+", r"tmp/\w")))
    mine = [ROOT / "infra", ROOT / ".github", ROOT / "tests" / "infra", ROOT / "scripts" / "setup-infra-tools"]
    files = [f for p in mine for f in ([p] if p.is_file() else p.rglob("*"))
             if f.is_file() and "__pycache__" not in f.parts and ".terraform" not in f.parts]
    assert files
    offenders = [str(f.relative_to(ROOT)) for f in files if bad.search(f.read_text(errors="ignore"))]
    assert not offenders, offenders
