use super::NeedleSet;

/// Every occurrence of every needle, by brute force.
fn naive(needles: &[Vec<u8>], hay: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, n) in needles.iter().enumerate() {
        if n.is_empty() {
            continue;
        }
        for at in 0..hay.len() {
            if hay[at..].starts_with(n) {
                out.push((i, at));
            }
        }
    }
    out.sort_unstable();
    out
}

fn found(set: &NeedleSet, hay: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    set.each(hay, |i, at| out.push((i, at)));
    out.sort_unstable();
    out
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Needles from a small alphabet (so they overlap, share prefixes and
/// nibbles, and hold each other), texts made of them and noise.
fn random_case(rng: &mut Rng) -> (Vec<Vec<u8>>, Vec<u8>) {
    const ALPHABET: &[u8] = b"ae/.=${%7bjq0 ~";
    let count = 1 + rng.below(150);
    let needles: Vec<Vec<u8>> = (0..count)
        .map(|_| {
            let len = 1 + rng.below(14);
            (0..len).map(|_| ALPHABET[rng.below(ALPHABET.len())]).collect()
        })
        .collect();
    let mut hay = Vec::new();
    while hay.len() < 3000 {
        if rng.below(4) == 0 {
            hay.extend_from_slice(&needles[rng.below(count)]);
        } else {
            hay.push(ALPHABET[rng.below(ALPHABET.len())]);
        }
    }
    (needles, hay)
}

#[test]
fn every_occurrence_of_random_sets() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..60 {
        let (needles, hay) = random_case(&mut rng);
        let want = naive(&needles, &hay);
        let set = NeedleSet::new(&needles);
        assert_eq!(found(&set, &hay), want, "case {case}, SIMD");
        assert_eq!(set.any(&hay), !want.is_empty(), "case {case}");
        let fallback = NeedleSet::build(needles.iter().map(|n| n[..].into()).collect(), false);
        assert_eq!(fallback.passes(), 0);
        assert_eq!(found(&fallback, &hay), want, "case {case}, fallback");
    }
}

#[test]
fn windows_at_the_edges_and_needles_around_them() {
    let needles: Vec<Vec<u8>> =
        ["outlooken.aspx", "zntwv", "=${", "server~", "serverinfo~", "info~"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
    let set = NeedleSet::new(&needles);
    // A window with no room for its needle before it, a needle cut short at
    // the end, overlapping needles, a short needle at the very end.
    let hay = b"ooken.aspx outlooken.asp outlooken.aspx zntwv serverinfo~ server~ =$";
    assert_eq!(found(&set, hay), naive(&needles, hay));
    assert_eq!(found(&set, b"=${"), [(2, 0)]);
    assert!(!set.any(b"outlook"));
}

#[test]
fn empty_needles_are_ignored_and_indices_kept() {
    let set = NeedleSet::new(["", "abcd", ""]);
    assert_eq!(set.len(), 3);
    assert_eq!(found(&set, b"xxabcdxx"), [(1, 2)]);
    assert!(!NeedleSet::new([""; 0]).any(b"abc"));
    let fallback = NeedleSet::build(vec![Box::from(&b""[..]), Box::from(&b"bc"[..])], false);
    assert_eq!(found(&fallback, b"abc"), [(1, 1)]);
}

#[test]
fn passes_grow_with_the_needles() {
    let needles: Vec<String> = (0..170).map(|i| format!("needle{i:03}x")).collect();
    let set = NeedleSet::new(&needles);
    assert_eq!(set.passes(), 4);
    assert_eq!(NeedleSet::new(&needles[..48]).passes(), 1);
    assert_eq!(NeedleSet::new(&needles[..49]).passes(), 2);
}
