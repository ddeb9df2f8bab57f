#!/usr/bin/env python3
"""Runs the benchmarks and prints their tables (bench/run installs and builds
first; see BENCHMARKS.md). Standard library only.

Targets, each started here, measured, and stopped:
  app      the app's components on the wasmtime harness (pooling allocator)
  floor    a hello-world spin-sdk component on the same harness
  native   the same routes, JSON and models in-process in a native hyper server
  classic  the Flask + gunicorn three-service design (bench/classic)
  app-spin, floor-spin   the same on Spin, when `spin` is on PATH

Each target's car-analysis route (the floor's `/`) is also measured at a fixed
rate, half of what it served at the most connections (see fixed_rate); and the
app with payload logs `off` against `summary` (its default), side by side (see
payload_log_comparison).
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


class Target:
    """A server (one or more processes) to start, measure and stop."""

    def __init__(self, name, commands, routes, ready_route, env=None, cwd=ROOT):
        self.name = name
        self.commands = commands  # [(port, argv)]; the first serves the main routes
        self.routes = routes  # [(route, port)]
        self.ready_route = ready_route  # (route, port)
        self.env = env or {}
        self.cwd = cwd
        self.processes = []

    def start(self):
        """Starts the processes; returns ms until `ready_route` answers 200."""
        started = time.perf_counter()
        env = dict(os.environ, **self.env)
        for _, argv in self.commands:
            self.processes.append(
                subprocess.Popen(
                    argv, cwd=self.cwd, env=env, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, start_new_session=True,
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
        self.stop()
        raise RuntimeError(f"{self.name} did not start: {' '.join(self.commands[0][1])}")

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


def wrk(url, route, connections, seconds):
    """One wrk run; returns its summary (see bench/wrk.lua)."""
    env = dict(os.environ, BENCH_METHOD=route["method"])
    if "body" in route:
        env["BENCH_BODY"] = json.dumps(route["body"])
    argv = [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
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
                log(f"  {target.name:8} {route['path']:22} c={connections:<3} "
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
                log(f"  {target.name:8} {route['path']:22} at {fixed['rate']:,.0f} req/s: "
                    f"p50 {fixed['p50_us'] / 1e3:.3f} ms  p99 {fixed['p99_us'] / 1e3:.3f} ms  "
                    f"errors {fixed['refused'] + fixed['failed']}")
        pids = target.pids()
        result["peak_rss_kib"] = memory_kib(pids, "VmHWM")
        result["pss_kib"] = pss_kib(pids)
        result["processes"] = len(pids)
    finally:
        target.stop()
    return result


def targets(args):
    harness = os.path.join(HOST_BIN, "wasm-harness")
    hello = os.path.join(ROOT, "bench", "hello", "spin.toml")
    app_ready, floor_ready = ROUTES[0], FLOOR_ROUTES[0]

    def single(name, argv_for_port, routes, ready):
        port = free_port()
        return Target(name, [(port, argv_for_port(port))], [(r, port) for r in routes],
                      (ready, port))

    # The app logs as `spin up` does (payload logs at `summary`), into a
    # scratch log directory rather than the repository's .spin/logs.
    app_logs = tempfile.mkdtemp(prefix="car-ml-bench-app-logs-")
    atexit.register(shutil.rmtree, app_logs, True)
    found = {
        "app": single("app", lambda p: [harness, "--listen", f"127.0.0.1:{p}", "--log-dir",
                                        app_logs, "spin.toml"],
                      ROUTES, app_ready),
        "floor": single("floor", lambda p: [harness, "--listen", f"127.0.0.1:{p}", hello],
                        FLOOR_ROUTES, floor_ready),
        "native": single("native", lambda p: [os.path.join(HOST_BIN, "native-server"),
                                              "--listen", f"127.0.0.1:{p}"], ROUTES, app_ready),
    }
    if shutil.which("spin"):
        found["app-spin"] = single(
            "app-spin", lambda p: ["spin", "up", "--from", "spin.toml", "--listen",
                                   f"127.0.0.1:{p}"], ROUTES, app_ready)
        found["floor-spin"] = single(
            "floor-spin", lambda p: ["spin", "up", "--from", hello, "--listen",
                                     f"127.0.0.1:{p}"], FLOOR_ROUTES, floor_ready)

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
        (app_ready, gateway),
        env={"CAR_VALUE_URL": f"http://127.0.0.1:{car_value}",
             "REVIEW_URL": f"http://127.0.0.1:{review}"},
        cwd=os.path.join(ROOT, "bench", "classic"),
    )
    return {name: t for name, t in found.items() if name in args.targets or
            (name.endswith("-spin") and name[:-5] in args.targets)}


PAYLOAD_LEVELS = ("off", "summary")


def payload_log_comparison(args):
    """The app's prediction routes with payload logs `off` and at `summary`:
    throughput, and the server's CPU time per request (user and system, from
    /proc), which is what bounds its throughput when the cores are busy and
    which the load of other processes on the machine inflates far less than it
    does requests per second. Both servers run at once, as `spin up` runs them
    (log files in a log directory, output echoed to the terminal: here
    /dev/null); the wrk runs alternate between them, each level in turn first
    and second, so that the machine's other load hits both alike. Each of the
    `--payload-log-rounds` rounds starts both servers afresh: two processes of
    the same build differ by a few percent (their memory layouts differ), and
    fresh pairs average that out. Each figure is the median of the rounds."""
    harness = os.path.join(HOST_BIN, "wasm-harness")
    log_dir = tempfile.mkdtemp(prefix="car-ml-bench-logs-")
    routes = [route for route in ROUTES if route["method"] == "POST"]  # predictions
    runs = {level: {(route["path"], c): [] for route in routes for c in args.connections}
            for level in PAYLOAD_LEVELS}
    try:
        for round_ in range(args.payload_log_rounds):
            # off, summary, then summary, off: what runs second in a pair
            # gets no advantage over the rounds.
            order = PAYLOAD_LEVELS[::1 if round_ % 2 == 0 else -1]
            servers = {}
            for level in PAYLOAD_LEVELS:
                port = free_port()
                argv = [harness, "--listen", f"127.0.0.1:{port}", "--log-dir",
                        os.path.join(log_dir, level), "spin.toml"]
                servers[level] = Target(f"app-log-{level}", [(port, argv)], [],
                                        (ROUTES[0], port),
                                        env={"SPIN_VARIABLE_PAYLOAD_LOG": level})
            try:
                for server in servers.values():
                    server.start()
                pids = {level: servers[level].pids() for level in PAYLOAD_LEVELS}
                urls = {level: f"http://127.0.0.1:{servers[level].ready_route[1]}"
                        for level in PAYLOAD_LEVELS}
                for route in routes:
                    for c in args.connections:
                        for level in order:
                            wrk(urls[level], route, c, args.warmup)
                        for level in order:
                            before = cpu_seconds(pids[level])
                            run = wrk(urls[level], route, c, args.duration)
                            run["cpu_us"] = ((cpu_seconds(pids[level]) - before) * 1e6
                                             / run["requests"])
                            runs[level][(route["path"], c)].append(run)
            finally:
                for server in servers.values():
                    server.stop()
            log(f"  payload log round {round_ + 1} of {args.payload_log_rounds} done  "
                f"load {load_average():.2f}")
        lines = {}
        for level in PAYLOAD_LEVELS:
            lines[level] = sum(
                sum(1 for _ in open(path))
                for path in glob.glob(os.path.join(log_dir, level, "*_stdout.txt")))
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)
    medians = {level: {key: median_run(rounds) for key, rounds in runs[level].items()}
               for level in PAYLOAD_LEVELS}
    for (path, c), off in medians["off"].items():
        summary = medians["summary"][(path, c)]
        log(f"  payload log {path:22} c={c:<3} off {off['rps']:9.0f} req/s "
            f"{off['cpu_us']:6.1f} µs  summary {summary['rps']:9.0f} req/s "
            f"{summary['cpu_us']:6.1f} µs")
    return {"runs": medians, "lines": lines}


def median_run(rounds):
    """The median requests per second and CPU per request of `rounds`."""
    return {field: statistics.median(run[field] for run in rounds)
            for field in ("rps", "cpu_us")}


def payload_log_report(add, compared, args, probed=None):
    add("### Payload logs: off against summary")
    add("")
    add(f"The app's prediction routes with `SPIN_VARIABLE_PAYLOAD_LOG=off` and `=summary` (the "
        f"default), both servers up at once, runs alternating, medians of "
        f"{args.payload_log_rounds} rounds, each with both servers started afresh; log files "
        f"as `spin up` writes them. CPU is the server "
        f"process's (user and system) per request served: at saturation it is what sets the "
        f"throughput, and it varies far less with the machine's other load. The summary server "
        f"wrote {compared['lines']['summary']:,} payload lines, the off server "
        f"{compared['lines']['off']:,}. `/api/trade` and `/api/review` log at summary whatever "
        f"the variable says, so their two columns measure the same thing: the noise.")
    add("")
    add("| route | conns | off req/s | summary req/s | summary/off | off CPU µs/req | "
        "summary CPU µs/req | CPU cost of logging |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|")
    off, summary = (compared["runs"][level] for level in PAYLOAD_LEVELS)
    for (path, c), run in off.items():
        logged = summary[(path, c)]
        add(f"| `{path}` | {c} | {fmt_rps(run['rps'])} | {fmt_rps(logged['rps'])} | "
            f"{logged['rps'] / run['rps']:.3f}× | {run['cpu_us']:.1f} | {logged['cpu_us']:.1f} | "
            f"{logged['cpu_us'] / run['cpu_us'] - 1:+.1%} |")
    add("")
    cpu = (probed or {}).get("payload_log_cpu_us")
    if cpu:
        add("In process (`wasm-probe`: no HTTP; this thread's CPU time, which the machine's other load "
            "does not inflate; log files written as `spin up` writes them). `/api/trade` and "
            "`/api/review` log at summary whatever the variable says, so their two columns "
            "measure the same thing:")
        add("")
        add("| route | off µs | summary µs | summary − off |")
        add("|---|---:|---:|---:|")
        for path, levels in cpu.items():
            add(f"| `{path}` | {levels['off']:.1f} | {levels['summary']:.1f} | "
                f"{levels['summary'] - levels['off']:+.1f} µs |")
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


def probe(args, **settings):
    env = dict(os.environ, **settings)
    out = subprocess.run(
        [os.path.join(HOST_BIN, "wasm-probe"), "spin.toml",
         os.path.join("bench", "hello", "spin.toml"), os.path.join("bench", "routes.json"),
         str(args.probe_seconds)],
        cwd=ROOT, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout)


def fmt_rps(x):
    return f"{x:,.0f}"


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"


def report(results, micro, probed, args, loads, compared=None):
    lines = []
    add = lines.append
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), platform.processor())
    add(f"Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} "
        f"{platform.release()}; load average {loads[0]:.2f} before, {loads[1]:.2f} after.")
    add(f"Load: wrk, 1 thread, {args.duration} s per route and level after a "
        f"{args.warmup} s warm-up, connections {' and '.join(map(str, args.connections))}, "
        f"loopback. Classic gunicorn sync workers: gateway {CLASSIC_WORKERS['gateway']}, "
        f"car-value {CLASSIC_WORKERS['car_value']}, review {CLASSIC_WORKERS['review']}.")
    add("")
    app = results.get("app")
    floor = results.get("floor", {}).get("load", {})
    native = results.get("native", {}).get("load", {})
    classic = results.get("classic", {}).get("load", {})
    if app:
        add("### Throughput: the app against its floor, native and classic")
        add("")
        add("| route | conns | app req/s | app/floor | app/native | app/classic |")
        add("|---|---:|---:|---:|---:|---:|")
        for route in ROUTES:
            for c in args.connections:
                a = app["load"].get((route["path"], c), {}).get("rps")
                f = floor.get(("/", c), {}).get("rps")
                n = native.get((route["path"], c), {}).get("rps")
                k = classic.get((route["path"], c), {}).get("rps")
                add(f"| `{route['path']}` | {c} | {fmt_rps(a)} | {ratio(a, f)} | "
                    f"{ratio(a, n)} | {ratio(a, k)} |")
        add("")
    goals(add, results, micro, probed, args, compared)
    if compared:
        payload_log_report(add, compared, args, probed)
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
        add("### Wasm: sizes, load, instantiation and in-process requests")
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
    built = sum(size["built"] for name, size in probed["sizes"].items() if name != "hello")
    add(f"| app | its three `.wasm` components, as built | {built:,} |")
    add(f"| classic | the Python packages of `bench/classic/requirements.txt`, without Python "
        f"itself or a base image | {classic_packages_bytes():,} |")
    add("")
    if micro:
        add("### Models alone, native (criterion, mean per call)")
        add("")
        add("| benchmark | time |")
        add("|---|---:|")
        for name, ns in sorted(micro.items()):
            add(f"| {name} | {ns / 1e3:.3f} µs |")
        add("")
    return "\n".join(lines)


def classic_packages_bytes():
    """Size of the classic design's installed Python packages."""
    total = 0
    for packages in glob.glob(os.path.join(VENV, "..", "lib", "python*", "site-packages")):
        for directory, _, files in os.walk(packages):
            total += sum(os.path.getsize(os.path.join(directory, f)) for f in files
                         if not os.path.islink(os.path.join(directory, f)))
    return total


def goals(add, results, micro, probed, args, compared=None):
    """The issue's goals, met or missed."""
    def rps(name, path, c):
        return results.get(name, {}).get("load", {}).get((path, c), {}).get("rps")

    rows = []
    for c in args.connections:
        app, floor = rps("app", "/api/car-analysis", c), rps("floor", "/", c)
        classic = rps("classic", "/api/car-analysis", c)
        if app and floor:
            rows.append((f"car-analysis ≥ 0.75× the floor's req/s (c={c})",
                         f"{app / floor:.2f}×", app / floor >= 0.75))
        if app and classic:
            rows.append((f"car-analysis ≥ 15× the classic design's req/s (c={c})",
                         f"{app / classic:.1f}×", app / classic >= 15))
    half = (results.get("app") or {}).get("half_rate", {}).get("/api/car-analysis")
    if half:
        rows.append((f"car-analysis p99 at half the saturation rate ({fmt_rps(half['rate'])} req/s) "
                     f"< 5 ms", f"{half['p99_us'] / 1e3:.2f} ms", half["p99_us"] < 5000))
    for name in ("predict/car-value", "predict/sentiment"):
        if name in micro:
            rows.append((f"{name} < 5 µs per call", f"{micro[name] / 1e3:.2f} µs",
                         micro[name] < 5000))
    if compared:
        off, summary = (compared["runs"][level] for level in PAYLOAD_LEVELS)
        for (path, c), run in off.items():
            if path == "/api/car-analysis":
                cost = summary[(path, c)]["cpu_us"] / run["cpu_us"] - 1
                rows.append((f"payload logs at summary cost ≤ 5% of the server's CPU per request "
                             f"(car-analysis, c={c})", f"{cost:+.1%}", cost <= 0.05))
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
    """Every route answers 200 everywhere, and the app and native alike."""
    problems = []
    for name, result in results.items():
        for path, (status, body) in result["answers"].items():
            if status != 200:
                problems.append(f"{name} {path}: {status} {body[:200]!r}")
    if "app" in results and "native" in results:
        for path, (_, body) in results["app"]["answers"].items():
            other = results["native"]["answers"].get(path, (None, b""))[1]
            try:
                same = json.loads(body) == json.loads(other)
            except ValueError:
                same = False
            if not same:
                problems.append(f"app and native differ on {path}: {body!r} vs {other!r}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up seconds before each")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--cold-starts", type=int, default=3)
    parser.add_argument("--probe-seconds", type=float, default=0.5)
    parser.add_argument("--targets", nargs="+", default=["app", "floor", "native", "classic"])
    parser.add_argument("--skip-criterion", action="store_true")
    parser.add_argument("--payload-log-rounds", type=int, default=4,
                        help="rounds of the payload-log comparison, each with both servers started "
                             "afresh and one run per level and route (0: skip it)")
    parser.add_argument("--only-payload-log", action="store_true",
                        help="run just the payload-log comparison")
    parser.add_argument("--write", action="store_true",
                        help="also put the tables into BENCHMARKS.md between its markers")
    args = parser.parse_args()
    os.chdir(ROOT)

    loads = [load_average()]
    micro, probed, results = {}, None, {}
    if not args.only_payload_log:
        log(f"load average {loads[0]:.2f}; criterion micro-benchmarks")
        micro = criterion(args)
        log("Wasm probe: sizes, load, instantiation, in-process requests")
        probed = probe(args)
        probed["keep_resident_0"] = probe(args, **{KEEP_RESIDENT: "0"})
        for name, target in targets(args).items():
            log(f"{name}: cold starts, then load")
            results[name] = measure_target(target, args)
    compared = None
    if args.payload_log_rounds > 0 and ("app" in args.targets or args.only_payload_log):
        log("payload logs: off against summary")
        compared = payload_log_comparison(args)
    loads.append(load_average())
    problems = check_answers(results)
    # The models' own routes log at summary whatever the variable says
    # (docs/OPERATING.md), so `off` still writes their lines.
    if compared and compared["lines"]["summary"] <= compared["lines"]["off"]:
        problems.append(f"payload lines written: {compared['lines']} (want more at summary than off)")
    text = report(results, micro, probed, args, loads, compared)
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
