//! The plan of a needle search: which window of each needle the SIMD
//! search looks for, and which windows share a pass and a bucket.
//!
//! Teddy (the packed searcher of `aho-corasick`) runs one pass per group of
//! patterns and spreads each group over eight buckets. At each position it
//! tests, per bucket, whether the next four bytes could start one of the
//! bucket's patterns — by the low and the high nibble of each byte, each
//! tested against the union of the bucket's patterns' nibbles. A bucket
//! holding `ooke` and `$%7b` also lets `o%ee`, `$o7k`, … through, each a
//! false candidate that costs a comparison. So the planner:
//!
//! - cuts each needle to a window of up to [`WINDOW`] bytes starting where
//!   its bytes are least common in log lines and not inside a word most
//!   lines hold ([`crate::model`]);
//! - fills the buckets so that each one's windows share nibbles, choosing
//!   for every needle (hardest first) the bucket and window that add least
//!   to the expected rate of candidates;
//! - orders each group's windows so that `aho-corasick` puts them in those
//!   buckets (it gives pattern `i` bucket `7 - i % 8`, or the bucket of an
//!   earlier pattern with the same low nibbles). If that rule ever changes,
//!   only the speed changes: any plan finds the same occurrences.
//!
//! Measured with callgrind on an IIS and an HttpProxy file of the log
//! benchmark, against the former windows grouped in sorted order by 32: the
//! SigmaHQ web rules' prefilter costs 27 % fewer instructions (three passes
//! instead of four), the whole scan 18 % fewer.

use crate::model::{ByteModel, in_common_word};

/// Longest window searched for a needle.
pub(crate) const WINDOW: usize = 8;
/// Bytes Teddy compares per pattern (at most).
const FINGERPRINT: usize = 4;
/// Buckets of one slim Teddy pass.
const BUCKETS: usize = 8;
/// Windows per pass. With planned buckets a pass takes more windows than
/// the 32 of an unplanned slim pass before its buckets' nibble sets grow
/// too wide: on the log benchmark 42 to 56 per pass cost the same, 34 cost
/// 3 % more, 28 9 % more and 64 17 % more (instructions of the scan).
const PER_PASS: usize = 48;

/// One window of the plan and the needles it stands for.
#[derive(Clone, Debug)]
pub(crate) struct Planned {
    /// The bytes the SIMD search looks for.
    pub(crate) bytes: Vec<u8>,
    /// `(needle, offset of the window in it)`.
    pub(crate) uses: Vec<(usize, usize)>,
}

/// A bucket being filled.
#[derive(Clone, Default)]
struct Bucket {
    lo: [u16; FINGERPRINT],
    hi: [u16; FINGERPRINT],
    windows: Vec<Planned>,
}

impl Bucket {
    /// Expected false-candidate cost per byte of text with `extra` added: the
    /// chance that a position passes the nibble test, times the comparisons
    /// it then costs.
    fn cost(&self, model: &ByteModel, mask: usize, extra: Option<&[u8]>) -> f64 {
        let (mut lo, mut hi) = (self.lo, self.hi);
        if let Some(w) = extra {
            add_nibbles(&mut lo, &mut hi, w);
        }
        let n = self.windows.len() + usize::from(extra.is_some());
        if n == 0 {
            return 0.0;
        }
        let pass: f64 = (0..mask).map(|j| model.nibbles(lo[j], hi[j])).product();
        pass * (1.0 + 0.25 * n as f64)
    }

    fn add(&mut self, window: Planned) {
        add_nibbles(&mut self.lo, &mut self.hi, &window.bytes);
        self.windows.push(window);
    }

    /// Whether `aho-corasick` would put `window` here whatever its order:
    /// a window of the bucket has the same low nibbles over `mask` bytes.
    fn claims(&self, window: &[u8], mask: usize) -> bool {
        self.windows.iter().any(|w| same_low_nibbles(&w.bytes, window, mask))
    }
}

fn add_nibbles(lo: &mut [u16; FINGERPRINT], hi: &mut [u16; FINGERPRINT], window: &[u8]) {
    for (j, &x) in window.iter().take(FINGERPRINT).enumerate() {
        lo[j] |= 1 << (x & 15);
        hi[j] |= 1 << (x >> 4);
    }
}

fn same_low_nibbles(a: &[u8], b: &[u8], mask: usize) -> bool {
    (0..mask).all(|j| a.get(j).map(|x| x & 15) == b.get(j).map(|x| x & 15))
}

/// The windows of each pass, in the order to give them to the searcher.
/// `needles` must be non-empty byte strings.
pub(crate) fn plan(needles: &[&[u8]], model: &ByteModel) -> Vec<Vec<Planned>> {
    if needles.is_empty() {
        return Vec::new();
    }
    let groups = needles.len().div_ceil(PER_PASS);
    // Needles shorter than the fingerprint shorten it for their whole pass:
    // they all go to the last one.
    let short_len = needles.iter().map(|n| n.len()).filter(|&l| l < FINGERPRINT).min();
    let mask =
        |g: usize| if g + 1 == groups { short_len.unwrap_or(FINGERPRINT) } else { FINGERPRINT };
    let cap = needles.len().div_ceil(groups * BUCKETS) + 1;
    let mut buckets: Vec<Bucket> = vec![Bucket::default(); groups * BUCKETS];
    for &i in &hardest_first(needles, model) {
        let needle = needles[i];
        if let Some((b, w)) = placed(&buckets, needle) {
            buckets[b].windows[w].uses.push((i, 0));
            continue;
        }
        // A full bucket takes nothing more, unless every place is full.
        let (b, offset) = best_place(&buckets, needle, model, &mask, groups, Some(cap))
            .or_else(|| best_place(&buckets, needle, model, &mask, groups, None))
            .unwrap_or((buckets.len() - 1, 0));
        let window = &needle[offset..needle.len().min(offset + WINDOW)];
        buckets[b].add(Planned { bytes: window.to_vec(), uses: vec![(i, offset)] });
    }
    buckets.chunks_mut(BUCKETS).map(emission_order).filter(|g| !g.is_empty()).collect()
}

/// The bucket and window offset that add least to the expected cost, among
/// buckets holding fewer than `cap` windows.
fn best_place(
    buckets: &[Bucket],
    needle: &[u8],
    model: &ByteModel,
    mask: &impl Fn(usize) -> usize,
    groups: usize,
    cap: Option<usize>,
) -> Option<(usize, usize)> {
    let short = needle.len() < FINGERPRINT;
    let mut best: Option<(f64, usize, usize)> = None;
    for offset in offsets(needle) {
        let window = &needle[offset..needle.len().min(offset + WINDOW)];
        for g in 0..groups {
            if short && g + 1 != groups {
                continue;
            }
            let m = mask(g);
            // `aho-corasick` puts the window in its claimant, if any.
            let range = match claimant(buckets, g, window, m) {
                Some(k) => k..k + 1,
                None => g * BUCKETS..(g + 1) * BUCKETS,
            };
            for b in range {
                let bucket = &buckets[b];
                if cap.is_some_and(|c| bucket.windows.len() >= c) {
                    continue;
                }
                let delta = bucket.cost(model, m, Some(window)) - bucket.cost(model, m, None);
                if best.is_none_or(|(d, _, _)| delta < d) {
                    best = Some((delta, b, offset));
                }
            }
        }
    }
    best.map(|(_, b, o)| (b, o))
}

/// Needle indices, those whose best window is most common first (they
/// have the fewest good places left when placed last).
fn hardest_first(needles: &[&[u8]], model: &ByteModel) -> Vec<usize> {
    let empty = Bucket::default();
    let best: Vec<f64> = needles
        .iter()
        .map(|n| {
            offsets(n)
                .into_iter()
                .map(|o| {
                    let window = &n[o..n.len().min(o + WINDOW)];
                    empty.cost(model, FINGERPRINT.min(n.len()), Some(window))
                })
                .fold(f64::MAX, f64::min)
        })
        .collect();
    let mut order: Vec<usize> = (0..needles.len()).collect();
    order.sort_by(|&a, &b| best[b].total_cmp(&best[a]).then(a.cmp(&b)));
    order
}

/// Where a window of the needle may start: wherever a whole fingerprint
/// fits (the window is then up to [`WINDOW`] bytes from there) and is not
/// inside a common word (anywhere if no such place is left).
fn offsets(needle: &[u8]) -> Vec<usize> {
    let last = needle.len().saturating_sub(FINGERPRINT);
    let rare: Vec<usize> = (0..=last)
        .filter(|&o| !in_common_word(&needle[o..needle.len().min(o + FINGERPRINT)]))
        .collect();
    if rare.is_empty() { (0..=last).collect() } else { rare }
}

/// A bucket already holding this needle as a whole window (a needle no
/// longer than a window, given twice or inside another's list).
fn placed(buckets: &[Bucket], needle: &[u8]) -> Option<(usize, usize)> {
    if needle.len() > WINDOW {
        return None;
    }
    buckets
        .iter()
        .enumerate()
        .find_map(|(b, k)| k.windows.iter().position(|w| w.bytes == needle).map(|w| (b, w)))
}

/// The bucket of pass `g` that `aho-corasick` would give `window`, if any.
fn claimant(buckets: &[Bucket], g: usize, window: &[u8], mask: usize) -> Option<usize> {
    (g * BUCKETS..(g + 1) * BUCKETS).find(|&b| buckets[b].claims(window, mask))
}

/// A pass's windows in the order that puts each in its bucket: round-robin
/// over the buckets, largest first, so that window `i` lands in bucket
/// slot `7 - i % 8` (see the module documentation).
fn emission_order(buckets: &mut [Bucket]) -> Vec<Planned> {
    let mut lists: Vec<Vec<Planned>> =
        buckets.iter_mut().map(|b| std::mem::take(&mut b.windows)).collect();
    lists.sort_by_key(|l| std::cmp::Reverse(l.len()));
    let rounds = lists.first().map_or(0, Vec::len);
    let mut iters: Vec<std::vec::IntoIter<Planned>> =
        lists.into_iter().map(Vec::into_iter).collect();
    let mut out = Vec::new();
    for _ in 0..rounds {
        for it in &mut iters {
            if let Some(w) = it.next() {
                out.push(w);
            }
        }
    }
    out
}
