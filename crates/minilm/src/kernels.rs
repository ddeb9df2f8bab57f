//! The int8 arithmetic: activations quantised per token, integer dot
//! products with weights quantised per output channel, and the `f32`
//! scaling, exactly as `training/transformer/minilm.py` (`int8_linear`)
//! computes them. Wasm SIMD (simd128) on wasm32; elsewhere loops the
//! compiler vectorises. The integer sums are exact either way.

/// Quantises each row of `x` (`rows` × `k`) to integers in [-127, 127]
/// (stored as `i16`, ready for the dot products), with one scale per row:
/// `max |x| / 127`, or 1 for a row of zeros; values rounded half to even.
pub fn quantise_rows(x: &[f32], k: usize, q: &mut Vec<i16>, scales: &mut Vec<f32>) {
    q.clear();
    scales.clear();
    for row in x.chunks_exact(k) {
        let a = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let s = if a == 0.0 { 1.0 } else { a / 127.0 };
        scales.push(s);
        q.extend(
            row.iter()
                .map(|v| (v / s).round_ties_even().clamp(-127.0, 127.0) as i16),
        );
    }
}

/// `y[t][o] = (Σ_j xq[t][j]·w[o][j]) · (sx[t]·sw[o]) + b[o]` for the
/// `rows` tokens of `xq` (`rows` × `k`) and the `n` output channels of `w`
/// (`n` × `k`, int8, row-major).
pub fn linear(xq: &[i16], sx: &[f32], k: usize, w: &[i8], sw: &[f32], b: &[f32], y: &mut Vec<f32>) {
    let n = sw.len();
    let rows = sx.len();
    y.clear();
    y.resize(rows * n, 0.0);
    for o4 in (0..n).step_by(4) {
        let block = (n - o4).min(4);
        for t in 0..rows {
            let x = &xq[t * k..(t + 1) * k];
            let mut acc = [0i32; 4];
            if block == 4 {
                acc = dot4(x, &w[o4 * k..(o4 + 4) * k], k);
            } else {
                for (r, a) in acc.iter_mut().enumerate().take(block) {
                    *a = dot(x, &w[(o4 + r) * k..(o4 + r + 1) * k]);
                }
            }
            for r in 0..block {
                let o = o4 + r;
                y[t * n + o] = acc[r] as f32 * (sx[t] * sw[o]) + b[o];
            }
        }
    }
}

fn dot(x: &[i16], w: &[i8]) -> i32 {
    x.iter().zip(w).map(|(&a, &b)| i32::from(a) * i32::from(b)).sum()
}

#[cfg(not(target_arch = "wasm32"))]
fn dot4(x: &[i16], w: &[i8], k: usize) -> [i32; 4] {
    [
        dot(x, &w[..k]),
        dot(x, &w[k..2 * k]),
        dot(x, &w[2 * k..3 * k]),
        dot(x, &w[3 * k..4 * k]),
    ]
}

/// Four dot products at once, 16 elements a step: each step loads the
/// activations once (two i16x8) and each weight row once (one i8x16,
/// widened), and adds pairwise products with `i32x4.dot_i16x8_s`.
#[cfg(target_arch = "wasm32")]
fn dot4(x: &[i16], w: &[i8], k: usize) -> [i32; 4] {
    // SAFETY: simd128 is part of the target this crate is built for (the
    // function enables it; a runtime without SIMD rejects the module).
    unsafe { dot4_simd(x, w, k) }
}

#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
unsafe fn dot4_simd(x: &[i16], w: &[i8], k: usize) -> [i32; 4] {
    use core::arch::wasm32::*;
    assert!(x.len() >= k && w.len() >= 4 * k);
    let steps = k / 16;
    let mut acc = [i32x4_splat(0); 4];
    let xp = x.as_ptr();
    let wp = w.as_ptr();
    for s in 0..steps {
        let j = s * 16;
        // SAFETY: j + 16 <= k <= x.len(), and (r + 1) * k <= w.len().
        unsafe {
            let xl = v128_load(xp.add(j).cast());
            let xh = v128_load(xp.add(j + 8).cast());
            for (r, a) in acc.iter_mut().enumerate() {
                let wv = v128_load(wp.add(r * k + j).cast());
                let wl = i16x8_extend_low_i8x16(wv);
                let wh = i16x8_extend_high_i8x16(wv);
                *a = i32x4_add(*a, i32x4_add(i32x4_dot_i16x8(xl, wl), i32x4_dot_i16x8(xh, wh)));
            }
        }
    }
    let mut out = [0i32; 4];
    for (r, a) in acc.iter().enumerate() {
        out[r] = i32x4_extract_lane::<0>(*a)
            + i32x4_extract_lane::<1>(*a)
            + i32x4_extract_lane::<2>(*a)
            + i32x4_extract_lane::<3>(*a);
        let tail = steps * 16;
        out[r] += dot(&x[tail..k], &w[r * k + tail..(r + 1) * k]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_quantised_to_their_own_scale_half_to_even() {
        let (mut q, mut s) = (Vec::new(), Vec::new());
        quantise_rows(&[127.0, -63.5, 0.5, 0.0, 0.0, 0.0], 3, &mut q, &mut s);
        assert_eq!(q, [127, -64, 0, 0, 0, 0]);
        assert_eq!(s, [1.0, 1.0]);
    }

    #[test]
    fn linear_is_the_scaled_integer_product_plus_bias() {
        // 2 tokens, k = 3, 5 outputs (a block of 4 and one more)
        let xq = [1i16, -2, 3, 0, 1, 0];
        let w: Vec<i8> = (0..15).map(|v| v as i8 - 7).collect();
        let mut y = Vec::new();
        linear(&xq, &[0.5, 2.0], 3, &w, &[1.0, 1.0, 1.0, 1.0, 0.25], &[0.0, 0.0, 0.0, 0.0, 1.0], &mut y);
        let expect = |t: usize, o: usize| {
            let acc: i32 = (0..3).map(|j| i32::from(xq[t * 3 + j]) * i32::from(w[o * 3 + j])).sum();
            acc as f32 * ([0.5, 2.0][t] * [1.0, 1.0, 1.0, 1.0, 0.25][o]) + [0.0, 0.0, 0.0, 0.0, 1.0][o]
        };
        for t in 0..2 {
            for o in 0..5 {
                assert_eq!(y[t * 5 + o], expect(t, o));
            }
        }
    }
}
