//! Exchange build numbers (`15.1.2507.16`), parsed as integers.

use std::fmt;
use std::str::FromStr;

/// A four-part Exchange build number: major, minor, build, revision.
///
/// Parsed as integers, so `15.01.2507.016` equals `15.1.2507.16`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Build {
    /// Major version (14 = 2010, 15 = 2013 and later).
    pub major: u32,
    /// Minor version (0 = 2013, 1 = 2016, 2 = 2019 and Subscription Edition).
    pub minor: u32,
    /// Build: identifies the cumulative update.
    pub build: u32,
    /// Revision: identifies the security update inside a CU.
    pub revision: u32,
}

impl Build {
    /// A build from its four parts.
    pub const fn new(major: u32, minor: u32, build: u32, revision: u32) -> Self {
        Build { major, minor, build, revision }
    }

    /// Parse a build that may have only three parts (`15.1.2507`, as found in
    /// OWA paths); the revision is then `None`.
    pub fn parse_partial(s: &str) -> Option<(Build, bool)> {
        let parts: Vec<&str> = s.trim().split('.').collect();
        if !(3..=4).contains(&parts.len()) {
            return None;
        }
        let mut n = [0u32; 4];
        for (i, p) in parts.iter().enumerate() {
            if p.is_empty() || p.len() > 6 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            n[i] = p.parse().ok()?;
        }
        Some((Build::new(n[0], n[1], n[2], n[3]), parts.len() == 4))
    }
}

impl fmt::Display for Build {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}.{}", self.major, self.minor, self.build, self.revision)
    }
}

/// Error for a string that is not a four-part build number.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not an Exchange build number (expected four numbers such as 15.1.2507.16)")]
pub struct BuildParseError(pub String);

impl FromStr for Build {
    type Err = BuildParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match Build::parse_partial(s) {
            Some((b, true)) => Ok(b),
            _ => Err(BuildParseError(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_as_integers() {
        let a: Build = "15.01.2507.016".parse().expect("valid build");
        assert_eq!(a, Build::new(15, 1, 2507, 16));
        assert!("15.1.2507".parse::<Build>().is_err());
        assert_eq!(Build::parse_partial("15.1.2507"), Some((Build::new(15, 1, 2507, 0), false)));
        assert!(Build::parse_partial("15.x.1.2").is_none());
        assert!(Build::new(15, 1, 2507, 16) > Build::new(15, 1, 2507, 9));
    }
}
