//! What to scan and with which rules.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use vigie_model::Severity;

/// Default `--max-file-size`: 100 MB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 100 * 1024 * 1024;

/// Sigma options (`--sigma`, `--sigma-placeholder`, `--min-level`, `--status`, `--tag`).
#[derive(Clone, Debug, Default)]
pub struct SigmaOptions {
    /// Sigma / hayabusa rule directories, loaded as they are.
    pub dirs: Vec<PathBuf>,
    /// Placeholder values: name (without `%`) → values.
    pub placeholders: BTreeMap<String, Vec<String>>,
    /// Only rules at or above this level.
    pub min_level: Option<Severity>,
    /// Only rules with one of these statuses (empty = all).
    pub status: Vec<String>,
    /// Only rules with one of these tags (empty = all).
    pub tags: Vec<String>,
}

/// Everything a scan needs to know.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Files and directories to scan.
    pub paths: Vec<PathBuf>,
    /// Roots of Windows system disks to triage (Exchange, IIS, event logs).
    pub system_roots: Vec<PathBuf>,
    /// `--exclude` globs.
    pub excludes: Vec<String>,
    /// Follow symbolic links (loop-safe).
    pub follow_links: bool,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// Files above this size get name, path and hash checks only.
    pub max_file_size: u64,
    /// Use the built-in rule pack.
    pub builtin_rules: bool,
    /// External YARA rule directories.
    pub yara_dirs: Vec<PathBuf>,
    /// A signature-base root (`yara/` and `iocs/` below it).
    pub signature_base: Option<PathBuf>,
    /// Extra IOC files (signature-base formats).
    pub ioc_files: Vec<PathBuf>,
    /// Compiled-rule cache directory (`None` = the default user cache).
    pub cache_dir: Option<PathBuf>,
    /// Disable the compiled-rule cache.
    pub no_cache: bool,
    /// YARA timeout per file.
    pub yara_timeout: Duration,
    /// Sigma options.
    pub sigma: SigmaOptions,
    /// Host name to put on findings (default: none for files, computer name for events).
    pub host: Option<String>,
    /// Per file, rule, stage and title, list at most this many findings;
    /// further hits are counted into one summary finding (0: list all).
    pub max_hits: usize,
}

/// Default for [`ScanOptions::max_hits`].
pub const DEFAULT_MAX_HITS: usize = 50;

impl ScanOptions {
    /// Defaults for these paths: built-in pack, 100 MB limit, all cores.
    pub fn new(paths: Vec<PathBuf>) -> Self {
        ScanOptions {
            paths,
            system_roots: Vec::new(),
            excludes: Vec::new(),
            follow_links: false,
            threads: 0,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            builtin_rules: true,
            yara_dirs: Vec::new(),
            signature_base: None,
            ioc_files: Vec::new(),
            cache_dir: None,
            no_cache: false,
            yara_timeout: Duration::from_secs(30),
            sigma: SigmaOptions::default(),
            host: None,
            max_hits: DEFAULT_MAX_HITS,
        }
    }

    /// The number of worker threads to use.
    pub fn effective_threads(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        }
    }
}
