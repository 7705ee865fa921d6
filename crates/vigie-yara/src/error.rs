//! Errors of this crate. Per-file and per-rule problems are data (see
//! [`crate::LoadReport`]); these errors are for what stops a whole operation.

use std::path::PathBuf;

/// What went wrong while loading rules or scanning one file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum YaraError {
    /// A rule directory given on the command line does not exist or cannot be
    /// listed.
    #[error(
        "cannot read YARA rule directory `{path}`: {source} — check the path given to --yara / --signature-base"
    )]
    RuleDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `--signature-base DIR` was given but `DIR/yara` is not a directory.
    #[error(
        "`{path}` has no `yara` folder: --signature-base expects the root of a signature-base checkout (the folder holding `yara/` and `iocs/`)"
    )]
    NotSignatureBase {
        /// The directory given.
        path: PathBuf,
    },
    /// The external variables could not be declared (a bug: the names are fixed).
    #[error("cannot declare YARA external variable `{name}`: {message}")]
    Variable {
        /// Variable name.
        name: String,
        /// yara-x message.
        message: String,
    },
    /// The scan of one file ran longer than `--yara-timeout`.
    #[error(
        "YARA scan of `{path}` stopped after the {seconds} s timeout — raise --yara-timeout or exclude the file"
    )]
    Timeout {
        /// The file.
        path: String,
        /// The timeout in seconds.
        seconds: u64,
    },
    /// yara-x failed on one file for another reason (a module error).
    #[error("YARA scan of `{path}` failed: {message}")]
    Scan {
        /// The file.
        path: String,
        /// yara-x message.
        message: String,
    },
}
