"""python -m k8scheck [PATH ...]: validate kustomization folders or YAML files.

With no PATH: runtime-class.yaml, every k8s/overlays/* and k8s/loadtest/overlays/*.
Exit status 1 if anything is wrong.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import Validator, paths
from .render import RenderError, load_yaml_file, render_kustomization


def main(argv: list[str]) -> int:
    targets = [Path(a) for a in argv] or (
        [paths.RUNTIME_CLASS_FILE] + paths.app_overlays() + paths.loadtest_overlays()
    )
    spin_toml = paths.spin_toml_path()
    if not spin_toml.is_file():
        print(f"error: {spin_toml} not found (the cross-checks read the app's Spin manifest)", file=sys.stderr)
        return 2
    validator = Validator()
    bad = 0
    for target in targets:
        try:
            if target.is_dir():
                docs = render_kustomization(target)
                cross = True
            else:
                docs = load_yaml_file(target)
                cross = False
        except RenderError as e:
            print(f"FAIL {target}: {e}")
            bad += 1
            continue
        # Load-test sets are checked on their own; their cross-check with the
        # app lives in the test suite.
        problems = validator.validate(docs, cross=cross and any(d.get("kind") == "SpinApp" for d in docs))
        if problems:
            bad += 1
            print(f"FAIL {target}: {len(problems)} problem(s)")
            for p in problems:
                print(f"  {p}")
        else:
            print(f"ok   {target}: {len(docs)} objects valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
