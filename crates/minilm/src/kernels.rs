//! The linear layers: int8 weights (a scale per output channel) applied to
//! `f32` activations, `y = x · (q·s)ᵀ + b`, as `training/transformer/
//! minilm.py` (`int8_linear`) computes them. Each block of four output
//! channels is scaled back to `f32` once (16 KB of scratch at most) and then
//! applied to every token, so the conversion costs little once a text has a
//! few tokens. Wasm SIMD (simd128) on wasm32; elsewhere the same four-lane
//! sums in plain code, so both give the same bits.

/// Lanes of the partial sums of a dot product.
const LANES: usize = 4;

/// `y[t][o] = Σ_j x[t][j] · (w[o][j] · sw[o]) + b[o]` for the tokens of `x`
/// (`rows` × `k`) and the `n` output channels of `w` (`n` × `k`, int8,
/// row-major). `scratch` holds four channels' scaled weights.
pub fn linear(x: &[f32], k: usize, w: &[i8], sw: &[f32], b: &[f32], scratch: &mut Vec<f32>, y: &mut Vec<f32>) {
    let n = sw.len();
    let rows = x.len() / k;
    y.clear();
    y.resize(rows * n, 0.0);
    scratch.clear();
    scratch.resize(4 * k, 0.0);
    for o4 in (0..n).step_by(4) {
        let block = (n - o4).min(4);
        for r in 0..block {
            let o = o4 + r;
            for (d, &q) in scratch[r * k..(r + 1) * k].iter_mut().zip(&w[o * k..(o + 1) * k]) {
                *d = f32::from(q) * sw[o];
            }
        }
        for t in 0..rows {
            let xt = &x[t * k..(t + 1) * k];
            let acc = if block == 4 && k % LANES == 0 {
                dot4(xt, scratch, k)
            } else {
                let mut acc = [0.0; 4];
                for (r, a) in acc.iter_mut().enumerate().take(block) {
                    *a = dot(xt, &scratch[r * k..(r + 1) * k]);
                }
                acc
            };
            for r in 0..block {
                y[t * n + o4 + r] = acc[r] + b[o4 + r];
            }
        }
    }
}

/// A dot product in [`LANES`] partial sums, added as `(s0 + s1) + (s2 + s3)`.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut s = [0.0f32; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..LANES {
            s[l] += x[l] * y[l];
        }
    }
    for (l, (x, y)) in ca.remainder().iter().zip(cb.remainder()).enumerate() {
        s[l] += x * y;
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

#[cfg(not(target_arch = "wasm32"))]
fn dot4(x: &[f32], w: &[f32], k: usize) -> [f32; 4] {
    [
        dot(x, &w[..k]),
        dot(x, &w[k..2 * k]),
        dot(x, &w[2 * k..3 * k]),
        dot(x, &w[3 * k..4 * k]),
    ]
}

/// Four dot products at once, as [`dot`] computes each: the activations
/// are loaded once per step for the four channels.
#[cfg(target_arch = "wasm32")]
fn dot4(x: &[f32], w: &[f32], k: usize) -> [f32; 4] {
    // SAFETY: simd128 is enabled for this function; a runtime without SIMD
    // rejects the module.
    unsafe { dot4_simd(x, w, k) }
}

#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn dot4_simd(x: &[f32], w: &[f32], k: usize) -> [f32; 4] {
    use core::arch::wasm32::*;
    assert!(k % LANES == 0 && x.len() >= k && w.len() >= 4 * k);
    let mut acc = [f32x4_splat(0.0); 4];
    let (xp, wp) = (x.as_ptr(), w.as_ptr());
    for j in (0..k).step_by(LANES) {
        // SAFETY: j + 4 <= k <= x.len(), and r * k + j + 4 <= 4 * k <= w.len().
        unsafe {
            let xv = v128_load(xp.add(j).cast());
            for (r, a) in acc.iter_mut().enumerate() {
                let wv = v128_load(wp.add(r * k + j).cast());
                *a = f32x4_add(*a, f32x4_mul(xv, wv));
            }
        }
    }
    acc.map(|a| {
        (f32x4_extract_lane::<0>(a) + f32x4_extract_lane::<1>(a))
            + (f32x4_extract_lane::<2>(a) + f32x4_extract_lane::<3>(a))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_applies_the_scaled_int8_weights_and_the_bias() {
        // 2 tokens, k = 8, 5 outputs (a block of 4 and one more)
        let x: Vec<f32> = (0..16).map(|v| v as f32 * 0.5 - 3.0).collect();
        let w: Vec<i8> = (0..40).map(|v| (v * 7 % 23) as i8 - 11).collect();
        let sw = [0.5, 0.25, 1.0, 2.0, 0.125];
        let b = [0.0, 1.0, -1.0, 0.5, 2.0];
        let (mut scratch, mut y) = (Vec::new(), Vec::new());
        linear(&x, 8, &w, &sw, &b, &mut scratch, &mut y);
        for t in 0..2 {
            for o in 0..5 {
                let want: f64 = (0..8)
                    .map(|j| f64::from(x[t * 8 + j]) * f64::from(w[o * 8 + j]) * f64::from(sw[o]))
                    .sum::<f64>()
                    + f64::from(b[o]);
                assert!((f64::from(y[t * 5 + o]) - want).abs() < 1e-5, "{t} {o}");
            }
        }
    }

    #[test]
    fn dot_sums_in_four_lanes() {
        assert_eq!(dot(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0, 1.0, 1.0, 1.0, 2.0]), 20.0);
    }
}
