//! Files → one read, three hashes, YARA, hash and path IOCs.

use crate::dispatch::{Partial, path_text};
use crate::engine::ScanError;
use crate::options::ScanOptions;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use vigie_ioc::IocSet;
use vigie_model::{Coverage, Evidence, Finding, Problem, ProblemCode};
use vigie_source::FileEntry;
use vigie_yara::{FileMeta, YaraCompiler, YaraRules, YaraScanner};

/// Read buffer for streaming hashes of files above the size limit.
const CHUNK: usize = 1 << 20;

/// Compiled file rules (YARA, IOCs).
pub(crate) struct FilesEngine {
    yara: YaraRules,
    iocs: IocSet,
}

impl FilesEngine {
    /// Compile the built-in pack and the external sets; rejected rules go to
    /// `coverage.rules`.
    pub(crate) fn load(options: &ScanOptions, coverage: &mut Coverage) -> Result<Self, ScanError> {
        let yara = load_yara(options)?;
        yara.report().apply_to(&mut coverage.rules);
        coverage.warnings.extend(yara.report().warnings.iter().cloned());
        let iocs = load_iocs(options)?;
        iocs.report().apply_to(&mut coverage.rules);
        Ok(FilesEngine { yara, iocs })
    }

    pub(crate) fn worker<'e>(&'e self, options: &'e ScanOptions) -> FilesWorker<'e> {
        FilesWorker { engine: self, scanner: self.yara.scanner(), options, buf: Vec::new() }
    }
}

fn load_yara(options: &ScanOptions) -> Result<YaraRules, ScanError> {
    let rules_error = |e: vigie_yara::YaraError| ScanError::Rules(e.to_string());
    let mut c = YaraCompiler::new();
    let cache = if options.no_cache {
        None
    } else {
        options.cache_dir.clone().or_else(vigie_yara::default_cache_dir)
    };
    c.cache_dir(cache).timeout(options.yara_timeout);
    if options.builtin_rules {
        c.add_builtin(&vigie_rules::yara_pack::yara_sources());
    }
    for dir in &options.yara_dirs {
        c.add_dir(dir).map_err(rules_error)?;
    }
    if let Some(root) = &options.signature_base {
        c.add_signature_base(root).map_err(rules_error)?;
    }
    c.build().map_err(rules_error)
}

fn load_iocs(options: &ScanOptions) -> Result<IocSet, ScanError> {
    let ioc_error = |e: vigie_ioc::IocError| ScanError::Rules(e.to_string());
    let mut b = IocSet::builder();
    if options.builtin_rules {
        for (file, text) in vigie_rules::ioc_pack::ioc_sources() {
            b.add_builtin(file, text);
        }
    }
    if let Some(root) = &options.signature_base {
        b.add_signature_base(root).map_err(ioc_error)?;
    }
    for file in &options.ioc_files {
        b.add_file(file).map_err(ioc_error)?;
    }
    Ok(b.build())
}

/// The three digests of a file's content, hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hashes {
    pub(crate) md5: String,
    pub(crate) sha1: String,
    pub(crate) sha256: String,
}

/// Per-thread state: the read buffer (reused) and the YARA scanner.
pub(crate) struct FilesWorker<'e> {
    engine: &'e FilesEngine,
    scanner: YaraScanner<'e>,
    options: &'e ScanOptions,
    buf: Vec<u8>,
}

impl FilesWorker<'_> {
    /// Path and file-name IOCs: cheap, applied to every file whatever its kind.
    pub(crate) fn match_path(&mut self, entry: &FileEntry, part: &mut Partial) {
        let path = path_text(entry);
        for hit in self.engine.iocs.match_path(&path) {
            let finding = hit.to_finding(&path);
            part.findings.push(self.decorate(finding, entry, None));
        }
    }

    /// Hash IOCs for a file's digests.
    fn match_hashes(&self, entry: &FileEntry, hashes: &Hashes, part: &mut Partial) {
        let path = path_text(entry);
        for hit in self.engine.iocs.match_hashes(&hashes.md5, &hashes.sha1, &hashes.sha256) {
            let finding = hit.to_finding(&path);
            part.findings.push(self.decorate(finding, entry, Some(hashes)));
        }
    }

    /// Add the file facts (size, hashes, time, owner) and the host.
    fn decorate(
        &self,
        mut finding: Finding,
        entry: &FileEntry,
        hashes: Option<&Hashes>,
    ) -> Finding {
        finding.evidence.push(Evidence::File {
            path: path_text(entry),
            size: entry.size,
            md5: hashes.map(|h| h.md5.clone()),
            sha1: hashes.map(|h| h.sha1.clone()),
            sha256: hashes.map(|h| h.sha256.clone()),
            modified: entry.modified.map(chrono::DateTime::<chrono::Utc>::from),
            owner: entry.owner.clone(),
        });
        if finding.host.is_none() {
            finding.host.clone_from(&self.options.host);
        }
        finding.id = finding.compute_id();
        finding
    }

    /// YARA over the bytes already in the buffer.
    fn match_yara(&mut self, entry: &FileEntry, hashes: &Hashes, part: &mut Partial) {
        let path = path_text(entry);
        let mut meta = FileMeta::new(&path, &self.buf);
        if let Some(owner) = &entry.owner {
            meta = meta.with_owner(owner.clone());
        }
        match self.scanner.scan(&self.buf, &meta) {
            Ok(hits) => {
                for hit in hits {
                    let finding = hit.to_finding(&path);
                    part.findings.push(self.decorate(finding, entry, Some(hashes)));
                }
            }
            Err(e) => part.coverage.warnings.push(format!("{path}: YARA scan incomplete: {e}")),
        }
    }

    /// Read the file once, hash it, and scan the same bytes.
    pub(crate) fn scan(&mut self, entry: &FileEntry, part: &mut Partial) {
        if entry.size == 0 {
            part.coverage.skip(Problem::new(
                path_text(entry),
                ProblemCode::Empty,
                "empty file: no content to scan (name and path checks done)",
            ));
            return;
        }
        if entry.size > self.options.max_file_size {
            match hash_stream(&entry.path) {
                Ok(hashes) => {
                    self.match_hashes(entry, &hashes, part);
                    part.coverage.skip(Problem::new(
                    path_text(entry),
                    ProblemCode::TooLarge,
                    format!(
                        "content not scanned: too large ({} bytes > --max-file-size {}); name, path and hash checks done",
                        entry.size, self.options.max_file_size
                    ),
                    ));
                }
                Err(p) => part.coverage.fail(p),
            }
            return;
        }
        match read_into(&entry.path, &mut self.buf) {
            Ok(()) => {
                let hashes = hash_bytes(&self.buf);
                self.match_hashes(entry, &hashes, part);
                self.match_yara(entry, &hashes, part);
                part.coverage.files.scanned += 1;
                part.coverage.files.bytes += self.buf.len() as u64;
            }
            Err(p) => part.coverage.fail(p),
        }
    }
}

fn read_into(path: &Path, buf: &mut Vec<u8>) -> Result<(), Problem> {
    buf.clear();
    let mut f = File::open(path).map_err(|e| io_problem(path, &e))?;
    f.read_to_end(buf).map_err(|e| io_problem(path, &e))?;
    Ok(())
}

/// MD5, SHA-1 and SHA-256 of bytes already in memory.
pub(crate) fn hash_bytes(data: &[u8]) -> Hashes {
    Hashes {
        md5: hex::encode(Md5::digest(data)),
        sha1: hex::encode(Sha1::digest(data)),
        sha256: hex::encode(Sha256::digest(data)),
    }
}

/// MD5, SHA-1 and SHA-256 of a file streamed in chunks (files above the limit).
pub(crate) fn hash_stream(path: &Path) -> Result<Hashes, Problem> {
    let mut f = File::open(path).map_err(|e| io_problem(path, &e))?;
    let (mut md5, mut sha1, mut sha256) = (Md5::new(), Sha1::new(), Sha256::new());
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = f.read(&mut chunk).map_err(|e| io_problem(path, &e))?;
        if n == 0 {
            break;
        }
        md5.update(&chunk[..n]);
        sha1.update(&chunk[..n]);
        sha256.update(&chunk[..n]);
    }
    Ok(Hashes {
        md5: hex::encode(md5.finalize()),
        sha1: hex::encode(sha1.finalize()),
        sha256: hex::encode(sha256.finalize()),
    })
}

/// A failed-item problem for an I/O error, with advice.
pub(crate) fn io_problem(path: &Path, err: &std::io::Error) -> Problem {
    use std::io::ErrorKind;
    let (code, advice) = match err.kind() {
        ErrorKind::PermissionDenied => (
            ProblemCode::PermissionDenied,
            "cannot read: permission denied — run vigie as an administrator/root",
        ),
        ErrorKind::NotFound => (ProblemCode::NotFound, "vanished during the scan"),
        _ => (ProblemCode::Io, "cannot read"),
    };
    Problem::new(path.to_string_lossy(), code, format!("{advice} ({err})"))
}
