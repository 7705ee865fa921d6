//! Small text helpers shared by everything that shows numbers to people.

/// A count with thousands separators: `16777216` → `16,777,216`.
///
/// ```
/// assert_eq!(vigie_model::thousands(1_234_567), "1,234,567");
/// assert_eq!(vigie_model::thousands(999), "999");
/// ```
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
