//! The encoder and the head: embeddings (int8 per row), `layers` BERT
//! layers (self-attention and a GELU feed-forward, each with a residual and
//! a layer norm; int8 weights, `f32` activations, attention and norms), mean
//! pooling over the tokens and one logit — the model of
//! `training/transformer/minilm.py` (`Quantised`), computed the same way.

use crate::blob::{Blob, BlobError};
use crate::kernels;
use crate::wordpiece::Vocab;

/// A linear layer: int8 weights (`out` × `in`), a scale per output
/// channel, an `f32` bias.
#[derive(Clone, Copy)]
struct Linear<'a> {
    w: &'a [i8],
    s: &'a [f32],
    b: &'a [f32],
    inputs: usize,
}

impl<'a> Linear<'a> {
    fn from_blob(
        blob: &Blob<'a>,
        name: &str,
        inputs: usize,
        outputs: usize,
    ) -> Result<Self, BlobError> {
        Ok(Linear {
            w: blob.i8s_of(&format!("{name}.q"), inputs * outputs)?,
            s: blob.f32s_of(&format!("{name}.s"), outputs)?,
            b: blob.f32s_of(&format!("{name}.b"), outputs)?,
            inputs,
        })
    }

    fn apply(&self, scratch: &mut Vec<f32>, x: &[f32], y: &mut Vec<f32>) {
        kernels::linear(x, self.inputs, self.w, self.s, self.b, scratch, y);
    }

    /// Adds the gradient of the input, `dy · (q·s)`, to `dx`.
    fn backward(&self, scratch: &mut Vec<f32>, dy: &[f32], dx: &mut [f32]) {
        kernels::linear_backward(dy, self.inputs, self.w, self.s, scratch, dx);
    }
}

#[derive(Clone, Copy)]
struct Norm<'a> {
    g: &'a [f32],
    b: &'a [f32],
}

impl<'a> Norm<'a> {
    fn from_blob(blob: &Blob<'a>, name: &str, width: usize) -> Result<Self, BlobError> {
        Ok(Norm {
            g: blob.f32s_of(&format!("{name}.g"), width)?,
            b: blob.f32s_of(&format!("{name}.b"), width)?,
        })
    }

    /// Layer norm of each row of `x` in place; with a record, keeps each
    /// row's normalised values and `1 / std` for [`Norm::backward`].
    fn apply(&self, x: &mut [f32], eps: f32, mut record: Option<&mut NormRecord>) {
        let h = self.g.len();
        for row in x.chunks_exact_mut(h) {
            let mean = row.iter().map(|&v| f64::from(v)).sum::<f64>() / h as f64;
            let var = row
                .iter()
                .map(|&v| (f64::from(v) - mean).powi(2))
                .sum::<f64>()
                / h as f64;
            let (mean, rstd) = (mean as f32, (1.0 / (var + f64::from(eps)).sqrt()) as f32);
            if let Some(r) = record.as_deref_mut() {
                r.rstd.push(rstd);
                r.normalised.extend(row.iter().map(|v| (v - mean) * rstd));
            }
            for ((v, g), b) in row.iter_mut().zip(self.g).zip(self.b) {
                *v = (*v - mean) * rstd * g + b;
            }
        }
    }

    /// The gradient of the norm's input from that of its output, in place.
    fn backward(&self, dy: &mut [f32], r: &NormRecord) {
        let h = self.g.len();
        for ((row, xhat), &rstd) in dy
            .chunks_exact_mut(h)
            .zip(r.normalised.chunks_exact(h))
            .zip(&r.rstd)
        {
            let (mut m1, mut m2) = (0.0f32, 0.0f32);
            for ((d, g), x) in row.iter_mut().zip(self.g).zip(xhat) {
                *d *= g;
                m1 += *d;
                m2 += *d * x;
            }
            let (m1, m2) = (m1 / h as f32, m2 / h as f32);
            for (d, x) in row.iter_mut().zip(xhat) {
                *d = rstd * (*d - m1 - x * m2);
            }
        }
    }
}

#[derive(Clone, Copy)]
struct Layer<'a> {
    q: Linear<'a>,
    k: Linear<'a>,
    v: Linear<'a>,
    o: Linear<'a>,
    ln1: Norm<'a>,
    i: Linear<'a>,
    f: Linear<'a>,
    ln2: Norm<'a>,
}

/// What [`Norm::backward`] needs of a layer norm's forward pass.
#[derive(Default)]
struct NormRecord {
    normalised: Vec<f32>,
    rstd: Vec<f32>,
}

/// What the backward pass needs of one layer's forward pass.
#[derive(Default)]
struct LayerRecord {
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    /// Attention probabilities, head by head, `t × t` each.
    p: Vec<f32>,
    ln1: NormRecord,
    /// The feed-forward layer's input to GELU, and its output.
    a: Vec<f32>,
    g: Vec<f32>,
    ln2: NormRecord,
}

/// The forward pass's intermediate values, for the gradient.
#[derive(Default)]
struct Tape {
    /// The first layer's input.
    embedded: Vec<f32>,
    layers: Vec<LayerRecord>,
}

/// A model in place: the vocabulary, the encoder's tensors and the head,
/// as slices of the blob.
pub struct Model<'a> {
    /// The tokenizer's vocabulary.
    pub vocab: Vocab<'a>,
    /// The model's version (written by the trainer).
    pub version: &'a str,
    /// `name TAB value` lines: the trainer's held-out figures.
    pub metrics: &'a str,
    /// Width of the hidden states.
    pub hidden: usize,
    /// Most tokens read, `[CLS]` and `[SEP]` included.
    pub max_tokens: usize,
    heads: usize,
    ffn: usize,
    eps: f32,
    cls: u32,
    sep: u32,
    word: (&'a [i8], &'a [f32]),
    pos: (&'a [i8], &'a [f32]),
    ln: Norm<'a>,
    layers: Vec<Layer<'a>>,
    head_w: &'a [f32],
    head_b: f32,
}

/// The answer for one text.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    /// The token ids read, `[CLS]` … `[SEP]`.
    pub ids: Vec<u32>,
    /// The logit: the head on the mean of the last hidden states.
    pub logit: f32,
    /// Each token's share of the logit, `w · h_t / T`: the logit is the bias
    /// plus their sum. (`h_t` has mixed in every other token through
    /// attention: a share says where the head read the evidence, not what
    /// the word means alone.)
    pub shares: Vec<f32>,
}

impl<'a> Model<'a> {
    /// Reads a model from its blob (`config`: layers, hidden, heads, ffn,
    /// vocabulary, positions, `[CLS]`, `[SEP]`, `[UNK]`, `[PAD]`, longest word).
    pub fn from_blob(bytes: &'a [u8]) -> Result<Model<'a>, BlobError> {
        let blob = Blob::parse(bytes)?;
        let config = blob.u32s("config")?;
        let &[
            layers,
            hidden,
            heads,
            ffn,
            vocab,
            positions,
            cls,
            sep,
            unk,
            _pad,
            max_word,
        ] = config
        else {
            return Err(BlobError::Format("config has 11 numbers"));
        };
        let (layers, hidden, heads, ffn, vocab, positions) = (
            layers as usize,
            hidden as usize,
            heads as usize,
            ffn as usize,
            vocab as usize,
            positions as usize,
        );
        if heads == 0 || hidden % heads != 0 || positions < 2 {
            return Err(BlobError::Format("bad config"));
        }
        let text = |name: &str| -> Result<&'a str, BlobError> {
            std::str::from_utf8(blob.bytes(name)?)
                .map_err(|_| BlobError::Format("text is not UTF-8"))
        };
        let layers = (0..layers)
            .map(|n| {
                let l = |part: &str| format!("l{n}.{part}");
                Ok(Layer {
                    q: Linear::from_blob(&blob, &l("q"), hidden, hidden)?,
                    k: Linear::from_blob(&blob, &l("k"), hidden, hidden)?,
                    v: Linear::from_blob(&blob, &l("v"), hidden, hidden)?,
                    o: Linear::from_blob(&blob, &l("o"), hidden, hidden)?,
                    ln1: Norm::from_blob(&blob, &l("ln1"), hidden)?,
                    i: Linear::from_blob(&blob, &l("i"), hidden, ffn)?,
                    f: Linear::from_blob(&blob, &l("f"), ffn, hidden)?,
                    ln2: Norm::from_blob(&blob, &l("ln2"), hidden)?,
                })
            })
            .collect::<Result<Vec<_>, BlobError>>()?;
        Ok(Model {
            vocab: Vocab::from_blob(&blob, vocab, unk, max_word as usize)?,
            version: text("version")?,
            metrics: text("metrics")?,
            hidden,
            max_tokens: positions,
            heads,
            ffn,
            eps: blob.f32s_of("layer_norm_eps", 1)?[0],
            cls,
            sep,
            word: (
                blob.i8s_of("emb.word.q", vocab * hidden)?,
                blob.f32s_of("emb.word.s", vocab)?,
            ),
            pos: (
                blob.i8s_of("emb.pos.q", positions * hidden)?,
                blob.f32s_of("emb.pos.s", positions)?,
            ),
            ln: Norm::from_blob(&blob, "emb.ln", hidden)?,
            layers,
            head_w: blob.f32s_of("head.w", hidden)?,
            head_b: blob.f32s_of("head.b", 1)?[0],
        })
    }

    /// `[CLS]`, the tokens of `text` (the first `max_tokens - 2`), `[SEP]`.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut ids = vec![self.cls];
        self.vocab.tokenize_into(text, &mut ids);
        ids.truncate(self.max_tokens - 1);
        ids.push(self.sep);
        ids
    }

    /// Tokenizes `text` and runs the model on it.
    pub fn classify(&self, text: &str) -> Classified {
        let ids = self.encode(text);
        let (logit, shares) = self.run(&ids);
        Classified { ids, logit, shares }
    }

    /// The logit and each token's share of it, for token ids as
    /// [`Model::encode`] gives them (at most `max_tokens`).
    pub fn run(&self, ids: &[u32]) -> (f32, Vec<f32>) {
        self.forward(ids, None)
    }

    /// The logit and each token's gradient × input: the gradient of the
    /// logit with respect to the first layer's input (the token's normalised
    /// embedding) dotted with that input. (Before the norm it would be 0: a
    /// layer norm ignores the scale of its input.) One backward pass, about
    /// the cost of [`Model::run`].
    pub fn attribute(&self, ids: &[u32]) -> (f32, Vec<f32>) {
        let mut tape = Tape::default();
        let (logit, _) = self.forward(ids, Some(&mut tape));
        (logit, self.backward(ids.len(), &tape))
    }

    /// The forward pass; with a tape, records what [`Model::backward`]
    /// needs. (On wasm32 with simd128 enabled, so the compiler vectorises
    /// its loops too.)
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    fn forward(&self, ids: &[u32], mut tape: Option<&mut Tape>) -> (f32, Vec<f32>) {
        let (h, t) = (self.hidden, ids.len());
        assert!(t <= self.max_tokens, "at most max_tokens ids");
        let mut x = Vec::with_capacity(t * h);
        for (p, &id) in ids.iter().enumerate() {
            let id = id as usize;
            let (wq, ws) = (&self.word.0[id * h..(id + 1) * h], self.word.1[id]);
            let (pq, ps) = (&self.pos.0[p * h..(p + 1) * h], self.pos.1[p]);
            x.extend(
                wq.iter()
                    .zip(pq)
                    .map(|(&a, &b)| f32::from(a) * ws + f32::from(b) * ps),
            );
        }
        self.ln.apply(&mut x, self.eps, None);
        if let Some(tape) = tape.as_deref_mut() {
            tape.embedded = x.clone();
        }
        let mut s = Vec::new();
        let (mut q, mut k, mut v, mut ctx, mut out, mut ffn) = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            vec![0.0f32; t * h],
            Vec::new(),
            Vec::new(),
        );
        let mut scores = vec![0.0f32; t];
        let d = h / self.heads;
        let scale = (d as f32).sqrt();
        for layer in &self.layers {
            let mut record = tape.as_ref().map(|_| LayerRecord::default());
            layer.q.apply(&mut s, &x, &mut q);
            layer.k.apply(&mut s, &x, &mut k);
            layer.v.apply(&mut s, &x, &mut v);
            for head in 0..self.heads {
                let cols = head * d..(head + 1) * d;
                for i in 0..t {
                    let qi = &q[i * h..][cols.clone()];
                    let mut max = f32::NEG_INFINITY;
                    for (j, score) in scores.iter_mut().enumerate() {
                        let kj = &k[j * h..][cols.clone()];
                        *score = kernels::dot(qi, kj) / scale;
                        max = max.max(*score);
                    }
                    let mut sum = 0.0f32;
                    for score in scores.iter_mut() {
                        *score = (*score - max).exp();
                        sum += *score;
                    }
                    let c = &mut ctx[i * h..][cols.clone()];
                    c.fill(0.0);
                    for (j, score) in scores.iter().enumerate() {
                        let p = score / sum;
                        if let Some(r) = record.as_mut() {
                            r.p.push(p);
                        }
                        for (cv, vv) in c.iter_mut().zip(&v[j * h..][cols.clone()]) {
                            *cv += p * vv;
                        }
                    }
                }
            }
            layer.o.apply(&mut s, &ctx, &mut out);
            x.iter_mut().zip(&out).for_each(|(a, b)| *a += b);
            layer
                .ln1
                .apply(&mut x, self.eps, record.as_mut().map(|r| &mut r.ln1));
            layer.i.apply(&mut s, &x, &mut ffn);
            if let Some(r) = record.as_mut() {
                r.a = ffn.clone();
            }
            ffn.iter_mut().for_each(|a| *a = gelu(*a));
            debug_assert_eq!(ffn.len(), t * self.ffn);
            layer.f.apply(&mut s, &ffn, &mut out);
            x.iter_mut().zip(&out).for_each(|(a, b)| *a += b);
            layer
                .ln2
                .apply(&mut x, self.eps, record.as_mut().map(|r| &mut r.ln2));
            if let (Some(tape), Some(mut r)) = (tape.as_deref_mut(), record) {
                r.q = q.clone();
                r.k = k.clone();
                r.v = v.clone();
                r.g = ffn.clone();
                tape.layers.push(r);
            }
        }
        let mut pooled = vec![0.0f32; h];
        for row in x.chunks_exact(h) {
            pooled.iter_mut().zip(row).for_each(|(p, v)| *p += v);
        }
        pooled.iter_mut().for_each(|p| *p /= t as f32);
        let logit = kernels::dot(&pooled, self.head_w) + self.head_b;
        let shares = x
            .chunks_exact(h)
            .map(|row| kernels::dot(row, self.head_w) / t as f32)
            .collect();
        (logit, shares)
    }

    /// Each token's gradient × input, from the tape of a forward pass over
    /// `t` tokens.
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    fn backward(&self, t: usize, tape: &Tape) -> Vec<f32> {
        let (h, d) = (self.hidden, self.hidden / self.heads);
        let scale = (d as f32).sqrt();
        let mut s = Vec::new();
        // d logit / d x_last = w / t for every token
        let mut dx: Vec<f32> = (0..t)
            .flat_map(|_| self.head_w.iter().map(|w| w / t as f32))
            .collect();
        let (mut dg, mut dctx) = (vec![0.0f32; t * self.ffn], vec![0.0f32; t * h]);
        let (mut dq, mut dk, mut dv) = (
            vec![0.0f32; t * h],
            vec![0.0f32; t * h],
            vec![0.0f32; t * h],
        );
        let mut dp = vec![0.0f32; t];
        for (layer, r) in self.layers.iter().zip(&tape.layers).rev() {
            // x2 = LN2(x1 + f(g)), g = gelu(a), a = i(x1)
            layer.ln2.backward(&mut dx, &r.ln2);
            dg.fill(0.0);
            layer.f.backward(&mut s, &dx, &mut dg);
            for (dgi, &a) in dg.iter_mut().zip(&r.a) {
                *dgi *= gelu_derivative(a);
            }
            layer.i.backward(&mut s, &dg, &mut dx);
            // x1 = LN1(x + o(ctx))
            layer.ln1.backward(&mut dx, &r.ln1);
            dctx.fill(0.0);
            layer.o.backward(&mut s, &dx, &mut dctx);
            dq.fill(0.0);
            dk.fill(0.0);
            dv.fill(0.0);
            for head in 0..self.heads {
                let cols = head * d..(head + 1) * d;
                for i in 0..t {
                    let p = &r.p[(head * t + i) * t..(head * t + i + 1) * t];
                    let dci = &dctx[i * h..][cols.clone()];
                    // ctx_i = Σ_j p_ij v_j
                    let mut inner = 0.0f32;
                    for j in 0..t {
                        dp[j] = kernels::dot(dci, &r.v[j * h..][cols.clone()]);
                        inner += dp[j] * p[j];
                        for (dvj, c) in dv[j * h..][cols.clone()].iter_mut().zip(dci) {
                            *dvj += p[j] * c;
                        }
                    }
                    // softmax, then scores_ij = q_i · k_j / scale
                    for j in 0..t {
                        let ds = p[j] * (dp[j] - inner) / scale;
                        for ((dqi, kj), (dkj, qi)) in dq[i * h..][cols.clone()]
                            .iter_mut()
                            .zip(&r.k[j * h..][cols.clone()])
                            .zip(
                                dk[j * h..][cols.clone()]
                                    .iter_mut()
                                    .zip(&r.q[i * h..][cols.clone()]),
                            )
                        {
                            *dqi += ds * kj;
                            *dkj += ds * qi;
                        }
                    }
                }
            }
            layer.q.backward(&mut s, &dq, &mut dx);
            layer.k.backward(&mut s, &dk, &mut dx);
            layer.v.backward(&mut s, &dv, &mut dx);
        }
        dx.chunks_exact(h)
            .zip(tape.embedded.chunks_exact(h))
            .map(|(g, e)| kernels::dot(g, e))
            .collect()
    }
}

/// GELU with the exact error function, as torch's default `gelu`.
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::erff(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// The derivative of [`gelu`]: `Φ(x) + x·φ(x)`.
fn gelu_derivative(x: f32) -> f32 {
    let cdf = 0.5 * (1.0 + libm::erff(x * std::f32::consts::FRAC_1_SQRT_2));
    let pdf = (-0.5 * x * x).exp() * 0.398_942_3;
    cdf + x * pdf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gelu_is_the_exact_erf_form() {
        assert_eq!(gelu(0.0), 0.0);
        assert!((gelu(1.0) - 0.841_344_7).abs() < 1e-6);
        assert!((gelu(-1.0) + 0.158_655_25).abs() < 1e-6);
    }
}
