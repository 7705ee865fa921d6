//! Zip archives that hold event logs (EVTX or JSON exports, as the OTRF
//! datasets are shipped). Members are sniffed by content and streamed; each
//! member's size is bounded, and so are the member count and the total bytes
//! inflated (zip bombs). Gzip streams are read by the text-log side.

use crate::evtx::{
    EventItem, EventReadError, EventReadStats, EventReader, RecordError, error_chain,
};
use crate::sniff::{SNIFF_LEN, SourceKind, sniff};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Bounds applied when reading a zip archive.
#[derive(Clone, Copy, Debug)]
pub struct ZipLimits {
    /// Largest member read (uncompressed bytes); larger ones are skipped
    /// with a reason. EVTX members are held in memory up to this size.
    pub max_member: u64,
    /// Most members looked at.
    pub max_members: usize,
    /// Most bytes inflated over the whole archive.
    pub max_total: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_member: 512 * 1024 * 1024,
            max_members: 10_000,
            max_total: 4 * 1024 * 1024 * 1024,
        }
    }
}

/// An event-log member of a zip archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZipMember {
    /// Index in the archive.
    pub index: usize,
    /// Member name as stored.
    pub name: String,
    /// EVTX or JSON events.
    pub kind: SourceKind,
    /// Uncompressed size as declared.
    pub size: u64,
}

/// What [`zip_event_members`] found.
#[derive(Clone, Debug, Default)]
pub struct ZipListing {
    /// Members holding events.
    pub events: Vec<ZipMember>,
    /// Members that are not event logs (names), not read by
    /// [`EventReader::read_zip`].
    pub others: Vec<String>,
    /// Members that could not be looked at (encrypted, damaged, too many).
    pub problems: Vec<RecordError>,
}

fn open_zip(path: &Path) -> Result<zip::ZipArchive<BufReader<File>>, EventReadError> {
    let shown = crate::walk::display_path(path);
    let file =
        File::open(path).map_err(|source| EventReadError::Io { path: shown.clone(), source })?;
    zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| EventReadError::BadZip { path: shown, reason: error_chain(&e) })
}

/// List the members of the zip at `path` that hold events, by content.
pub fn zip_event_members(path: &Path, limits: &ZipLimits) -> Result<ZipListing, EventReadError> {
    let mut archive = open_zip(path)?;
    let mut out = ZipListing::default();
    let mut head = Vec::with_capacity(SNIFF_LEN);
    for index in 0..archive.len() {
        if index >= limits.max_members {
            out.problems.push(RecordError {
                position: format!("member {}", index + 1),
                reason: format!(
                    "more than {} members; the rest were not looked at",
                    limits.max_members
                ),
            });
            break;
        }
        let mut member = match archive.by_index(index) {
            Ok(m) => m,
            Err(e) => {
                out.problems.push(RecordError {
                    position: format!("member {}", index + 1),
                    reason: error_chain(&e),
                });
                continue;
            }
        };
        if member.is_dir() {
            continue;
        }
        let name = member
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("member {}", index + 1));
        head.clear();
        if let Err(e) = member.by_ref().take(SNIFF_LEN as u64).read_to_end(&mut head) {
            out.problems
                .push(RecordError { position: format!("member {name}"), reason: e.to_string() });
            continue;
        }
        match sniff(&head, Path::new(&name)) {
            kind @ (SourceKind::Evtx | SourceKind::JsonEvents) => {
                out.events.push(ZipMember { index, name, kind, size: member.size() });
            }
            _ => out.others.push(name),
        }
    }
    Ok(out)
}

impl EventReader {
    /// Read the event members of the zip at `path` (as listed by
    /// [`zip_event_members`]). `f` gets the member name with each item. A
    /// member that cannot be read is an error item; the archive goes on.
    pub fn read_zip(
        &mut self,
        path: &Path,
        members: &[ZipMember],
        limits: &ZipLimits,
        f: &mut dyn FnMut(&str, EventItem<'_>),
    ) -> Result<EventReadStats, EventReadError> {
        let mut archive = open_zip(path)?;
        let mut stats = EventReadStats::default();
        let mut inflated = 0u64;
        for m in members {
            let mut fail = |reason: String, stats: &mut EventReadStats| {
                stats.errors += 1;
                f(
                    &m.name,
                    EventItem::Error(RecordError {
                        position: format!("member {}", m.name),
                        reason,
                    }),
                );
            };
            if m.size > limits.max_member {
                fail(
                    format!(
                        "{} bytes uncompressed, above the {} byte limit; not read",
                        m.size, limits.max_member
                    ),
                    &mut stats,
                );
                continue;
            }
            if inflated.saturating_add(m.size) > limits.max_total {
                fail(
                    format!(
                        "the archive inflates past {} bytes; member not read",
                        limits.max_total
                    ),
                    &mut stats,
                );
                continue;
            }
            let member = match archive.by_index(m.index) {
                Ok(member) => member,
                Err(e) => {
                    fail(error_chain(&e), &mut stats);
                    continue;
                }
            };
            inflated += m.size;
            // The declared size may lie: never inflate past the limit.
            let mut bounded = member.take(limits.max_member);
            let name = m.name.clone();
            let mut each = |item: EventItem<'_>| f(&name, item);
            let read = match m.kind {
                SourceKind::Evtx => {
                    let mut bytes = Vec::with_capacity(m.size.min(limits.max_member) as usize);
                    match bounded.read_to_end(&mut bytes) {
                        Ok(_) => self.read_evtx_bytes(bytes, &m.name, &mut each),
                        Err(source) => Err(EventReadError::Io { path: m.name.clone(), source }),
                    }
                }
                _ => {
                    let mut buffered = BufReader::with_capacity(256 * 1024, bounded);
                    self.read_json(&mut buffered, &m.name, &mut each)
                }
            };
            match read {
                Ok(s) => stats.add(s),
                Err(e) => {
                    stats.errors += 1;
                    f(
                        &m.name,
                        EventItem::Error(RecordError {
                            position: format!("member {}", m.name),
                            reason: e.to_string(),
                        }),
                    );
                }
            }
        }
        Ok(stats)
    }
}
