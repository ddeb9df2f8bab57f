//! The linear layers: int8 weights (a scale per output channel) applied to
//! `f32` activations, `y = (x · qᵀ) · s + b`, as `training/transformer/
//! minilm.py` (`int8_linear`) computes them. Each block of four output
//! channels is converted to `f32` once (24 KB of scratch at most) and then
//! applied to every token. Wasm SIMD (simd128) on wasm32, SSE on x86-64,
//! with the same four-lane sums, so both give the same bits.

/// Lanes of the partial sums of a dot product.
const LANES: usize = 4;

/// `y[t][o] = (Σ_j x[t][j] · w[o][j]) · sw[o] + b[o]` for the tokens of `x`
/// (`rows` × `k`) and the `n` output channels of `w` (`n` × `k`, int8,
/// row-major). `scratch` holds four channels' weights as `f32`. Each sum is
/// added up as [`dot`] does, whichever kernel computes it.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
pub fn linear(
    x: &[f32],
    k: usize,
    w: &[i8],
    sw: &[f32],
    b: &[f32],
    scratch: &mut Vec<f32>,
    y: &mut Vec<f32>,
) {
    let n = sw.len();
    let rows = x.len() / k;
    y.clear();
    y.resize(rows * n, 0.0);
    scratch.clear();
    scratch.resize(4 * k, 0.0);
    for o4 in (0..n).step_by(4) {
        let block = (n - o4).min(4);
        widen(&w[o4 * k..(o4 + block) * k], &mut scratch[..block * k]);
        let mut store = |t: usize, acc: [f32; 4]| {
            for r in 0..block {
                y[t * n + o4 + r] = acc[r] * sw[o4 + r] + b[o4 + r];
            }
        };
        let mut t = 0;
        if block == 4 && k.is_multiple_of(LANES) {
            while t + 2 <= rows {
                let [a, c] = simd::tile2x4(
                    &x[t * k..(t + 1) * k],
                    &x[(t + 1) * k..(t + 2) * k],
                    scratch,
                    k,
                );
                store(t, a);
                store(t + 1, c);
                t += 2;
            }
        }
        for t in t..rows {
            let xt = &x[t * k..(t + 1) * k];
            if block == 4 && k.is_multiple_of(LANES) {
                // the last token alone: the same kernel with the token twice
                let [a, _] = simd::tile2x4(xt, xt, scratch, k);
                store(t, a);
                continue;
            }
            let mut acc = [0.0; 4];
            for (r, a) in acc.iter_mut().enumerate().take(block) {
                *a = dot(xt, &scratch[r * k..(r + 1) * k]);
            }
            store(t, acc);
        }
    }
}

/// The gradient of [`linear`]'s input: adds `dy · (q·s)` to `dx`
/// (`rows` × `k`), for `dy` of `rows` × `n`. As many multiply-adds as the
/// forward pass.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
pub fn linear_backward(
    dy: &[f32],
    k: usize,
    w: &[i8],
    sw: &[f32],
    scratch: &mut Vec<f32>,
    dx: &mut [f32],
) {
    let n = sw.len();
    let rows = dy.len() / n;
    scratch.clear();
    scratch.resize(4 * k, 0.0);
    for o4 in (0..n).step_by(4) {
        let block = (n - o4).min(4);
        widen(&w[o4 * k..(o4 + block) * k], &mut scratch[..block * k]);
        scratch[block * k..].fill(0.0);
        let (w0, rest) = scratch.split_at(k);
        let (w1, rest) = rest.split_at(k);
        let (w2, w3) = rest.split_at(k);
        for t in 0..rows {
            let c: [f32; 4] = std::array::from_fn(|r| {
                if r < block {
                    dy[t * n + o4 + r] * sw[o4 + r]
                } else {
                    0.0
                }
            });
            let row = &mut dx[t * k..(t + 1) * k];
            for ((((d, a), b), e), f) in row.iter_mut().zip(w0).zip(w1).zip(w2).zip(&w3[..k]) {
                *d += ((c[0] * a + c[1] * b) + c[2] * e) + c[3] * f;
            }
        }
    }
}

/// `w` as `f32`, into `out`.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
fn widen(w: &[i8], out: &mut [f32]) {
    #[cfg(target_arch = "wasm32")]
    {
        use core::arch::wasm32::*;
        let chunks = w.len() / 16;
        for c in 0..chunks {
            let j = c * 16;
            // SAFETY: j + 16 <= w.len() == out.len() (checked below).
            assert!(out.len() >= w.len());
            unsafe {
                let v = v128_load(w.as_ptr().add(j).cast());
                let lo = i16x8_extend_low_i8x16(v);
                let hi = i16x8_extend_high_i8x16(v);
                let o = out.as_mut_ptr().add(j).cast::<v128>();
                v128_store(o, f32x4_convert_i32x4(i32x4_extend_low_i16x8(lo)));
                v128_store(o.add(1), f32x4_convert_i32x4(i32x4_extend_high_i16x8(lo)));
                v128_store(o.add(2), f32x4_convert_i32x4(i32x4_extend_low_i16x8(hi)));
                v128_store(o.add(3), f32x4_convert_i32x4(i32x4_extend_high_i16x8(hi)));
            }
        }
        for j in chunks * 16..w.len() {
            out[j] = f32::from(w[j]);
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    for (d, &q) in out.iter_mut().zip(w) {
        *d = f32::from(q);
    }
}

/// A dot product in [`LANES`] partial sums (lane `l` adds the products
/// `j ≡ l mod 4`), added as `(s0 + s1) + (s2 + s3)`.
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

/// Two tokens × four channels at once, each sum in four lanes as [`dot`]:
/// eight independent accumulators, so the additions do not wait on each
/// other, and each load serves two or four products.
#[cfg(target_arch = "wasm32")]
mod simd {
    use core::arch::wasm32::*;

    #[target_feature(enable = "simd128,relaxed-simd")]
    pub fn tile2x4(x0: &[f32], x1: &[f32], w: &[f32], k: usize) -> [[f32; 4]; 2] {
        assert!(k.is_multiple_of(4) && x0.len() >= k && x1.len() >= k && w.len() >= 4 * k);
        let mut acc = [[f32x4_splat(0.0); 4]; 2];
        let (xp0, xp1, wp) = (x0.as_ptr(), x1.as_ptr(), w.as_ptr());
        for j in (0..k).step_by(4) {
            // SAFETY: j + 4 <= k <= x0.len(), x1.len(), and
            // r * k + j + 4 <= 4 * k <= w.len().
            unsafe {
                let x0 = v128_load(xp0.add(j).cast());
                let x1 = v128_load(xp1.add(j).cast());
                for r in 0..4 {
                    let wv = v128_load(wp.add(r * k + j).cast());
                    acc[0][r] = f32x4_relaxed_madd(x0, wv, acc[0][r]);
                    acc[1][r] = f32x4_relaxed_madd(x1, wv, acc[1][r]);
                }
            }
        }
        acc.map(|row| row.map(sum))
    }

    fn sum(a: v128) -> f32 {
        (f32x4_extract_lane::<0>(a) + f32x4_extract_lane::<1>(a))
            + (f32x4_extract_lane::<2>(a) + f32x4_extract_lane::<3>(a))
    }
}

/// [`simd::tile2x4`] with SSE (part of every x86-64).
#[cfg(target_arch = "x86_64")]
mod simd {
    use core::arch::x86_64::*;

    pub fn tile2x4(x0: &[f32], x1: &[f32], w: &[f32], k: usize) -> [[f32; 4]; 2] {
        assert!(k.is_multiple_of(4) && x0.len() >= k && x1.len() >= k && w.len() >= 4 * k);
        // SAFETY: SSE is always available on x86-64; the loads are in
        // bounds as for the Wasm version.
        unsafe {
            let mut acc = [[_mm_setzero_ps(); 4]; 2];
            let (xp0, xp1, wp) = (x0.as_ptr(), x1.as_ptr(), w.as_ptr());
            for j in (0..k).step_by(4) {
                let x0 = _mm_loadu_ps(xp0.add(j));
                let x1 = _mm_loadu_ps(xp1.add(j));
                for r in 0..4 {
                    let wv = _mm_loadu_ps(wp.add(r * k + j));
                    acc[0][r] = _mm_add_ps(acc[0][r], _mm_mul_ps(x0, wv));
                    acc[1][r] = _mm_add_ps(acc[1][r], _mm_mul_ps(x1, wv));
                }
            }
            acc.map(|row| {
                row.map(|a| {
                    let mut l = [0.0f32; 4];
                    _mm_storeu_ps(l.as_mut_ptr(), a);
                    (l[0] + l[1]) + (l[2] + l[3])
                })
            })
        }
    }
}

/// Elsewhere: [`dot`] for each of the eight sums.
#[cfg(not(any(target_arch = "wasm32", target_arch = "x86_64")))]
mod simd {
    pub fn tile2x4(x0: &[f32], x1: &[f32], w: &[f32], k: usize) -> [[f32; 4]; 2] {
        let row = |x: &[f32]| std::array::from_fn(|r| super::dot(&x[..k], &w[r * k..(r + 1) * k]));
        [row(x0), row(x1)]
    }
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
        // three tokens: a tile of two and one alone
        let x: Vec<f32> = x.iter().chain(&x[..8]).copied().collect();
        linear(&x, 8, &w, &sw, &b, &mut scratch, &mut y);
        for t in 0..3 {
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
    fn the_backward_pass_multiplies_by_the_scaled_weights() {
        // 2 tokens, k = 3, 5 outputs: dx[t][j] = Σ_o dy[t][o] · w[o][j] · sw[o]
        let w: Vec<i8> = (0..15).map(|v| (v * 5 % 11) as i8 - 5).collect();
        let sw = [0.5, 0.25, 1.0, 2.0, 0.125];
        let dy: Vec<f32> = (0..10).map(|v| v as f32 * 0.3 - 1.0).collect();
        let mut dx = vec![1.0f32; 6];
        linear_backward(&dy, 3, &w, &sw, &mut Vec::new(), &mut dx);
        for t in 0..2 {
            for j in 0..3 {
                let want: f32 = 1.0
                    + (0..5)
                        .map(|o| dy[t * 5 + o] * f32::from(w[o * 3 + j]) * sw[o])
                        .sum::<f32>();
                assert!((dx[t * 3 + j] - want).abs() < 1e-5, "{t} {j}");
            }
        }
    }

    #[test]
    fn dot_sums_in_four_lanes() {
        assert_eq!(
            dot(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0, 1.0, 1.0, 1.0, 2.0]),
            20.0
        );
    }
}
