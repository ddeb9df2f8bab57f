# Everyday commands; see README.md.
.PHONY: setup build serve test train train-transformer eval bench plugin drift

# Installs the Wasm toolchain pieces and test tools this machine lacks.
setup:
	scripts/setup

# Builds the components into target/wasm32-wasip2/release/ (WASI 0.2
# components), adding rustup's wasm32-wasip2 target first if it is missing.
build:
	scripts/build-wasm

# Serves the built app on http://127.0.0.1:3000 with the wasmtime harness
# (with Spin installed, `spin build --up` does the same on Spin).
serve: build
	scripts/serve

# Native unit tests, the built components over real HTTP, the standard
# interfaces (Open Inference Protocol clients, OpenAPI) from Python, the
# Kubernetes manifests against the real schemas, the Terraform and the
# GitHub workflows (checkov, actionlint) and the node bootstrap against a
# real containerd, and the web page in headless Chromium, on the wasmtime
# harness; then the same HTTP suites on
# each real Spin CLI found, and the pushed image on containerd-shim-spin
# (each says in one line when this machine lacks its runtime; README
# "Running on Spin"). Sets up what the tests need first (quick once done).
test: setup build
	cargo test
	tests/api/run
	tests/k8s/run
	tests/infra/run
	tests/ui/run
	tests/spin/run
	tests/node/run

# Throughput, latency, cold start, size and memory of the app against its
# runtime's floor, a native server and the classic Flask design; see
# BENCHMARKS.md. Installs wrk and a Python venv when missing.
bench:
	bench/run

# Retrains both models from data/ and prints their summaries (the sentiment
# model's weights go to crates/sentiment-model/model/; commit them).
train:
	cargo run --profile host -p car-value-training --bin car-value-train
	cargo run --profile host -p sentiment-training --bin train

# Fine-tunes all-MiniLM-L6-v2 for review sentiment on the training side of
# the sentiment split (deterministic on the CPU, about 20 minutes on two
# cores) and writes the served int8 weights, their provenance and the test
# fixtures to crates/sentiment-transformer-model/ (commit them). Creates the
# Python environment first (.venv-transformer/, several GB the first time).
train-transformer:
	training/transformer/setup
	cargo run --profile host -p sentiment-training --bin export-sentences -- training/transformer/build/sentences.tsv
	.venv-transformer/bin/python training/transformer/train.py training/transformer/build/sentences.tsv crates/sentiment-transformer-model/model

# Prints both models' held-out metrics tables, then the transformer's beside
# the word model's and VADER's.
eval:
	cargo run --profile host -p car-value-training --bin car-value-eval
	cargo run --profile host -p sentiment-training --bin eval
	cargo run --profile host -p sentiment-transformer-eval --bin eval-transformer

# Builds the kdeploy Spin plugin and installs it into Spin (when Spin is
# installed), for `SPIN_DEPLOY_PLUGIN=kdeploy spin deploy`; see docs/DEPLOY.md.
plugin:
	scripts/spin-plugin

# The drift report of a payload log against the training data, a table and
# an HTML page next to the log (docs/OPERATING.md):
#   make drift LOG=.spin/logs/gateway_stdout.txt
# make exits 2 on drift and on "no report" alike; where the status matters
# (cron, CI), run scripts/drift LOG: 0 no drift, 1 drift, 2 no report.
drift:
	@test -n "$(LOG)" || { echo "usage: make drift LOG=<payload log>" >&2; exit 2; }
	scripts/drift "$(LOG)"
