//! Shrinking an 8-bit RGB image with the Catmull-Rom filter, in fixed point.
//!
//! Written here rather than taken from a general resizing crate: the one we measured brings a
//! kernel for every pixel type and instruction set (megabytes in the phone library) to do this
//! one job. The filter is separable. The vertical pass goes first, over whole rows: every output
//! byte is a weighted sum of the same byte in a few source rows, a straight loop the compiler
//! turns into SIMD on every target (SSE2, NEON) without intrinsics; the horizontal pass then
//! works on the already shorter image.

/// Weights carry this many fractional bits; a sum of 255 × the weights' magnitudes (at most
/// about 1.3 × 2^14 for Catmull-Rom) stays far inside an `i32`.
const PRECISION: u32 = 14;
const ONE: i32 = 1 << PRECISION;
const HALF: i32 = 1 << (PRECISION - 1);

/// Catmull-Rom (the cubic with a = -0.5): sharp edges for printed strokes, little ringing.
fn catmull_rom(x: f64) -> f64 {
    let x = x.abs();
    if x < 1.0 {
        (1.5 * x - 2.5) * x * x + 1.0
    } else if x < 2.0 {
        ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    } else {
        0.0
    }
}

/// For each output index along one axis: the first source index it reads and its weights.
struct Taps {
    /// First source index and number of weights of each output.
    spans: Vec<(usize, usize)>,
    /// Output `i`'s weights start at `i * per_output`; 16 bits so that the products are the
    /// cheap 16 × 16 → 32-bit multiplies of every SIMD instruction set.
    weights: Vec<i16>,
    per_output: usize,
}

impl Taps {
    /// Weights for shrinking `src` samples to `dst` (`dst` ≤ `src`, both ≥ 1). The filter is
    /// stretched by the ratio so every source sample counts (no aliasing of fine print), and
    /// each output's weights sum to exactly `ONE`, so flat areas keep their exact value.
    fn new(src: usize, dst: usize) -> Taps {
        let scale = src as f64 / dst as f64;
        let support = 2.0 * scale;
        let per_output = ((support.ceil() as usize) * 2 + 1).min(src);
        let mut spans = Vec::with_capacity(dst);
        let mut weights = vec![0; dst * per_output];
        let mut real = vec![0f64; per_output];
        for (i, out) in weights.chunks_exact_mut(per_output).enumerate() {
            let center = (i as f64 + 0.5) * scale;
            let first = (center - support + 0.5).floor().max(0.0) as usize;
            let end = ((center + support + 0.5).floor() as usize).min(src).min(first + per_output);
            let count = end - first;
            real.fill(0.0);
            for (k, w) in real.iter_mut().take(count).enumerate() {
                *w = catmull_rom(((first + k) as f64 + 0.5 - center) / scale);
            }
            let sum: f64 = real.iter().sum();
            let centre = (0..per_output).max_by(|&a, &b| real[a].total_cmp(&real[b])).unwrap_or(0);
            let mut total = 0;
            for (q, &w) in out.iter_mut().zip(&real) {
                let fixed = (w / sum * f64::from(ONE)).round() as i32;
                *q = fixed as i16;
                total += fixed;
            }
            // Rounding leaves the sum a unit or two off; the centre tap takes the difference.
            out[centre] += (ONE - total) as i16;
            spans.push((first, count));
        }
        Taps { spans, weights, per_output }
    }

    fn get(&self, i: usize) -> (usize, &[i16]) {
        let (first, count) = self.spans[i];
        (first, &self.weights[i * self.per_output..][..count])
    }
}

fn to_byte(acc: i32) -> u8 {
    (acc >> PRECISION).clamp(0, 255) as u8
}

/// Output rows made per band: the band's vertical result (RGBX, `BAND` × the source width)
/// stays in the cache for the horizontal pass, and no full-size intermediate image is allocated.
const BAND: usize = 16;
/// A phone has 4–8 cores; beyond 4 the memory bus, not the arithmetic, is the limit.
const MAX_THREADS: usize = 4;
/// Below this many source pixels (a thumbnail), starting threads costs more than it saves.
const THREADED_FROM: usize = 2_000_000;

/// `src` (`width` × `height` RGB, rows packed) shrunk to `new_width` × `new_height`, neither
/// larger than the source nor zero. Large images are split into runs of output rows, one per
/// core.
pub(crate) fn shrink_rgb(src: &[u8], width: usize, height: usize, new_width: usize, new_height: usize) -> Vec<u8> {
    debug_assert_eq!(src.len(), width * height * 3);
    debug_assert!(new_width >= 1 && new_height >= 1 && new_width <= width && new_height <= height);
    let job = Job { src, width, vertical: Taps::new(height, new_height), horizontal: Taps::new(width, new_width) };
    let row_len = new_width * 3;
    let mut out = vec![0u8; row_len * new_height];
    let threads = if width * height < THREADED_FROM {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_THREADS)
    };
    let rows_each = new_height.div_ceil(threads);
    std::thread::scope(|scope| {
        let job = &job;
        let mut parts = out.chunks_mut(rows_each * row_len).enumerate();
        // The first run on this thread, the others on new ones.
        let mine = parts.next();
        for (i, part) in parts {
            scope.spawn(move || job.rows(i * rows_each, part));
        }
        if let Some((_, part)) = mine {
            job.rows(0, part);
        }
    });
    out
}

struct Job<'a> {
    src: &'a [u8],
    width: usize,
    vertical: Taps,
    horizontal: Taps,
}

impl Job<'_> {
    /// Output rows from `first_row` on, as many as `out` holds.
    fn rows(&self, first_row: usize, out: &mut [u8]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { self.rows_avx2(first_row, out) };
        }
        self.rows_portable(first_row, out)
    }

    /// The loops are plain Rust that the compiler vectorises; the x86-64 baseline (SSE2) lacks
    /// a 32-bit multiply, so they are built a second time for AVX2, used when the CPU has it.
    /// ARM's NEON is always there.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn rows_avx2(&self, first_row: usize, out: &mut [u8]) {
        self.rows_portable(first_row, out)
    }

    #[inline(always)]
    fn rows_portable(&self, first_row: usize, out: &mut [u8]) {
        let row_len = self.horizontal.spans.len() * 3;
        let mut acc = vec![0i32; self.width * 3];
        let mut band = vec![0u8; self.width * 4 * BAND];
        for (b, out_rows) in out.chunks_mut(BAND * row_len).enumerate() {
            let rows = out_rows.len() / row_len;
            let band = &mut band[..rows * self.width * 4];
            for (r, tall_row) in band.chunks_exact_mut(self.width * 4).enumerate() {
                self.vertical_row(first_row + b * BAND + r, &mut acc, tall_row);
            }
            for (tall_row, out_row) in band.chunks_exact(self.width * 4).zip(out_rows.chunks_exact_mut(row_len)) {
                self.horizontal_row(tall_row, out_row);
            }
        }
    }

    /// Output row `y` of the vertical pass, as RGBX (four bytes a pixel, so the horizontal
    /// pass reads each pixel as one vector). `acc` is scratch space of one source row.
    #[inline(always)]
    fn vertical_row(&self, y: usize, acc: &mut [i32], out: &mut [u8]) {
        let row_len = self.width * 3;
        let (first, weights) = self.vertical.get(y);
        acc.fill(HALF);
        for (k, &w) in weights.iter().enumerate() {
            let row = &self.src[(first + k) * row_len..][..row_len];
            for (a, &p) in acc.iter_mut().zip(row) {
                *a += i32::from(w) * i32::from(p);
            }
        }
        for (o, a) in out.chunks_exact_mut(4).zip(acc.chunks_exact(3)) {
            o[0] = to_byte(a[0]);
            o[1] = to_byte(a[1]);
            o[2] = to_byte(a[2]);
        }
    }

    /// One row of RGBX pixels resampled to the output width, written as RGB.
    #[inline(always)]
    fn horizontal_row(&self, src: &[u8], out: &mut [u8]) {
        for (x, px) in out.chunks_exact_mut(3).enumerate() {
            let (first, weights) = self.horizontal.get(x);
            let mut acc = [HALF; 4];
            for (&w, p) in weights.iter().zip(src[first * 4..].chunks_exact(4)) {
                for c in 0..4 {
                    acc[c] += i32::from(w) * i32::from(p[c]);
                }
            }
            px.copy_from_slice(&[to_byte(acc[0]), to_byte(acc[1]), to_byte(acc[2])]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(len: usize, mut seed: u64) -> Vec<u8> {
        (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect()
    }

    /// The same filter computed the slow way: every output pixel straight from the source, in
    /// floating point, each axis's weights normalised as in `Taps` (vertical first, rounded to
    /// bytes between the passes as the fixed-point code does).
    fn reference(src: &[u8], w: usize, h: usize, nw: usize, nh: usize) -> Vec<u8> {
        fn weights(src: usize, dst: usize, i: usize) -> Vec<(usize, f64)> {
            let scale = src as f64 / dst as f64;
            let center = (i as f64 + 0.5) * scale;
            let all: Vec<(usize, f64)> = (0..src)
                .map(|j| (j, catmull_rom((j as f64 + 0.5 - center) / scale)))
                .filter(|&(_, w)| w != 0.0)
                .collect();
            let sum: f64 = all.iter().map(|&(_, w)| w).sum();
            all.into_iter().map(|(j, w)| (j, w / sum)).collect()
        }
        let byte = |v: f64| v.round().clamp(0.0, 255.0);
        let mut tall = vec![0f64; w * 3 * nh];
        for y in 0..nh {
            let ws = weights(h, nh, y);
            for i in 0..w * 3 {
                tall[y * w * 3 + i] = byte(ws.iter().map(|&(j, wt)| wt * f64::from(src[j * w * 3 + i])).sum());
            }
        }
        let mut out = vec![0u8; nw * 3 * nh];
        for x in 0..nw {
            let ws = weights(w, nw, x);
            for y in 0..nh {
                for c in 0..3 {
                    let v: f64 = ws.iter().map(|&(j, wt)| wt * tall[y * w * 3 + j * 3 + c]).sum();
                    out[(y * nw + x) * 3 + c] = byte(v) as u8;
                }
            }
        }
        out
    }

    #[test]
    fn fixed_point_agrees_with_the_filter_computed_directly() {
        // Ratios small and large, odd sides, a side kept, a single output row or column.
        for (w, h, nw, nh) in [(64, 48, 32, 24), (101, 67, 37, 29), (50, 50, 50, 17), (40, 90, 1, 9), (33, 7, 11, 1)] {
            let src = noise(w * h * 3, (w * 131 + h) as u64);
            let ours = shrink_rgb(&src, w, h, nw, nh);
            let slow = reference(&src, w, h, nw, nh);
            let worst = ours.iter().zip(&slow).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
            assert!(worst <= 1, "{w}×{h} → {nw}×{nh}: off by {worst}");
        }
    }

    #[test]
    fn flat_colour_stays_exactly_the_same() {
        let (w, h) = (97, 61);
        let src: Vec<u8> = [12u8, 200, 255].repeat(w * h);
        for (nw, nh) in [(48, 30), (13, 9), (1, 1), (97, 20)] {
            assert!(shrink_rgb(&src, w, h, nw, nh).chunks_exact(3).all(|p| p == [12, 200, 255]), "{nw}×{nh}");
        }
    }

    #[test]
    fn a_large_image_split_across_threads_matches_one_thread() {
        // Over `THREADED_FROM` pixels, so it is cut into runs of rows; each run must start
        // exactly where the previous one ended.
        let (w, h, nw, nh) = (2000, 1100, 830, 457);
        let src = noise(w * h * 3, 7);
        let threaded = shrink_rgb(&src, w, h, nw, nh);
        let job = Job { src: &src, width: w, vertical: Taps::new(h, nh), horizontal: Taps::new(w, nw) };
        let mut single = vec![0u8; nw * 3 * nh];
        job.rows(0, &mut single);
        assert!(threaded == single);
    }

    #[test]
    fn a_thin_printed_stroke_survives_the_shrink() {
        // One dark pixel column on white paper, shrunk 3:1: still clearly darker than the paper.
        let (w, h) = (90, 30);
        let src: Vec<u8> = (0..w * h).flat_map(|i| if i % w == 45 { [20u8; 3] } else { [250; 3] }).collect();
        let out = shrink_rgb(&src, w, h, 30, 10);
        let darkest = out.iter().copied().min().unwrap();
        assert!(darkest < 200, "the stroke faded to {darkest}");
    }
}
