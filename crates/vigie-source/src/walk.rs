//! The walker: every file under the inputs, nothing hidden, loop-safe.

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};
use std::collections::HashMap;
use std::fs::{FileType, Metadata};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;
use vigie_model::{Problem, ProblemCode};

/// How to walk.
#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    /// Follow symbolic links (loops are detected and reported).
    pub follow_links: bool,
    /// User exclusion globs (`*.bak`, `**/node_modules`). A glob without `/`
    /// matches a file or directory name; one with `/` matches the full path.
    pub excludes: Vec<String>,
    /// Worker threads for the walk (0 = all cores).
    pub threads: usize,
}

/// A regular file to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    /// The path (may be non-UTF-8).
    pub path: PathBuf,
    /// Size in bytes at walk time.
    pub size: u64,
    /// Last modification time.
    pub modified: Option<SystemTime>,
    /// Owner as a user name (from `/etc/passwd`) or `uid:N`.
    pub owner: Option<String>,
    /// Device and inode (Unix): a file reached by several paths is scanned
    /// once.
    pub file_id: Option<(u64, u64)>,
}

/// What a walk found: files to scan and items it did not pass on.
#[derive(Debug, Default)]
pub struct WalkOutcome {
    /// Regular files, sorted by path, each once.
    pub files: Vec<FileEntry>,
    /// Items not scanned by choice (excluded, symlink not followed, FIFO, …).
    pub skipped: Vec<Problem>,
    /// Items that could not be read (permission denied, not found, loop).
    pub failed: Vec<Problem>,
    /// Other paths of files already in `files` (hard links, symlinks,
    /// repeated inputs), listed in `skipped` as `duplicate`: their content is
    /// scanned once, but each path still deserves the name and path checks.
    pub duplicates: Vec<FileEntry>,
}

/// A walk that could not start (bad options).
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// An `--exclude` glob does not parse.
    #[error(
        "invalid --exclude pattern `{pattern}`: {source} — use a glob such as `*.bak` or `**/cache/**`"
    )]
    BadExclude {
        /// The pattern as given.
        pattern: String,
        /// The parser's error.
        source: globset::Error,
    },
}

/// Walks inputs. Build once, walk many.
#[derive(Debug)]
pub struct Walker {
    options: WalkOptions,
}

/// The path as text for reports (lossy for non-UTF-8 names).
pub fn display_path(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

struct Excludes {
    names: GlobSet,
    paths: GlobSet,
    patterns_by_kind: (Vec<String>, Vec<String>),
}

impl Excludes {
    fn build(patterns: &[String]) -> Result<Self, WalkError> {
        let (mut names, mut paths) = (GlobSetBuilder::new(), GlobSetBuilder::new());
        let (mut name_pats, mut path_pats) = (Vec::new(), Vec::new());
        for p in patterns {
            let glob = Glob::new(p)
                .map_err(|source| WalkError::BadExclude { pattern: p.clone(), source })?;
            if p.contains('/') {
                paths.add(glob);
                path_pats.push(p.clone());
            } else {
                names.add(glob);
                name_pats.push(p.clone());
            }
        }
        let build = |b: GlobSetBuilder, p: &str| {
            b.build().map_err(|source| WalkError::BadExclude { pattern: p.to_string(), source })
        };
        Ok(Excludes {
            names: build(names, &patterns.join(" "))?,
            paths: build(paths, &patterns.join(" "))?,
            patterns_by_kind: (name_pats, path_pats),
        })
    }

    /// The pattern that excludes `path`, if any.
    fn matching(&self, path: &Path) -> Option<&str> {
        if let Some(name) = path.file_name() {
            if let Some(i) = self.names.matches(name).first() {
                return Some(&self.patterns_by_kind.0[*i]);
            }
        }
        self.paths.matches(path).first().map(|i| self.patterns_by_kind.1[*i].as_str())
    }
}

impl Walker {
    /// A walker with these options.
    pub fn new(options: WalkOptions) -> Self {
        Walker { options }
    }

    /// Walk `roots`. Never fails on an item: unreadable and odd items end in
    /// the outcome's skipped or failed lists.
    pub fn walk(&self, roots: &[PathBuf]) -> Result<WalkOutcome, WalkError> {
        let excludes = Excludes::build(&self.options.excludes)?;
        let outcome = Mutex::new(WalkOutcome::default());
        let Some((first, rest)) = roots.split_first() else {
            return Ok(WalkOutcome::default());
        };
        let mut builder = WalkBuilder::new(first);
        for r in rest {
            builder.add(r);
        }
        builder
            .standard_filters(false)
            .hidden(false)
            .parents(false)
            .ignore(false)
            .git_ignore(false)
            .git_global(false)
            .git_exclude(false)
            .require_git(false)
            .follow_links(self.options.follow_links)
            .threads(self.options.threads);
        builder.build_parallel().run(|| {
            let outcome = &outcome;
            let excludes = &excludes;
            let follow = self.options.follow_links;
            Box::new(move |entry| visit(entry, excludes, follow, outcome))
        });
        let mut out = outcome.into_inner().unwrap_or_else(|poison| poison.into_inner());
        out.files.sort_by(|a, b| a.path.cmp(&b.path));
        out.files.dedup_by(|a, b| a.path == b.path);
        drop_same_files(&mut out);
        out.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        out.failed.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }
}

/// Keep one path per file (device, inode); the others are skipped with
/// `ProblemCode::Duplicate`, naming the path that was scanned.
fn drop_same_files(out: &mut WalkOutcome) {
    let mut first: HashMap<(u64, u64), usize> = HashMap::new();
    let mut kept: Vec<FileEntry> = Vec::with_capacity(out.files.len());
    for f in std::mem::take(&mut out.files) {
        if let Some(id) = f.file_id {
            if let Some(&i) = first.get(&id) {
                out.skipped.push(Problem::new(
                    display_path(&f.path),
                    ProblemCode::Duplicate,
                    format!(
                        "same file as {} (hard link, symlink or input given twice): scanned once, there",
                        display_path(&kept[i].path)
                    ),
                ));
                out.duplicates.push(f);
                continue;
            }
            first.insert(id, kept.len());
        }
        kept.push(f);
    }
    out.files = kept;
}

fn visit(
    entry: Result<ignore::DirEntry, ignore::Error>,
    excludes: &Excludes,
    follow: bool,
    outcome: &Mutex<WalkOutcome>,
) -> WalkState {
    let entry = match entry {
        Ok(e) => e,
        Err(err) => {
            let problem = problem_from_walk_error(&err);
            let skipped = problem.code == ProblemCode::SymlinkLoop;
            with(outcome, |o| {
                if skipped {
                    o.skipped.push(problem);
                } else {
                    o.failed.push(problem);
                }
            });
            return WalkState::Continue;
        }
    };
    let path = entry.path();
    let is_root = entry.depth() == 0;
    if !is_root {
        if let Some(pattern) = excludes.matching(path) {
            let p = Problem::new(
                display_path(path),
                ProblemCode::Excluded,
                format!("excluded by --exclude `{pattern}`"),
            );
            with(outcome, |o| o.skipped.push(p));
            return WalkState::Skip;
        }
    }
    let Some(ft) = entry.file_type() else {
        return WalkState::Continue;
    };
    if ft.is_dir() {
        return WalkState::Continue;
    }
    if ft.is_symlink() && !follow {
        let p = Problem::new(
            display_path(path),
            ProblemCode::Symlink,
            "symbolic link not followed — pass --follow to scan what it points to",
        );
        with(outcome, |o| o.skipped.push(p));
        return WalkState::Continue;
    }
    match entry.metadata() {
        Ok(meta) => classify_file(path, ft, &meta, outcome),
        Err(err) => {
            let p = problem_from_walk_error(&err);
            with(outcome, |o| o.failed.push(p));
        }
    }
    WalkState::Continue
}

/// Run `f` on the shared outcome (a poisoned lock still holds valid data).
fn with(outcome: &Mutex<WalkOutcome>, f: impl FnOnce(&mut WalkOutcome)) {
    let mut guard = outcome.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut guard);
}

fn classify_file(path: &Path, ft: FileType, meta: &Metadata, outcome: &Mutex<WalkOutcome>) {
    if !meta.is_file() {
        let what = special_kind(ft);
        let p = Problem::new(
            display_path(path),
            ProblemCode::SpecialFile,
            format!("{what}: not a regular file, never opened"),
        );
        with(outcome, |o| o.skipped.push(p));
        return;
    }
    let entry = FileEntry {
        path: path.to_path_buf(),
        size: meta.len(),
        modified: meta.modified().ok(),
        owner: owner_of(meta),
        file_id: file_id(meta),
    };
    with(outcome, |o| o.files.push(entry));
}

#[cfg(unix)]
fn special_kind(ft: FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "named pipe (FIFO)"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() {
        "block device"
    } else if ft.is_char_device() {
        "character device"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_ft: FileType) -> &'static str {
    "special file"
}

#[cfg(unix)]
fn owner_of(meta: &Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = meta.uid();
    Some(user_names().get(&uid).cloned().unwrap_or_else(|| format!("uid:{uid}")))
}

#[cfg(not(unix))]
fn owner_of(_meta: &Metadata) -> Option<String> {
    None
}

#[cfg(unix)]
fn file_id(meta: &Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_meta: &Metadata) -> Option<(u64, u64)> {
    None
}

/// uid → name from `/etc/passwd` (read once; empty when unreadable).
fn user_names() -> &'static HashMap<u32, String> {
    static NAMES: OnceLock<HashMap<u32, String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let text = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        text.lines()
            .filter_map(|l| {
                let mut parts = l.split(':');
                let name = parts.next()?;
                let uid = parts.nth(1)?.parse().ok()?;
                Some((uid, name.to_string()))
            })
            .collect()
    })
}

fn problem_from_walk_error(err: &ignore::Error) -> Problem {
    match err {
        ignore::Error::WithPath { path, err } => {
            let mut p = problem_from_walk_error(err);
            p.path = display_path(path);
            p
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            problem_from_walk_error(err)
        }
        ignore::Error::Loop { ancestor, child } => Problem::new(
            display_path(child),
            ProblemCode::SymlinkLoop,
            format!(
                "symbolic link loop: points back to {}; not followed again",
                display_path(ancestor)
            ),
        ),
        ignore::Error::Io(io) => io_problem("", io),
        other => Problem::new("", ProblemCode::Io, other.to_string()),
    }
}

/// A problem for an I/O error on `path`, with advice for the common cases.
fn io_problem(path: &str, io: &std::io::Error) -> Problem {
    use std::io::ErrorKind;
    let (code, advice) = match io.kind() {
        ErrorKind::PermissionDenied => (
            ProblemCode::PermissionDenied,
            "permission denied — run vigie as an administrator/root to read it",
        ),
        ErrorKind::NotFound => (ProblemCode::NotFound, "not found — check the path"),
        _ => (ProblemCode::Io, "I/O error"),
    };
    Problem::new(path, code, format!("{advice} ({io})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_and_gitignored_files_are_found() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join(".hidden"))?;
        std::fs::write(dir.path().join(".hidden/shell.aspx"), "x")?;
        std::fs::write(dir.path().join(".gitignore"), "*.aspx\n")?;
        std::fs::write(dir.path().join("a.aspx"), "x")?;
        let out = Walker::new(WalkOptions::default())
            .walk(&[dir.path().to_path_buf()])
            .map_err(std::io::Error::other)?;
        let names: Vec<_> =
            out.files.iter().map(|f| f.path.file_name().map(|n| n.to_owned())).collect();
        assert_eq!(out.files.len(), 3, "{names:?}");
        Ok(())
    }

    #[test]
    fn excludes_are_counted() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("cache"))?;
        std::fs::write(dir.path().join("cache/x"), "x")?;
        std::fs::write(dir.path().join("a.bak"), "x")?;
        std::fs::write(dir.path().join("b.txt"), "x")?;
        let opts =
            WalkOptions { excludes: vec!["*.bak".into(), "cache".into()], ..Default::default() };
        let out =
            Walker::new(opts).walk(&[dir.path().to_path_buf()]).map_err(std::io::Error::other)?;
        assert_eq!(out.files.len(), 1);
        assert_eq!(out.skipped.len(), 2);
        assert!(out.skipped.iter().all(|p| p.code == ProblemCode::Excluded));
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_file_reached_by_several_paths_is_scanned_once() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path().join("www");
        std::fs::create_dir(&root)?;
        std::fs::write(root.join("a.aspx"), "x")?;
        std::fs::hard_link(root.join("a.aspx"), root.join("b.aspx"))?;
        std::os::unix::fs::symlink(&root, dir.path().join("alias"))?;
        let opts = WalkOptions { follow_links: true, ..Default::default() };
        let roots = [root.clone(), dir.path().join("alias"), root.clone()];
        let out = Walker::new(opts).walk(&roots).map_err(std::io::Error::other)?;
        assert_eq!(out.files.len(), 1, "{:?}", out.files);
        // The first path in sort order is kept; the other three (www/a.aspx,
        // its hard link www/b.aspx, and alias/b.aspx) name it.
        assert!(out.files[0].path.ends_with("alias/a.aspx"), "{:?}", out.files);
        let dups: Vec<&Problem> =
            out.skipped.iter().filter(|p| p.code == ProblemCode::Duplicate).collect();
        assert_eq!(dups.len(), 3, "{:?}", out.skipped);
        assert!(dups.iter().all(|p| p.reason.contains("alias/a.aspx")), "{dups:?}");
        assert_eq!(out.duplicates.len(), 3);
        Ok(())
    }

    #[test]
    fn bad_glob_is_a_clear_error() {
        let opts = WalkOptions { excludes: vec!["a[".into()], ..Default::default() };
        let err = Walker::new(opts).walk(&[PathBuf::from(".")]).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("invalid --exclude pattern `a[`")));
    }

    #[test]
    fn missing_root_fails_with_reason() -> Result<(), WalkError> {
        let out =
            Walker::new(WalkOptions::default()).walk(&[PathBuf::from("/nonexistent/vigie")])?;
        assert_eq!(out.failed.len(), 1);
        assert_eq!(out.failed[0].code, ProblemCode::NotFound);
        assert_eq!(out.failed[0].path, "/nonexistent/vigie");
        Ok(())
    }
}
