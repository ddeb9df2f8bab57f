#!/usr/bin/env python3
"""Runs the benchmarks and prints their tables (bench/run installs and builds
first; see BENCHMARKS.md). Standard library only.

Targets, each started here, measured, and stopped; Spin's first:
  app-spin-V, floor-spin-V   the app and the floor on each Spin CLI here
               (`scripts/runtimes spin`, newest first: V is its version)
  floor-wasip3-spin-V        the floor in WASI 0.3 (bench/hello-wasip3), whose
               instances Spin reuses across requests
  app      the app's components on the wasmtime harness (pooling allocator)
  floor    a hello-world spin-sdk component on the same harness
  native   the same routes, JSON and models in-process in a native hyper server
  classic  the Flask + gunicorn three-service design (bench/classic)
`--targets` takes names, or their first word (`app` is the app on every
runtime). Without a Spin CLI (or with SPIN= SPIN3=) only the harness runs.

Each target's car-analysis route (the floor's `/`) is also measured at a fixed
rate, half of what it served at the most connections (see fixed_rate); the
app on each runtime with payload logs `off` against `summary` (its default),
side by side (see compare), on Spin with requests that price each part of a
car analysis (see spin_cost_report); and the app on each Spin with the `SPIN_WASMTIME_*`
settings that change what a request costs (see SPIN_SETTINGS). Last, the
sentiment models side by side on the newest Spin (bench/sentiment.py).
"""

import argparse
import atexit
import glob
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
HOST_BIN = os.path.join(TARGET, "host")
HARNESS = os.path.join(HOST_BIN, "wasm-harness")
HELLO = os.path.join(ROOT, "bench", "hello", "spin.toml")
HELLO_WASIP3 = os.path.join(ROOT, "bench", "hello-wasip3", "spin.toml")
VENV = os.path.join(ROOT, ".venv", "classic", "bin")
ROUTES = json.load(open(os.path.join(ROOT, "bench", "routes.json")))
FLOOR_ROUTES = [{"path": "/", "method": "GET"}]
LUA = os.path.join(ROOT, "bench", "wrk.lua")
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

# Gunicorn sync workers per classic service on this 2-core machine; see
# BENCHMARKS.md for how they were chosen.
# BENCH_CLASSIC_WORKERS="GATEWAY CAR_VALUE REVIEW" overrides them.
CLASSIC_WORKERS = dict(zip(["gateway", "car_value", "review"], map(int, os.environ.get(
    "BENCH_CLASSIC_WORKERS", "4 2 2").split())))


def log(message):
    print(message, file=sys.stderr, flush=True)


def spin_clis():
    """{version: path} of each Spin CLI here, newest first, as
    `scripts/runtimes spin` finds them; empty without Spin."""
    paths = subprocess.run([os.path.join(ROOT, "scripts", "runtimes"), "spin"], check=True,
                           capture_output=True, text=True).stdout.splitlines()
    # `spin --version`: "spin 4.0.2 (<commit> <date>)"
    return {subprocess.run([path, "--version"], check=True, capture_output=True,
                           text=True).stdout.split()[1]: path for path in paths}


def serve(cli, manifest, port, log_dir, runtime_config=None):
    """The command serving `manifest` on 127.0.0.1:`port` with `cli`, the
    harness or a Spin CLI, each component's output appended to files in
    `log_dir` as `spin up` appends them, its state (the key-value store) in
    a directory of its own, and on Spin the runtime config file
    `runtime_config` when given."""
    state_dir = tempfile.mkdtemp(prefix="car-ml-bench-state-")
    atexit.register(shutil.rmtree, state_dir, True)
    listen = ["--listen", f"127.0.0.1:{port}", "--log-dir", log_dir, "--state-dir", state_dir]
    if cli == HARNESS:
        assert runtime_config is None, "the harness takes no runtime config"
        return [cli, *listen, manifest]
    config = ["--runtime-config-file", runtime_config] if runtime_config else []
    return [cli, "up", "--from", manifest, *listen, *config]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, route, timeout=2.0):
    """One request: (status, body bytes), or (None, error) when it fails."""
    body = json.dumps(route["body"]).encode() if "body" in route else None
    req = urllib.request.Request(url + route["path"], data=body, method=route["method"])
    if body is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (OSError, urllib.error.URLError) as error:
        return None, str(error).encode()


def load_average():
    return os.getloadavg()[0]


def process_tree(pid):
    """`pid` and all its descendants."""
    children = {}
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            text = open(status).read()
        except OSError:
            continue
        ppid = int(re.search(r"^PPid:\s+(\d+)", text, re.M).group(1))
        children.setdefault(ppid, []).append(int(status.split("/")[2]))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def memory_kib(pids, field):
    """Sum of /proc/PID/status `field` (VmHWM, VmRSS) over `pids`, in KiB."""
    total = 0
    for pid in pids:
        try:
            match = re.search(rf"^{field}:\s+(\d+) kB", open(f"/proc/{pid}/status").read(), re.M)
        except OSError:
            continue
        total += int(match.group(1)) if match else 0
    return total


def cpu_seconds(pids):
    """User and system CPU time used so far by `pids`, in seconds."""
    ticks = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def pss_kib(pids):
    """Proportional set size summed over `pids`: shared pages counted once."""
    total = 0
    for pid in pids:
        try:
            match = re.search(r"^Pss:\s+(\d+) kB", open(f"/proc/{pid}/smaps_rollup").read(), re.M)
        except OSError:
            continue
        total += int(match.group(1)) if match else 0
    return total


class DidNotStart(RuntimeError):
    """A server that exited or never answered; `said` is the error in its
    standard error, where it was kept, with this repository's paths made
    relative."""

    def __init__(self, message, said):
        super().__init__(f"{message}: {said}" if said else message)
        self.said = said


class Target:
    """A server (one or more processes) to start, measure and stop."""

    def __init__(self, name, commands, routes, ready_route, env=None, cwd=ROOT,
                 keep_stderr=False):
        self.name = name
        self.commands = commands  # [(port, argv)]; the first serves the main routes
        self.routes = routes  # [(route, port)]
        self.ready_route = ready_route  # (route, port)
        self.env = env or {}
        self.cwd = cwd
        self.processes = []
        # Their standard error, for the message when they do not start: kept
        # for Spin, which writes only its own messages there, not for the
        # harness, which echoes the components' output there as `spin up`
        # echoes it to standard output.
        self.keep_stderr = keep_stderr
        self.stderr = None

    def start(self):
        """Starts the processes; returns ms until `ready_route` answers 200.
        When they do not start, the error carries the end of their stderr."""
        started = time.perf_counter()
        env = dict(os.environ, **self.env)
        # Wasmtime 44 (Spin 4.0) makes an error as it drops each request's
        # store, which with RUST_BACKTRACE set captures a backtrace: 2–5% of
        # Spin's CPU per request that no deployment pays.
        for name in ("RUST_BACKTRACE", "RUST_LIB_BACKTRACE"):
            env.pop(name, None)
        self.stderr = tempfile.TemporaryFile() if self.keep_stderr else None
        for _, argv in self.commands:
            self.processes.append(
                subprocess.Popen(
                    argv, cwd=self.cwd, env=env, stdout=subprocess.DEVNULL,
                    stderr=self.stderr or subprocess.DEVNULL, start_new_session=True,
                )
            )
        route, port = self.ready_route
        deadline = started + 120
        while time.perf_counter() < deadline:
            status, _ = request(f"http://127.0.0.1:{port}", route, timeout=5)
            if status == 200:
                return (time.perf_counter() - started) * 1e3
            if any(p.poll() is not None for p in self.processes):
                break
            time.sleep(0.002)
        said = ""
        if self.stderr:
            self.stderr.seek(0)
            text = self.stderr.read().decode(errors="replace")
            # Spin's error, without its chain of causes
            said = " ".join(text[max(text.rfind("Error:"), 0):].split("Caused by:")[0].split())
        self.stop()
        raise DidNotStart(f"{self.name} did not start: {' '.join(self.commands[0][1])}",
                          said.replace(ROOT + os.sep, ""))

    def pids(self):
        return [pid for p in self.processes for pid in process_tree(p.pid)]

    def stop(self):
        for p in self.processes:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in self.processes:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.processes = []
        if self.stderr:
            self.stderr.close()
            self.stderr = None


def wrk(url, route, connections, seconds):
    """One wrk run; returns its summary (see bench/wrk.lua)."""
    env = dict(os.environ, BENCH_METHOD=route["method"])
    if "body" in route:
        env["BENCH_BODY"] = json.dumps(route["body"])
    headers = [arg for name, value in route.get("headers", {}).items()
               for arg in ("-H", f"{name}: {value}")]
    argv = [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", *headers,
        "-s", LUA, url + route["path"],
    ]
    out = subprocess.run(argv, env=env, capture_output=True, text=True,
                         timeout=seconds + 30).stdout
    line = next((l for l in out.splitlines() if l.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary: {out}")
    result = json.loads(line[6:])
    errors = result["connect"] + result["read"] + result["write"] + result["status"] + result["timeout"]
    return {
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "p50_ms": result["p50_us"] / 1e3,
        "p99_ms": result["p99_us"] / 1e3,
        "errors": errors,
        "requests": result["requests"],
    }


# Routes whose latency is also measured at a fixed rate: half of what the
# target served at the most connections (see fixed_rate).
HALF_RATE_ROUTES = ("/api/car-analysis", "/")


def fixed_rate(url, route, rate, seconds, connections):
    """Latency at a fixed request rate (bench/tools/src/bin/fixed-rate.rs),
    measured from when each request was due."""
    argv = [os.path.join(HOST_BIN, "fixed-rate"), url + route["path"], f"{rate:.0f}",
            str(seconds), str(connections)]
    if "body" in route:
        argv.append(json.dumps(route["body"]))
    out = subprocess.run(argv, capture_output=True, text=True, check=True,
                         timeout=seconds + 60).stdout
    return json.loads(out)


def measure_target(target, args):
    """Cold starts, then load on every route, then latency at half the
    saturation rate, then memory."""
    result = {"name": target.name, "cold_ms": [], "load": {}, "answers": {}}
    for attempt in range(args.cold_starts):
        result["cold_ms"].append(target.start())
        if attempt < args.cold_starts - 1:
            target.stop()
    try:
        pids = target.pids()
        result["idle_rss_kib"] = memory_kib(pids, "VmRSS")
        for route, port in target.routes:
            url = f"http://127.0.0.1:{port}"
            result["answers"][route["path"]] = request(url, route)
            for connections in args.connections:
                wrk(url, route, connections, args.warmup)
                result["load"][(route["path"], connections)] = run = wrk(
                    url, route, connections, args.duration)
                log(f"  {target.name:24} {route['path']:22} c={connections:<3} "
                    f"{run['rps']:9.0f} req/s  p50 {run['p50_ms']:7.3f} ms  "
                    f"p99 {run['p99_ms']:7.3f} ms  errors {run['errors']}  "
                    f"load {load_average():.2f}")
        result["half_rate"] = {}
        saturated = max(args.connections)
        for route, port in target.routes:
            run = result["load"].get((route["path"], saturated))
            if route["path"] in HALF_RATE_ROUTES and run:
                result["half_rate"][route["path"]] = fixed = fixed_rate(
                    f"http://127.0.0.1:{port}", route, run["rps"] / 2, args.duration, saturated)
                log(f"  {target.name:24} {route['path']:22} at {fixed['rate']:,.0f} req/s: "
                    f"p50 {fixed['p50_us'] / 1e3:.3f} ms  p99 {fixed['p99_us'] / 1e3:.3f} ms  "
                    f"errors {fixed['refused'] + fixed['failed']}")
        pids = target.pids()
        result["peak_rss_kib"] = memory_kib(pids, "VmHWM")
        result["pss_kib"] = pss_kib(pids)
        result["processes"] = len(pids)
    finally:
        target.stop()
    return result


def selected(name, args):
    """Whether `--targets` names `name` or its first word (`app`: the app on
    every runtime)."""
    return name in args.targets or name.split("-")[0] in args.targets


def targets(args, spins):
    """The targets `--targets` selects, Spin's first."""
    # Each Wasm server logs as `spin up` does (the app's payload logs at
    # `summary`), into a scratch log directory rather than .spin/logs.
    logs = tempfile.mkdtemp(prefix="car-ml-bench-logs-")
    atexit.register(shutil.rmtree, logs, True)

    def single(name, argv_for_port, routes, keep_stderr=False, env=None):
        port = free_port()
        return Target(name, [(port, argv_for_port(port))], [(r, port) for r in routes],
                      (routes[0], port), keep_stderr=keep_stderr, env=env)

    # The prediction history off: what it costs, on each store, is measured
    # on its own (history_comparison); here the app is compared with designs
    # that keep nothing.
    def wasm(name, cli, manifest, routes):
        return single(name, lambda p: serve(cli, manifest, p, os.path.join(logs, name)),
                      routes, keep_stderr=cli != HARNESS,
                      env={"SPIN_VARIABLE_PREDICTION_HISTORY": "off"})

    found = {}
    for version, cli in spins.items():
        for name, manifest, routes in ((f"app-spin-{version}", "spin.toml", ROUTES),
                                       (f"floor-spin-{version}", HELLO, FLOOR_ROUTES),
                                       (f"floor-wasip3-spin-{version}", HELLO_WASIP3,
                                        FLOOR_ROUTES)):
            found[name] = wasm(name, cli, manifest, routes)
    found["app"] = wasm("app", HARNESS, "spin.toml", ROUTES)
    found["floor"] = wasm("floor", HARNESS, HELLO, FLOOR_ROUTES)
    found["native"] = single("native", lambda p: [os.path.join(HOST_BIN, "native-server"),
                                                  "--listen", f"127.0.0.1:{p}"], ROUTES)

    gateway, car_value, review = free_port(), free_port(), free_port()

    def gunicorn(module, port):
        return [os.path.join(VENV, "gunicorn"), "--log-level", "warning", "-w",
                str(CLASSIC_WORKERS[module]), "-b", f"127.0.0.1:{port}", f"{module}:app"]

    port_of = {"/api/trade": car_value, "/api/review": review}
    found["classic"] = Target(
        "classic",
        [(gateway, gunicorn("gateway", gateway)), (car_value, gunicorn("car_value", car_value)),
         (review, gunicorn("review", review))],
        [(r, port_of.get(r["path"], gateway)) for r in ROUTES],
        (ROUTES[0], gateway),
        env={"CAR_VALUE_URL": f"http://127.0.0.1:{car_value}",
             "REVIEW_URL": f"http://127.0.0.1:{review}"},
        cwd=os.path.join(ROOT, "bench", "classic"),
    )
    return {name: t for name, t in found.items() if selected(name, args)}


def route_key(route):
    """What a route's runs are filed under: its `key` where two requests to
    one path are told apart (see SPIN_COST_ROUTES), else its path."""
    return route.get("key", route["path"])


def compare(args, cli, variants, routes, connections, rounds, title, runtime_configs=None):
    """The app served by `cli` (the harness or a Spin CLI) once for each of
    `variants` ({label: environment}), on `routes` at each of `connections`:
    throughput, and the server's CPU time per request (user and system, from
    /proc), which is what bounds its throughput when the cores are busy and
    which the load of other processes on the machine inflates far less than it
    does requests per second. The servers run at once, as `spin up` runs them
    (log files in a log directory, output echoed to the terminal: here
    /dev/null); the wrk runs alternate between them, what runs first in one
    round running last in the next, so that the machine's other load hits
    them alike. Each of the `rounds` starts the servers afresh: two processes
    of the same build differ by a few percent (their memory layouts differ),
    and fresh ones average that out. Returns the median of the rounds for each
    label, route and connection count, and the payload lines each wrote."""
    log_dir = tempfile.mkdtemp(prefix="car-ml-bench-logs-")
    runs = {label: {(route_key(route), c): [] for route in routes for c in connections}
            for label in variants}
    try:
        for round_ in range(rounds):
            order = list(variants)[::1 if round_ % 2 == 0 else -1]
            servers = {}
            for index, (label, env) in enumerate(variants.items()):
                port = free_port()
                argv = serve(cli, "spin.toml", port, os.path.join(log_dir, str(index)),
                             (runtime_configs or {}).get(label))
                servers[label] = Target(label, [(port, argv)], [], (ROUTES[0], port), env=env,
                                        keep_stderr=cli != HARNESS)
            try:
                for server in servers.values():
                    server.start()
                pids = {label: server.pids() for label, server in servers.items()}
                urls = {label: f"http://127.0.0.1:{server.ready_route[1]}"
                        for label, server in servers.items()}
                for route in routes:
                    for c in connections:
                        for label in order:
                            wrk(urls[label], route, c, args.warmup)
                        for label in order:
                            before = cpu_seconds(pids[label])
                            run = wrk(urls[label], route, c, args.duration)
                            run["cpu_us"] = ((cpu_seconds(pids[label]) - before) * 1e6
                                             / run["requests"])
                            runs[label][(route_key(route), c)].append(run)
            finally:
                for server in servers.values():
                    server.stop()
            log(f"  {title}: round {round_ + 1} of {rounds} done  load {load_average():.2f}")
        lines = {
            label: sum(sum(1 for _ in open(path)) for path in
                       glob.glob(os.path.join(log_dir, str(index), "*_stdout.txt")))
            for index, label in enumerate(variants)}
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)
    medians = {label: {key: median_run(rounds) for key, rounds in runs[label].items()}
               for label in variants}
    for label, measured in medians.items():
        for (path, c), run in measured.items():
            log(f"  {title}: {label:44} {path:22} c={c:<3} {run['rps']:9.0f} req/s "
                f"{run['cpu_us']:6.1f} µs")
    return {"runs": medians, "lines": lines}


PAYLOAD_LEVELS = ("off", "summary")
PREDICTIONS = [route for route in ROUTES if route["method"] == "POST"]
# On Spin, the headline prediction and the car-value service's own route:
# what the comparison costs in time stays within what a run on two Spins can
# afford.
SPIN_PAYLOAD_ROUTES = [route for route in PREDICTIONS
                       if route["path"] in ("/api/car-analysis", "/api/trade")]
# Requests whose differences from each other and from a car analysis show
# where its CPU goes on Spin (spin_cost_report). They run in the payload-log
# comparison, on both of its servers: none of them writes a payload line.
SPIN_COST_ROUTES = [
    # The composition: three instances made and reset, a constant answer.
    {"key": "/health", "path": "/health", "method": "GET"},
    # The same and one variable lookup: a cross-origin request makes the
    # gateway read `cors_origins` (empty: CORS off, so no header added).
    {"key": "/health with Origin", "path": "/health", "method": "GET",
     "headers": {"Origin": "https://probe.example"}},
    # The key's lookup, the body read and parsed, and a 400 answer: a car
    # analysis without its review, refused before either model is asked.
    {"key": "/api/car-analysis without a review", "path": "/api/car-analysis",
     "method": "POST", "body": {"year": 2018, "mileage": 45000}},
]


def payload_log_comparison(args, cli, routes, title):
    """The app on `routes` with payload logs `off` and at `summary` (see
    compare), the prediction history off in both: its cost is measured on
    its own (history_comparison)."""
    return compare(args, cli, {level: {"SPIN_VARIABLE_PAYLOAD_LOG": level,
                                       "SPIN_VARIABLE_PREDICTION_HISTORY": "off"}
                               for level in PAYLOAD_LEVELS},
                   routes, args.connections, args.payload_log_rounds, title)


HISTORY_LEVELS = ("off", "summary", "full")
HISTORY_ROUTES = [route for route in ROUTES if route["path"] == "/api/car-analysis"]


class Redis:
    """A redis-server of the benchmark's own on a free port, and the runtime
    config file that makes it Spin's key-value store `default`."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="car-ml-bench-redis-")
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL)
        self.runtime_config = os.path.join(self.dir, "runtime-config.toml")
        with open(self.runtime_config, "w") as config:
            config.write(f'[key_value_store.default]\ntype = "redis"\n'
                         f'url = "redis://127.0.0.1:{self.port}"\n')
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def history_comparison(args, cli, title):
    """Car analyses with the prediction history `off`, at `summary` and at
    `full`, on the embedded store and, on Spin where `redis-server` is
    installed, on Redis (see compare); payload logs at their default."""
    variants = {f"{level} (embedded)": {"SPIN_VARIABLE_PREDICTION_HISTORY": level}
                for level in HISTORY_LEVELS}
    configs = {}
    redis = None
    if cli != HARNESS and shutil.which("redis-server"):
        redis = Redis()
        for level in HISTORY_LEVELS[1:]:
            label = f"{level} (Redis)"
            variants[label] = {"SPIN_VARIABLE_PREDICTION_HISTORY": level}
            configs[label] = redis.runtime_config
    try:
        return compare(args, cli, variants, HISTORY_ROUTES, args.connections,
                       args.history_rounds, title, configs)
    finally:
        if redis:
            redis.stop()


def history_report(add, histories, args):
    add("### Prediction history: off, summary and full")
    add("")
    add(f"Car analyses with `SPIN_VARIABLE_PREDICTION_HISTORY` at each level, on the embedded "
        f"store (SQLite in the server's state directory, as `spin up` keeps it) and, on Spin, "
        f"on a Redis on this machine (runtime config): all servers up at once, runs "
        f"alternating, medians of {args.history_rounds} rounds, each with the servers started "
        f"afresh. Payload logs at their default, `summary`. The gateway writes a prediction "
        f"before it answers (one write a prediction), so the store's own speed bounds the "
        f"throughput: Spin's embedded store commits each write to SQLite in rollback-journal "
        f"mode with full sync, a few fsyncs a write.")
    add("")
    for label, result in histories.items():
        add(f"On {label}:")
        add("")
        add("| history | conns | req/s | req/s ÷ off | CPU µs/req | CPU cost against off |")
        add("|---|---:|---:|---:|---:|---:|")
        off = result["runs"]["off (embedded)"]
        for variant, runs in result["runs"].items():
            for (path, c), run in runs.items():
                base = off[(path, c)]
                add(f"| {variant} | {c} | {fmt_rps(run['rps'])} | "
                    f"{run['rps'] / base['rps']:.3f}× | {run['cpu_us']:.1f} | "
                    f"{run['cpu_us'] / base['cpu_us'] - 1:+.1%} |")
        add("")


def median_run(rounds):
    """The median requests per second and CPU per request of `rounds`, and
    their failed requests (errors and non-2xx answers) in all."""
    return {field: statistics.median(run[field] for run in rounds)
            for field in ("rps", "cpu_us")} | {"errors": sum(run["errors"] for run in rounds)}


def payload_log_report(add, compared, args, probed=None):
    add("### Payload logs: off against summary")
    add("")
    add(f"The app with `SPIN_VARIABLE_PAYLOAD_LOG=off` and `=summary` (the default), on each "
        f"runtime: both servers up at once, runs alternating, medians of "
        f"{args.payload_log_rounds} rounds, each with both servers started afresh; log files "
        f"as `spin up` writes them. CPU is the server's (user and system, every process of "
        f"it) per request served: at saturation it is what sets the throughput, and it varies "
        f"far less with the machine's other load.")
    add("")
    for label, result in compared.items():
        add(f"On {label} (the summary server wrote {result['lines']['summary']:,} payload "
            f"lines, the off server {result['lines']['off']:,}):")
        add("")
        add("| route | conns | off req/s | summary req/s | summary/off | off CPU µs/req | "
            "summary CPU µs/req | CPU cost of logging |")
        add("|---|---:|---:|---:|---:|---:|---:|---:|")
        off, summary = (result["runs"][level] for level in PAYLOAD_LEVELS)
        predictions = {route["path"] for route in PREDICTIONS}
        for (path, c), run in off.items():
            if path not in predictions:
                continue
            logged = summary[(path, c)]
            add(f"| `{path}` | {c} | {fmt_rps(run['rps'])} | {fmt_rps(logged['rps'])} | "
                f"{logged['rps'] / run['rps']:.3f}× | {run['cpu_us']:.1f} | "
                f"{logged['cpu_us']:.1f} | {logged['cpu_us'] / run['cpu_us'] - 1:+.1%} |")
        add("")
    cpu = (probed or {}).get("payload_log_cpu_us")
    if cpu:
        add("In process on the harness (`wasm-probe`: no HTTP; this thread's CPU time, which the "
            "machine's other load does not inflate; log files written as `spin up` writes "
            "them):")
        add("")
        add("| route | off µs | summary µs | summary − off |")
        add("|---|---:|---:|---:|")
        for path, levels in cpu.items():
            add(f"| `{path}` | {levels['off']:.1f} | {levels['summary']:.1f} | "
                f"{levels['summary'] - levels['off']:+.1f} µs |")
        add("")


def spin_cost_report(add, compared, args):
    """Where a car analysis's CPU goes on each Spin: the server's CPU per
    request for the requests of SPIN_COST_ROUTES and for car analyses with
    payload logs off and at summary, and the parts their differences give."""
    spins = {label: result for label, result in compared.items() if label.startswith("Spin")}
    if not spins:
        return
    add("### Where a car analysis's CPU goes on Spin")
    add("")
    add(f"The server's CPU per request (user and system, every process), from the payload-log "
        f"comparison's runs above (medians of {args.payload_log_rounds} rounds; the requests "
        f"that write no payload line are measured on both of its servers and averaged). Each "
        f"part is the difference between two requests that differ by it alone:")
    add("")
    add("| part | measured as | " + " | ".join(
        f"{label} c={c} µs" for label in spins for c in args.connections) + " |")
    add("|---|---|" + "---:|" * (len(spins) * len(args.connections)))

    def cpu(result, key, c, levels=PAYLOAD_LEVELS):
        return statistics.mean(result["runs"][level][(key, c)]["cpu_us"] for level in levels)

    health, origin, refused = (route["key"] for route in SPIN_COST_ROUTES)
    parts = [
        ("the composition: three instances made and reset, a constant answer",
         "`/health`", lambda r, c: cpu(r, health, c)),
        ("one Spin variable lookup", "`/health` with `Origin` − `/health`",
         lambda r, c: cpu(r, origin, c) - cpu(r, health, c)),
        ("the API key's lookup, the body read and parsed, a 400 answer",
         "a car analysis without its review − `/health`",
         lambda r, c: cpu(r, refused, c) - cpu(r, health, c)),
        ("the level's lookup, both models across WIT, the JSON answer",
         "car analysis at `off` − without its review",
         lambda r, c: cpu(r, "/api/car-analysis", c, ("off",)) - cpu(r, refused, c)),
        ("the payload line", "car analysis at `summary` − at `off`",
         lambda r, c: cpu(r, "/api/car-analysis", c, ("summary",))
         - cpu(r, "/api/car-analysis", c, ("off",))),
        ("**a car analysis**", "car analysis at `summary` (the default)",
         lambda r, c: cpu(r, "/api/car-analysis", c, ("summary",))),
    ]
    for name, how, part in parts:
        add(f"| {name} | {how} | " + " | ".join(
            f"{part(result, c):.0f}" for result in spins.values() for c in args.connections)
            + " |")
    add("| car analysis ÷ `/health` | CPU per request | " + " | ".join(
        f"{cpu(result, '/api/car-analysis', c, ('summary',)) / cpu(result, health, c):.2f}×"
        for result in spins.values() for c in args.connections) + " |")
    add("")


def criterion(args):
    """Runs the models' criterion benches; returns {name: mean ns}."""
    if args.skip_criterion:
        return {}
    subprocess.run(["cargo", "bench", "--profile", "host", "-q", "-p", "car-ml-bench",
                    "--bench", "models"], cwd=ROOT, check=True, stdout=sys.stderr)
    means = {}
    for path in glob.glob(os.path.join(TARGET, "criterion", "**", "new", "estimates.json"),
                          recursive=True):
        bench = json.load(open(os.path.join(os.path.dirname(path), "benchmark.json")))
        if bench["full_id"].startswith(("predict/", "json/")):  # bench/tools/benches
            means[bench["full_id"]] = json.load(open(path))["mean"]["point_estimate"]
    return means


# Spin's engine settings that matter for this app, as the probe measures them:
# the bytes of each linear memory the pooling allocator keeps mapped and
# resets by hand after a request (copying and zeroing them), rather than
# handing back to the kernel.
KEEP_RESIDENT = "SPIN_WASMTIME_LINEAR_MEMORY_KEEP_RESIDENT"

# The `SPIN_WASMTIME_*` settings (crates/core/src/lib.rs in the Spin
# repository, the same in 3.6 and 4.0) that change what serving a request
# costs, each measured on Spin against its defaults: the pooling allocator
# itself, and how much of each instance's linear memory and tables it keeps
# mapped and resets by hand. The rest are limits this app stays far below.
SPIN_SETTINGS = {"Spin's defaults": {}} | {
    f"{name}={value}": {name: value} for name, value in (
        ("SPIN_WASMTIME_POOLING", "0"), (KEEP_RESIDENT, "0"),
        ("SPIN_WASMTIME_TABLE_KEEP_RESIDENT", "0"))}
SETTINGS_ROUTES = [route for route in ROUTES if route["path"] in ("/api/car-analysis", "/health")]


def probe(args, **settings):
    env = dict(os.environ, **settings)
    out = subprocess.run(
        [os.path.join(HOST_BIN, "wasm-probe"), "spin.toml",
         os.path.join("bench", "hello", "spin.toml"), os.path.join("bench", "routes.json"),
         str(args.probe_seconds)],
        cwd=ROOT, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout)


def fmt_rps(x):
    return f"{x:,.0f}" if x else "–"


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"


def runtimes(spins):
    """[(label, CLI, app target, floor target)]: each Spin, newest first, then
    the harness."""
    return [(f"Spin {version}", cli, f"app-spin-{version}", f"floor-spin-{version}")
            for version, cli in spins.items()] + [("the harness", HARNESS, "app", "floor")]


def rps(results, name, path, c):
    return results.get(name, {}).get("load", {}).get((path, c), {}).get("rps")


def report(m, args):
    """The tables, Spin's first; `m` holds what main measured."""
    results, probed, spins = m["results"], m["probed"], m["spins"]
    lines = []
    add = lines.append
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), platform.processor())
    add(f"Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} "
        f"{platform.release()}; load average {m['loads'][0]:.2f} before, "
        f"{m['loads'][1]:.2f} after.")
    add(f"Load: wrk, 1 thread, {args.duration} s per route and level after a "
        f"{args.warmup} s warm-up, connections {' and '.join(map(str, args.connections))}, "
        f"loopback. Classic gunicorn sync workers: gateway {CLASSIC_WORKERS['gateway']}, "
        f"car-value {CLASSIC_WORKERS['car_value']}, review {CLASSIC_WORKERS['review']}.")
    if spins:
        add(f"Spin: {' and '.join(spins)} (`scripts/runtimes spin`), each serving with "
            f"`spin up` at its defaults; their rows come first.")
    else:
        add("Spin: none on this machine (`scripts/runtimes spin` found no CLI), so every "
            "figure below is the harness's.")
    add("")
    spin_apps = [(label, app, floor) for label, cli, app, floor in runtimes(spins)
                 if cli != HARNESS and app in results]
    if spin_apps:
        add("### Throughput on Spin: the app against Spin's floor and the classic design")
        add("")
        add("| route | conns | " + " | ".join(f"{label} req/s | app/floor | app/classic"
                                            for label, _, _ in spin_apps) + " |")
        add("|---|---:|" + "---:|---:|---:|" * len(spin_apps))
        for route in ROUTES:
            for c in args.connections:
                cells = []
                for _, app, floor in spin_apps:
                    a = rps(results, app, route["path"], c)
                    cells += [fmt_rps(a), ratio(a, rps(results, floor, "/", c)),
                              ratio(a, rps(results, "classic", route["path"], c))]
                add(f"| `{route['path']}` | {c} | " + " | ".join(cells) + " |")
        add("")
    calibration(add, results, spins, args)
    wasip3_report(add, m, args)
    if m["settings"]:
        settings_report(add, m["settings"], args)
    if "app" in results:
        add("### Throughput on the harness: the app against its floor, native and classic")
        add("")
        add("| route | conns | app req/s | app/floor | app/native | app/classic |")
        add("|---|---:|---:|---:|---:|---:|")
        for route in ROUTES:
            for c in args.connections:
                a = rps(results, "app", route["path"], c)
                add(f"| `{route['path']}` | {c} | {fmt_rps(a)} | "
                    f"{ratio(a, rps(results, 'floor', '/', c))} | "
                    f"{ratio(a, rps(results, 'native', route['path'], c))} | "
                    f"{ratio(a, rps(results, 'classic', route['path'], c))} |")
        add("")
    goals(add, m, args)
    if m["histories"]:
        history_report(add, m["histories"], args)
    if m["compared"]:
        payload_log_report(add, m["compared"], args, probed)
        spin_cost_report(add, m["compared"], args)
    if m["sentiment"]:
        import sentiment  # bench/sentiment.py
        sentiment.report(add, *m["sentiment"], args)
    if not results:
        return "\n".join(lines)
    add("### Every run")
    add("")
    add("| target | route | conns | req/s | p50 ms | p99 ms | errors |")
    add("|---|---|---:|---:|---:|---:|---:|")
    for name, result in results.items():
        for (path, c), run in result["load"].items():
            add(f"| {name} | `{path}` | {c} | {fmt_rps(run['rps'])} | {run['p50_ms']:.3f} | "
                f"{run['p99_ms']:.3f} | {run['errors']} |")
    add("")
    half = [(name, path, run) for name, result in results.items()
            for path, run in result.get("half_rate", {}).items()]
    if half:
        add("### Latency at half the saturation rate")
        add("")
        add(f"Requests sent at a fixed rate, half of what the target served at "
            f"{max(args.connections)} connections, spread over {max(args.connections)} "
            f"connections for {args.duration} s (`fixed-rate`); each latency counts from when its "
            f"request was due, so a queue behind a slow answer counts too.")
        add("")
        add("| target | route | rate req/s | achieved | p50 ms | p99 ms | p99.9 ms | max ms | errors |")
        add("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, path, run in half:
            add(f"| {name} | `{path}` | {fmt_rps(run['rate'])} | {fmt_rps(run['achieved_rps'])} | "
                f"{run['p50_us'] / 1e3:.3f} | {run['p99_us'] / 1e3:.3f} | "
                f"{run['p999_us'] / 1e3:.3f} | {run['max_us'] / 1e3:.3f} | "
                f"{run['refused'] + run['failed']} |")
        add("")
    add("### Cold start and memory")
    add("")
    add("| target | process start → first 200 (median of "
        f"{args.cold_starts}) | RSS idle | peak RSS under load (VmHWM) | PSS after load "
        "| processes |")
    add("|---|---:|---:|---:|---:|---:|")
    for name, result in results.items():
        add(f"| {name} | {statistics.median(result['cold_ms']):,.0f} ms | "
            f"{result['idle_rss_kib'] / 1024:.1f} MiB | {result['peak_rss_kib'] / 1024:.1f} MiB | "
            f"{result['pss_kib'] / 1024:.1f} MiB | {result['processes']} |")
    add("")
    if probed:
        add("### Wasm on the harness: sizes, load, instantiation and in-process requests")
        add("")
        add("| component | .wasm as built (a WASI 0.2 component) | composed with dependencies "
            "| linear memory at start | of it static data |")
        add("|---|---:|---:|---:|---:|")
        for name, size in probed["sizes"].items():
            composed = f"{size['composed']:,}" if "composed" in size else "–"
            add(f"| {name} | {size['built']:,} | {composed} | {size['memory'] / 1024:,.0f} KiB "
                f"| {size['data'] / 1024:,.0f} KiB |")
        add("")
        add(f"Loading (read, compose, compile with Cranelift): app "
            f"{probed['load_ms']['app']:,.0f} ms, floor {probed['load_ms']['floor']:,.0f} ms.")
        add("")
        dirty = probed["dirty_pages"]
        add("In-process, one request at a time, without HTTP: instantiating the route's "
            "component in a fresh store, and a whole request (store, instance, guest, body). "
            "Memory reset as Spin does it, and resetting only the pages an instance wrote "
            "(`PAGEMAP_SCAN`, not in Spin 3.6).")
        add("")
        add("| route | instantiate | whole request | request/floor's | instantiate, "
            "dirty pages only | whole request, dirty pages only |")
        add("|---|---:|---:|---:|---:|---:|")
        floor_request = probed["request_us"]["floor /"]
        for key, inst in probed["instantiate_us"].items():
            request = probed["request_us"][key]
            add(f"| {key} | {inst:.1f} µs | {request:.1f} µs | {request / floor_request:.1f}× | "
                f"{dirty['instantiate_us'][key]:.1f} µs | {dirty['request_us'][key]:.1f} µs |")
        add("")
        unmapped = probed["keep_resident_0"]
        add(f"The same whole requests with Spin's `{KEEP_RESIDENT}` at its default (2 MiB: "
            "memories are reset by copying and zeroing) and at 0 (memories are handed back to "
            "the kernel and fault in again on the next request):")
        add("")
        add("| route | 2 MiB (default) | 0 | 0 against default |")
        add("|---|---:|---:|---:|")
        for key, request in probed["request_us"].items():
            other = unmapped["request_us"][key]
            add(f"| {key} | {request:.1f} µs | {other:.1f} µs | {other / request:.2f}× |")
        add("")
    add("### What ships")
    add("")
    add("| design | what a deployment carries | bytes |")
    add("|---|---|---:|")
    shipped = [size["built"] for name, size in probed["sizes"].items() if name != "hello"]
    add(f"| app | the `.wasm` of its {len(shipped)} components, as built | {sum(shipped):,} |")
    add(f"| classic | the Python packages of `bench/classic/requirements.txt`, without Python "
        f"itself or a base image | {classic_packages_bytes():,} |")
    add("")
    if m["micro"]:
        add("### Models alone, native (criterion, mean per call)")
        add("")
        add("| benchmark | time |")
        add("|---|---:|")
        for name, ns in sorted(m["micro"].items()):
            add(f"| {name} | {ns / 1e3:.3f} µs |")
        add("")
    return "\n".join(lines)


def calibration(add, results, spins, args):
    """The harness's app and floor against each Spin's, from this run."""
    rows = [(label, app, floor) for label, _, app, floor in runtimes(spins)
            if app in results and floor in results]
    if len(rows) < 2 or rows[-1][1] != "app":
        return
    add("### Calibration: the harness against Spin")
    add("")
    add("Car analyses and the floor's hello world, this run: how far the harness's figures "
        "are from Spin's, and whether it keeps the app's share of the floor.")
    add("")
    add("| runtime | conns | app req/s | floor req/s | app/floor | harness's app ÷ this | "
        "harness's floor ÷ this |")
    add("|---|---|---:|---:|---:|---:|---:|")
    for c in args.connections:
        harness_app = rps(results, "app", "/api/car-analysis", c)
        harness_floor = rps(results, "floor", "/", c)
        for label, app, floor in rows:
            a, f = rps(results, app, "/api/car-analysis", c), rps(results, floor, "/", c)
            cells = (["–", "–"] if app == "app" else
                     [ratio(harness_app, a), ratio(harness_floor, f)])
            add(f"| {label} | {c} | {fmt_rps(a)} | {fmt_rps(f)} | {ratio(a, f)} | "
                + " | ".join(cells) + " |")
    add("")


def wasip3_report(add, m, args):
    """The WASI 0.3 floor against the WASI 0.2 floor on each Spin."""
    results = m["results"]
    rows = [(f"Spin {version}", f"floor-spin-{version}", f"floor-wasip3-spin-{version}")
            for version in m["spins"]]
    served = [row for row in rows if row[2] in results]
    if not served and not m["refused"]:
        return
    add("### WASI 0.3: the floor with instances reused")
    add("")
    add("`bench/hello-wasip3` is the floor's hello world as a WASI 0.3 handler (spin-sdk 5.2's "
        "`wasip3-unstable`, `wasi:http/handler@0.3.0-rc-2026-01-06`). Spin keeps such an "
        "instance for many requests (by default up to 128 in all, 16 at once), where it "
        "instantiates a WASI 0.2 component (the floor, the app) for each request.")
    add("")
    if served:
        add("| runtime | conns | WASI 0.2 floor req/s | WASI 0.3 floor req/s | 0.3/0.2 |")
        add("|---|---|---:|---:|---:|")
        for c in args.connections:
            for label, floor, floor3 in served:
                f, f3 = rps(results, floor, "/", c), rps(results, floor3, "/", c)
                add(f"| {label} | {c} | {fmt_rps(f)} | {fmt_rps(f3)} | {ratio(f3, f)} |")
        add("")
    for label, _, floor3 in rows:
        if floor3 in m["refused"]:
            add(f"{label} does not serve it: {m['refused'][floor3]}")
            add("")


def settings_report(add, settings, args):
    add("### Spin's engine settings")
    add("")
    add(f"The app on each Spin with one `SPIN_WASMTIME_*` setting changed from Spin's "
        f"defaults, all the servers up at once, runs alternating, medians of "
        f"{args.settings_rounds} rounds, each with the servers started afresh, at "
        f"{max(args.connections)} connections; CPU is the server's per request.")
    add("")
    add("| runtime | setting | " + " | ".join(
        f"`{route['path']}` req/s | × defaults | CPU µs/req" for route in SETTINGS_ROUTES) + " |")
    add("|---|---|" + "---:|---:|---:|" * len(SETTINGS_ROUTES))
    for label, result in settings.items():
        defaults = result["runs"]["Spin's defaults"]
        for setting, runs in result["runs"].items():
            cells = []
            for key, run in runs.items():
                cells += [fmt_rps(run["rps"]), ratio(run["rps"], defaults[key]["rps"]),
                          f"{run['cpu_us']:.1f}"]
            add(f"| {label} | {setting} | " + " | ".join(cells) + " |")
    add("")


def classic_packages_bytes():
    """Size of the classic design's installed Python packages."""
    total = 0
    for packages in glob.glob(os.path.join(VENV, "..", "lib", "python*", "site-packages")):
        for directory, _, files in os.walk(packages):
            total += sum(os.path.getsize(os.path.join(directory, f)) for f in files
                         if not os.path.islink(os.path.join(directory, f)))
    return total


def goals(add, m, args):
    """The issue's goals, met or missed, on each runtime, Spin first."""
    results, micro, probed = m["results"], m["micro"], m["probed"]
    rows = []
    for label, _, app, floor in runtimes(m["spins"]):
        on = f"on {label}"
        for c in args.connections:
            a = rps(results, app, "/api/car-analysis", c)
            f = rps(results, floor, "/", c)
            classic = rps(results, "classic", "/api/car-analysis", c)
            health = rps(results, app, "/health", c)
            if a and health:
                rows.append((f"car-analysis ≥ 0.8× `/health`'s req/s {on} (c={c})",
                             f"{a / health:.2f}×", a / health >= 0.8))
                for path in ("/api/car-value", "/api/review-sentiment"):
                    r = rps(results, app, path, c)
                    if r:
                        rows.append((f"`{path}` ≥ 0.9× `/health`'s req/s {on} (c={c})",
                                     f"{r / health:.2f}×", r / health >= 0.9))
            if a and f:
                rows.append((f"car-analysis ≥ 0.45× the floor's req/s {on} (c={c})",
                             f"{a / f:.2f}×", a / f >= 0.45))
            if a and classic:
                rows.append((f"car-analysis ≥ 15× the classic design's req/s {on} (c={c})",
                             f"{a / classic:.1f}×", a / classic >= 15))
        half = results.get(app, {}).get("half_rate", {}).get("/api/car-analysis")
        if half:
            rows.append((f"car-analysis p99 at half the saturation rate {on} "
                         f"({fmt_rps(half['rate'])} req/s) < 5 ms",
                         f"{half['p99_us'] / 1e3:.2f} ms", half["p99_us"] < 5000))
        compared = m["compared"].get(label)
        if compared:
            off, summary = (compared["runs"][level] for level in PAYLOAD_LEVELS)
            for (path, c), run in off.items():
                if path == "/api/car-analysis":
                    cost = summary[(path, c)]["cpu_us"] / run["cpu_us"] - 1
                    rows.append((f"payload logs at summary cost ≤ 5% of the server's CPU per "
                                 f"request {on} (car-analysis, c={c})", f"{cost:+.1%}",
                                 cost <= 0.05))
        history = m["histories"].get(label)
        if history:
            for (path, c), run in history["runs"]["off (embedded)"].items():
                kept = history["runs"]["summary (embedded)"][(path, c)]["rps"] / run["rps"]
                rows.append((f"prediction history at summary costs ≤ 10% of car-analysis "
                             f"throughput on the embedded store {on} (c={c})",
                             f"{kept - 1:+.1%}", kept >= 0.9))
    for name in ("predict/car-value", "predict/sentiment"):
        if name in micro:
            rows.append((f"{name} < 5 µs per call", f"{micro[name] / 1e3:.2f} µs",
                         micro[name] < 5000))
    if probed and "composed" in probed["sizes"].get("gateway", {}):
        size = probed["sizes"]["gateway"]["composed"]
        rows.append(("composed gateway < 3 MB", f"{size / 1e6:.2f} MB", size < 3e6))
    if not rows:
        return
    add("### Goals")
    add("")
    add("| goal | measured | met |")
    add("|---|---:|---|")
    for goal, measured, met in rows:
        add(f"| {goal} | {measured} | {'yes' if met else '**no**'} |")
    add("")


def check_answers(results):
    """Every route answers 200 everywhere, and the app on every runtime as
    the native server does."""
    problems = []
    for name, result in results.items():
        for path, (status, body) in result["answers"].items():
            if status != 200:
                problems.append(f"{name} {path}: {status} {body[:200]!r}")
    apps = [name for name in results if name.split("-")[0] == "app" and "native" in results]
    for name in apps:
        for path, (_, body) in results[name]["answers"].items():
            other = results["native"]["answers"].get(path, (None, b""))[1]
            try:
                same = json.loads(body) == json.loads(other)
            except ValueError:
                same = False
            if not same:
                problems.append(f"{name} and native differ on {path}: {body!r} vs {other!r}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up seconds before each")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--cold-starts", type=int, default=3)
    parser.add_argument("--probe-seconds", type=float, default=0.5)
    parser.add_argument("--targets", nargs="+", default=["app", "floor", "native", "classic"],
                        help="names, or their first word (`app`: the app on every runtime)")
    parser.add_argument("--skip-criterion", action="store_true")
    parser.add_argument("--payload-log-rounds", type=int, default=4,
                        help="rounds of the payload-log comparison, each with both servers started "
                             "afresh and one run per level and route (0: skip it)")
    parser.add_argument("--history-rounds", type=int, default=2,
                        help="rounds of the prediction-history comparison (0: skip it)")
    parser.add_argument("--only-history", action="store_true",
                        help="run just the prediction-history comparisons")
    parser.add_argument("--only-payload-log", action="store_true",
                        help="run just the payload-log comparisons")
    parser.add_argument("--only-sentiment", action="store_true",
                        help="run just the sentiment models' comparison")
    parser.add_argument("--skip-sentiment", action="store_true",
                        help="leave out the sentiment models' comparison")
    parser.add_argument("--settings-rounds", type=int, default=2,
                        help="rounds of the comparison of Spin's engine settings, each with the "
                             "servers started afresh (0: skip it)")
    parser.add_argument("--write", action="store_true",
                        help="also put the tables into BENCHMARKS.md between its markers")
    args = parser.parse_args()
    os.chdir(ROOT)

    spins = spin_clis()
    log(f"Spin: {', '.join(spins) or 'none (scripts/runtimes spin found no CLI)'}")
    m = {"spins": spins, "loads": [load_average()], "micro": {}, "probed": None, "results": {},
         "refused": {}, "compared": {}, "settings": {}, "histories": {}, "sentiment": None}
    only = args.only_payload_log or args.only_history or args.only_sentiment
    if not only:
        log(f"load average {m['loads'][0]:.2f}; criterion micro-benchmarks")
        m["micro"] = criterion(args)
        log("Wasm probe: sizes, load, instantiation, in-process requests")
        m["probed"] = probe(args)
        m["probed"]["keep_resident_0"] = probe(args, **{KEEP_RESIDENT: "0"})
        for name, target in targets(args, spins).items():
            log(f"{name}: cold starts, then load")
            try:
                m["results"][name] = measure_target(target, args)
            except DidNotStart as error:
                # A Spin that does not serve the RC of WASI 0.3 the hello
                # was built for: said in the report.
                if not name.startswith("floor-wasip3-"):
                    raise
                log(f"  {error}")
                m["refused"][name] = error.said
    for label, cli, app, _ in runtimes(spins) if not args.only_sentiment else []:
        if args.history_rounds > 0 and selected(app, args) and not args.only_payload_log:
            log(f"prediction history on {label}: off, summary, full")
            m["histories"][label] = history_comparison(args, cli, f"history on {label}")
        if args.payload_log_rounds > 0 and selected(app, args) and not args.only_history:
            log(f"payload logs on {label}: off against summary")
            m["compared"][label] = payload_log_comparison(
                args, cli, PREDICTIONS if cli == HARNESS else SPIN_PAYLOAD_ROUTES + SPIN_COST_ROUTES,
                f"payload logs on {label}")
        if args.settings_rounds > 0 and cli != HARNESS and selected(app, args) \
                and not only:
            log(f"engine settings on {label}")
            m["settings"][label] = compare(args, cli, SPIN_SETTINGS, SETTINGS_ROUTES,
                                           [max(args.connections)], args.settings_rounds,
                                           f"settings on {label}")
    if not (args.skip_sentiment or args.only_payload_log or args.only_history):
        import sentiment  # bench/sentiment.py
        label, cli, _, _ = runtimes(spins)[0]
        log(f"sentiment models on {label}")
        m["sentiment"] = (label, sentiment.measure(args, cli))
    m["loads"].append(load_average())
    problems = check_answers(m["results"])
    if m["sentiment"]:
        problems += sentiment.problems(m["sentiment"][1])
    # Every car analysis of the history comparison answers 200, kept or not.
    for label, history in m["histories"].items():
        for variant, runs in history["runs"].items():
            failed = sum(run["errors"] for run in runs.values())
            if failed:
                problems.append(f"history on {label}, {variant}: {failed} requests failed")
    # At `off` no component writes a payload line; at `summary` each
    # prediction does.
    for label, compared in m["compared"].items():
        if compared["lines"]["off"] != 0 or compared["lines"]["summary"] == 0:
            problems.append(f"payload lines written on {label}: {compared['lines']} "
                            f"(want none at off, some at summary)")
    text = report(m, args)
    print(text)
    for problem in problems:
        log(f"warning: {problem}")
    if args.write:
        path = os.path.join(ROOT, "BENCHMARKS.md")
        doc = open(path).read()
        begin, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
        open(path, "w").write(doc[:begin] + "\n" + text + "\n" + doc[end:])
        log("wrote BENCHMARKS.md")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
