//! Ordered scales: how bad ([`Severity`]), how sure ([`Confidence`]) and how far
//! an attacker got ([`Stage`]).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is if true. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Context only; nothing to act on by itself.
    Info,
    /// Worth a look when time allows.
    Low,
    /// Suspicious; review.
    Medium,
    /// Likely malicious or a serious exposure; act soon.
    High,
    /// Known-bad or actively exploited; act now.
    Critical,
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    /// The lowercase name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Map a Sigma `level` (informational, low, medium, high, critical).
    pub fn from_sigma_level(level: &str) -> Severity {
        match level.trim().to_ascii_lowercase().as_str() {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            _ => Severity::Info,
        }
    }

    /// A SARIF `security-severity` score (0.0–10.0) for this severity.
    pub fn security_score(self) -> f32 {
        match self {
            Severity::Info => 0.0,
            Severity::Low => 3.0,
            Severity::Medium => 5.5,
            Severity::High => 8.0,
            Severity::Critical => 9.5,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown name on the command line or in a saved result.
#[derive(Debug, thiserror::Error)]
#[error("unknown {kind} `{value}`: expected one of {expected}")]
pub struct ParseScaleError {
    kind: &'static str,
    value: String,
    expected: &'static str,
}

impl FromStr for Severity {
    type Err = ParseScaleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" | "informational" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(ParseScaleError {
                kind: "severity",
                value: s.to_string(),
                expected: "info, low, medium, high, critical",
            }),
        }
    }
}

/// How sure vigie is that the finding is true.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// A weak or generic signal; expect false positives.
    Possible,
    /// Strong signal, but inferred (e.g. the CU from a URL path, a generic rule).
    Likely,
    /// Direct evidence (exact build header, known-bad hash, specific signature).
    Confirmed,
}

impl Confidence {
    /// The lowercase name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Possible => "possible",
            Confidence::Likely => "likely",
            Confidence::Confirmed => "confirmed",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far an attacker got, as far as this finding shows. Ordered:
/// `Exposure < Attempt < Exploitation < Compromise`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Something is vulnerable or reachable; nobody is shown to have used it.
    Exposure,
    /// Someone tried (a probe, an exploit request that failed).
    Attempt,
    /// An exploit worked (a request that succeeded, a file written, a config changed).
    Exploitation,
    /// The attacker is in: a web shell, attacker tooling, commands run.
    Compromise,
}

impl Stage {
    /// All stages, least serious first.
    pub const ALL: [Stage; 4] =
        [Stage::Exposure, Stage::Attempt, Stage::Exploitation, Stage::Compromise];

    /// The lowercase name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Exposure => "exposure",
            Stage::Attempt => "attempt",
            Stage::Exploitation => "exploitation",
            Stage::Compromise => "compromise",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stage {
    type Err = ParseScaleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "exposure" => Ok(Stage::Exposure),
            "attempt" => Ok(Stage::Attempt),
            "exploitation" => Ok(Stage::Exploitation),
            "compromise" => Ok(Stage::Compromise),
            _ => Err(ParseScaleError {
                kind: "stage",
                value: s.to_string(),
                expected: "exposure, attempt, exploitation, compromise",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High);
        assert_eq!("HIGH".parse::<Severity>().ok(), Some(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
        assert_eq!(Severity::from_sigma_level("informational"), Severity::Info);
    }

    #[test]
    fn stage_orders() {
        assert!(Stage::Compromise > Stage::Exploitation);
        assert!(Stage::Attempt > Stage::Exposure);
    }
}
