"""The sentiment models side by side on Spin (part of bench/bench.py): the
word model (`sentiment`, the default), the transformer
(`sentiment-transformer`) and the cascade (`sentiment-cascade`), each
composed into the gateway and sentiment-api by a copy of spin.toml that
changes only their dependency, as tests/swap.rs does, and served with
`spin up` (the harness where there is no Spin) one at a time, the prediction history off (what is compared is
the models, not the store). For each:

- the first answer after start: from starting `spin up` to the first 200 of
  a 20-word review on /api/review-sentiment;
- latency per review of 5, 20 and 60 words: sequential requests, one at a
  time, p50 and p99, and which model answered (the cascade names it);
- the 211 car reviews of the challenge set sent one at a time: p50 and p99,
  and the share the cascade asked the transformer about;
- throughput with wrk on /api/review-sentiment (the 20-word review) and
  /api/car-analysis, and Spin's CPU per request;
- Spin's minor page faults per review (memory an instance touches: the
  transformer's weights are mapped from the module's memory image as they
  are read, not copied) and its peak resident memory;
- the component's size;
- the same reviews natively, in-process (`native-sentiment`): what Wasm
  costs.
"""

import csv
import json
import os
import statistics
import subprocess
import tempfile
import time

import bench

MODELS = ("sentiment", "sentiment-transformer", "sentiment-cascade")
DEFAULT = "sentiment"
TRANSFORMER_PREFIX = "sentiment-minilm-"

REVIEWS = {
    5: "Smooth, quiet and very reliable.",
    20: "Great car! Smooth and quiet on the highway, though the brakes squeal a little "
        "and the seats could be softer.",
    60: "I bought this sedan used with forty thousand miles on it and it has been a "
        "pleasant surprise. The engine is smooth, the transmission shifts without fuss "
        "and it still returns good mileage on long trips. The infotainment screen is "
        "slow and the rear seats are cramped for tall passengers, but after two years "
        "nothing has broken and the dealer has treated me fairly every time.",
}
DEPENDENCY = '"ml:sentiment/analyzer@0.3.0" = { component = "%s" }'
CONNECTIONS = 2  # the machine's cores: enough to saturate Spin, little queueing


def manifest(model, directory):
    """spin.toml with every sentiment dependency pointed at `model`."""
    text = open(os.path.join(bench.ROOT, "spin.toml")).read()
    assert DEPENDENCY % DEFAULT in text
    text = text.replace(DEPENDENCY % DEFAULT, DEPENDENCY % model)
    text = text.replace('source = "', f'source = "{bench.ROOT}/')
    path = os.path.join(directory, f"{model}.toml")
    open(path, "w").write(text)
    return path


def source_bytes(model):
    text = open(os.path.join(bench.ROOT, "spin.toml")).read()
    section = text[text.index(f"[component.{model}]"):]
    source = section.split('source = "', 1)[1].split('"', 1)[0]
    return os.path.getsize(os.path.join(bench.ROOT, source))


def challenge_reviews():
    path = os.path.join(bench.ROOT, "data", "sentiment", "car_reviews_challenge.tsv")
    with open(path, newline="") as f:
        return [row["text"] for row in csv.DictReader(f, delimiter="\t")]


def minor_faults(pids):
    total = 0
    for pid in pids:
        try:
            total += int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[7])
        except OSError:
            pass
    return total


def timed(url, reviews, target):
    """Sends `reviews` one at a time; returns (times in ms, model versions
    that answered, minor faults per review)."""
    times, versions = [], []
    faults = minor_faults(target.pids())
    for review in reviews:
        started = time.perf_counter()
        status, body = bench.request(
            url, {"path": "/api/review-sentiment", "method": "POST", "body": {"review": review}},
            timeout=30)
        times.append((time.perf_counter() - started) * 1e3)
        if status != 200:
            raise RuntimeError(f"/api/review-sentiment answered {status}: {body[:200]!r}")
        versions.append(json.loads(body)["model_version"])
    return times, versions, (minor_faults(target.pids()) - faults) / len(reviews)


def quantile(times, q):
    ordered = sorted(times)
    return ordered[round((len(ordered) - 1) * q)]


def latency(url, review, target):
    """Sequential requests of one review: at least 20, then for 2 s."""
    timed(url, [review] * 2, target)  # warm-up
    times, versions, faults = timed(url, [review] * 20, target)
    started = time.perf_counter()
    while time.perf_counter() - started < 2.0 and len(times) < 300:
        more, _, _ = timed(url, [review], target)
        times += more
    return {"p50_ms": statistics.median(times), "p99_ms": quantile(times, 0.99),
            "runs": len(times), "answered_by": sorted(set(versions)), "faults": faults}


def measure(args, cli):
    """Every model on `cli`; returns {model: figures} and the native ones."""
    directory = tempfile.mkdtemp(prefix="car-ml-bench-sentiment-")
    reviews_file = os.path.join(directory, "reviews.json")
    json.dump({str(words): text for words, text in REVIEWS.items()}, open(reviews_file, "w"))
    native = json.loads(subprocess.run(
        [os.path.join(bench.HOST_BIN, "native-sentiment"), reviews_file],
        check=True, capture_output=True, text=True).stdout)
    challenge = challenge_reviews()
    car_analysis = next(r for r in bench.ROUTES if r["path"] == "/api/car-analysis")
    review_route = {"path": "/api/review-sentiment", "method": "POST",
                    "body": {"review": REVIEWS[20]}}
    results = {}
    for model in MODELS:
        bench.log(f"sentiment models: {model}")
        port = bench.free_port()
        url = f"http://127.0.0.1:{port}"
        target = bench.Target(
            model, [(port, bench.serve(cli, manifest(model, directory), port, directory))],
            [], (review_route, port), keep_stderr=cli != bench.HARNESS,
            env={"SPIN_VARIABLE_PREDICTION_HISTORY": "off"})
        first_answer_ms = target.start()
        try:
            result = {"first_answer_ms": first_answer_ms, "bytes": source_bytes(model),
                      "latency": {words: latency(url, text, target)
                                  for words, text in REVIEWS.items()}}
            times, versions, faults = timed(url, challenge, target)
            result["challenge"] = {
                "p50_ms": statistics.median(times), "p99_ms": quantile(times, 0.99),
                "transformer_share": sum(v.startswith(TRANSFORMER_PREFIX) for v in versions)
                / len(versions), "faults": faults}
            result["load"] = {}
            for route in (review_route, car_analysis):
                bench.wrk(url, route, CONNECTIONS, args.warmup)
                cpu = bench.cpu_seconds(target.pids())
                run = bench.wrk(url, route, CONNECTIONS, args.duration)
                run["cpu_ms"] = (bench.cpu_seconds(target.pids()) - cpu) * 1e3 / max(
                    run["requests"], 1)
                result["load"][route["path"]] = run
            result["peak_rss_kib"] = bench.memory_kib(target.pids(), "VmHWM")
        finally:
            target.stop()
        results[model] = result
    return {"spin": results, "native": native}


def fmt_ms(x):
    return f"{x:.3f}" if x < 1 else f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def report(add, label, measured, args):
    spin, native = measured["spin"], measured["native"]
    word = spin[DEFAULT]
    add(f"### Sentiment models: the word model, the transformer and the cascade on {label}")
    add("")
    add(f"Each model composed in by one line of `spin.toml` and served alone on {label}, "
        f"prediction history off (bench/sentiment.py). Latency: requests one at a time on "
        f"`/api/review-sentiment` (at least 20 a review, then for 2 s), ms; natively: the "
        f"same analysis in-process. Throughput: wrk, {CONNECTIONS} connections, "
        f"{args.duration} s. The cascade keeps the word model's answer at confidence "
        f"{cascade_confidence()} or more and asks the transformer otherwise; "
        f"\"answered by\" says which model the answers named.")
    add("")
    add("| model | words | p50 ms | p99 ms | ÷ word model (p50) | natively p50 ms | Wasm ÷ native | answered by | page faults/review |")
    add("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for model, result in spin.items():
        for words, run in result["latency"].items():
            n = native[model][str(words)]["p50_ms"]
            by = ", ".join("transformer" if v.startswith(TRANSFORMER_PREFIX) else "word model"
                           for v in run["answered_by"])
            add(f"| `{model}` | {words} | {fmt_ms(run['p50_ms'])} | {fmt_ms(run['p99_ms'])} | "
                f"{run['p50_ms'] / word['latency'][words]['p50_ms']:.1f}× | {fmt_ms(n)} | "
                f"{run['p50_ms'] / n:.1f}× | {by} | {run['faults']:.0f} |")
    add("")
    add("| model | challenge set p50 ms | p99 ms | asked the transformer | `/api/review-sentiment` req/s | CPU ms/req | `/api/car-analysis` req/s | ÷ word model | component | first answer after start | peak RSS |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for model, result in spin.items():
        c = result["challenge"]
        review, car = result["load"]["/api/review-sentiment"], result["load"]["/api/car-analysis"]
        base = word["load"]["/api/car-analysis"]["rps"]
        add(f"| `{model}` | {fmt_ms(c['p50_ms'])} | {fmt_ms(c['p99_ms'])} | "
            f"{c['transformer_share']:.0%} | {bench.fmt_rps(review['rps'])} | "
            f"{review['cpu_ms']:.2f} | {bench.fmt_rps(car['rps'])} | "
            f"{car['rps'] / base:.3f}× | {result['bytes'] / 1e6:.2f} MB | "
            f"{result['first_answer_ms']:,.0f} ms | {result['peak_rss_kib'] / 1024:.0f} MiB |")
    add("")
    transformer = spin["sentiment-transformer"]["latency"][20]["p50_ms"]
    cascade = spin["sentiment-cascade"]["latency"][20]["p50_ms"]
    cascade_challenge = spin["sentiment-cascade"]["challenge"]["p50_ms"]
    word_challenge = word["challenge"]["p50_ms"]
    rows = [
        ("the transformer ≤ 25 ms p50 for a 20-word review", f"{transformer:.1f} ms",
         transformer <= 25),
        ("the cascade's p50 within 2× the word model's (the 20-word review)",
         f"{cascade / word['latency'][20]['p50_ms']:.1f}×",
         cascade <= 2 * word["latency"][20]["p50_ms"]),
        ("the cascade's p50 within 2× the word model's (the challenge set's car reviews)",
         f"{cascade_challenge / word_challenge:.1f}×", cascade_challenge <= 2 * word_challenge),
    ]
    add("| goal (sentiment models) | measured | met |")
    add("|---|---:|---|")
    for goal, measured_value, met in rows:
        add(f"| {goal} | {measured_value} | {'yes' if met else '**no**'} |")
    add("")


def cascade_confidence():
    text = open(os.path.join(bench.ROOT, "crates", "sentiment-model", "model",
                             "sentiment.weights.tsv")).read()
    return next(line.split("\t")[2] for line in text.splitlines()
                if line.startswith("cascade\tconfidence\t"))


def problems(measured):
    """Failed requests under load."""
    return [f"sentiment models, {model} on {path}: {run['errors']} requests failed"
            for model, result in measured["spin"].items()
            for path, run in result["load"].items() if run["errors"]]
