#!/usr/bin/env python3
"""`bench/batch.py [--rounds R]`: a batch of 64 rows in one Open Inference
Protocol request against the same 64 rows as 64 single JSON API calls, for
each model, on the built app served by the wasmtime harness. Prints the time
per 64 rows (median of R rounds, one keep-alive connection, sequential) and
the ratio. Needs `make build` and the harness (`cargo build --profile host
-p wasm-harness`); `bench/run` builds both."""

import argparse
import http.client
import json
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = 64
YEARS = [1995 + i % 28 for i in range(ROWS)]
MILEAGES = [float(1000 + 2500 * i) for i in range(ROWS)]
REVIEWS = [
    f"Review {i}: great car, smooth ride, but the brakes squeal a little." for i in range(ROWS)
]


def singles(model):
    if model == "car-value":
        return [("/api/car-value", {"year": y, "mileage": m}) for y, m in zip(YEARS, MILEAGES)]
    return [("/api/review-sentiment", {"review": r}) for r in REVIEWS]


def batch(model):
    if model == "car-value":
        inputs = [
            {"name": "year", "shape": [ROWS], "datatype": "INT32", "data": YEARS},
            {"name": "mileage", "shape": [ROWS], "datatype": "FP64", "data": MILEAGES},
        ]
    else:
        inputs = [{"name": "review", "shape": [ROWS], "datatype": "BYTES", "data": REVIEWS}]
    return [(f"/v2/models/{model}/infer", {"inputs": inputs})]


def run(connection, requests):
    """Sends `requests` in order; returns the seconds taken."""
    bodies = [(path, json.dumps(body)) for path, body in requests]
    start = time.perf_counter()
    for path, body in bodies:
        connection.request("POST", path, body, {"content-type": "application/json"})
        response = connection.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--harness", default=str(ROOT / "target/host/wasm-harness"))
    parser.add_argument("--url", help="an app already running, instead of starting the harness")
    args = parser.parse_args()
    server = None
    if args.url is None:
        server = subprocess.Popen(
            [args.harness, "--listen", "127.0.0.1:0", "--quiet", str(ROOT / "spin.toml")],
            stdout=subprocess.PIPE,
            text=True,
        )
    try:
        url = args.url or server.stdout.readline().rsplit(" ", 1)[1].strip()
        host, port = url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port))
        print(f"{ROWS} rows, median of {args.rounds} rounds\n")
        print(f"{'model':<10} {'64 single calls':>16} {'1 batch of 64':>14} {'ratio':>7}")
        for model in ["car-value", "sentiment"]:
            times = {}
            for name, requests in [("single", singles(model)), ("batch", batch(model))]:
                run(connection, requests)  # warm-up
                times[name] = statistics.median(run(connection, requests) for _ in range(args.rounds))
            print(
                f"{model:<10} {times['single'] * 1e3:>13.2f} ms {times['batch'] * 1e3:>11.2f} ms"
                f" {times['single'] / times['batch']:>6.1f}x"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
