//! JSON event exports: JSON lines (one event per line), a JSON array of
//! events, or pretty-printed events one after another. Every shape that
//! [`crate::EventRecord`] names (winlogbeat/ECS, OTRF/Mordor, NXLog,
//! `Event.System`/`EventData` trees) is read the same way, streaming.

use crate::event_record::EventRecord;
use crate::evtx::{EventItem, EventReadError, EventReadStats, EventReader, RecordError};
use crate::flatten::{flatten, flatten_slice};
use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};
use std::fmt;
use std::io::{BufRead, Read};

/// Longest JSON line read (a longer one is a record error and is skipped).
pub const MAX_JSON_LINE: usize = 64 * 1024 * 1024;

impl EventReader {
    /// Read JSON events from `input` (JSON lines, a JSON array, or
    /// concatenated pretty-printed objects). `name` names the source in
    /// messages. A line that does not parse is an [`EventItem::Error`] and
    /// reading goes on; in an array, a bad element ends the array.
    pub fn read_json(
        &mut self,
        input: &mut dyn BufRead,
        name: &str,
        f: &mut dyn FnMut(EventItem<'_>),
    ) -> Result<EventReadStats, EventReadError> {
        let io = |source| EventReadError::Io { path: name.to_string(), source };
        skip_bom(input).map_err(io)?;
        let first = first_significant(input).map_err(io)?;
        match first {
            None => Ok(EventReadStats::default()),
            Some(b'[') => Ok(self.read_array(input, f)),
            Some(b'{') => self.read_lines(input, name, f),
            Some(other) => Err(EventReadError::NotJson {
                path: name.to_string(),
                reason: format!("it starts with `{}`, not `{{` or `[`", char::from(other)),
            }),
        }
    }

    fn read_lines(
        &mut self,
        input: &mut dyn BufRead,
        name: &str,
        f: &mut dyn FnMut(EventItem<'_>),
    ) -> Result<EventReadStats, EventReadError> {
        let mut stats = EventReadStats::default();
        let mut line = Vec::with_capacity(16 * 1024);
        let mut number = 0u64;
        loop {
            line.clear();
            let n = read_line_bounded(input, &mut line)
                .map_err(|source| EventReadError::Io { path: name.to_string(), source })?;
            if n == 0 {
                break;
            }
            number += 1;
            let text = trim(&line);
            if text.is_empty() {
                continue;
            }
            if number == 1 && text == b"{" {
                // Pretty-printed objects: stream them, starting with this brace.
                let mut chained = std::io::Cursor::new(line.clone()).chain(input);
                return Ok(self.read_stream(&mut chained, f));
            }
            if n > MAX_JSON_LINE {
                stats.errors += 1;
                f(EventItem::Error(RecordError {
                    position: format!("line {number}"),
                    reason: format!("line longer than {MAX_JSON_LINE} bytes; skipped"),
                }));
                continue;
            }
            self.rec.index = number;
            match flatten_slice(&mut self.rec, text) {
                Ok(()) => {
                    stats.records += 1;
                    f(EventItem::Event(&self.rec));
                }
                Err(e) => {
                    stats.errors += 1;
                    f(EventItem::Error(RecordError {
                        position: format!("line {number}"),
                        reason: format!("not a JSON event: {e}"),
                    }));
                }
            }
        }
        Ok(stats)
    }

    /// Concatenated (pretty-printed) objects: a parse error ends the stream.
    fn read_stream(
        &mut self,
        input: &mut dyn std::io::Read,
        f: &mut dyn FnMut(EventItem<'_>),
    ) -> EventReadStats {
        let mut stats = EventReadStats::default();
        let mut de = serde_json::Deserializer::from_reader(input);
        loop {
            self.rec.index = stats.records + 1;
            match flatten(&mut self.rec, &mut de) {
                Ok(()) => {
                    stats.records += 1;
                    f(EventItem::Event(&self.rec));
                }
                Err(e) if e.is_eof() && self.rec.is_empty() => break,
                Err(e) => {
                    stats.errors += 1;
                    f(EventItem::Error(RecordError {
                        position: format!("object {} (line {})", stats.records + 1, e.line()),
                        reason: format!("not a JSON event: {e}; the rest of the file was not read"),
                    }));
                    break;
                }
            }
        }
        stats
    }

    fn read_array(
        &mut self,
        input: &mut dyn BufRead,
        f: &mut dyn FnMut(EventItem<'_>),
    ) -> EventReadStats {
        let mut stats = EventReadStats::default();
        let mut de = serde_json::Deserializer::from_reader(input);
        let seq = Elements { rec: &mut self.rec, f, stats: &mut stats };
        if let Err(e) = de.deserialize_seq(seq) {
            stats.errors += 1;
            f(EventItem::Error(RecordError {
                position: format!("array element {} (line {})", stats.records + 1, e.line()),
                reason: format!("not a JSON event: {e}; the rest of the array was not read"),
            }));
        }
        stats
    }
}

struct Elements<'a> {
    rec: &'a mut EventRecord,
    f: &'a mut dyn FnMut(EventItem<'_>),
    stats: &'a mut EventReadStats,
}

impl<'de> Visitor<'de> for Elements<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.rec.index = self.stats.records + 1;
            if seq.next_element_seed(One { rec: self.rec })?.is_none() {
                break;
            }
            self.stats.records += 1;
            (self.f)(EventItem::Event(self.rec));
        }
        Ok(())
    }
}

struct One<'a> {
    rec: &'a mut EventRecord,
}

impl<'de> DeserializeSeed<'de> for One<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        flatten(self.rec, d)
    }
}

fn skip_bom(input: &mut dyn BufRead) -> std::io::Result<()> {
    let buf = input.fill_buf()?;
    if buf.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    Ok(())
}

/// The first byte that is not white space (not consumed).
fn first_significant(input: &mut dyn BufRead) -> std::io::Result<Option<u8>> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let b = buf[i];
                input.consume(i);
                return Ok(Some(b));
            }
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    }
}

/// Read one line (with its `\n`) into `out`, keeping at most
/// [`MAX_JSON_LINE`] + 1 bytes of it; returns the full line length.
fn read_line_bounded(input: &mut dyn BufRead, out: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(total);
        }
        let (chunk, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        let room = (MAX_JSON_LINE + 1).saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let n = chunk.len();
        total += n;
        input.consume(n);
        if done {
            return Ok(total);
        }
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &b[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_model::Event;

    fn read(text: &str) -> (Vec<String>, EventReadStats, Vec<String>) {
        let mut r = EventReader::new();
        let mut images = Vec::new();
        let mut errors = Vec::new();
        let mut input = std::io::Cursor::new(text.as_bytes().to_vec());
        let stats = r
            .read_json(&mut input, "t.json", &mut |item| match item {
                EventItem::Event(e) => images
                    .push(e.field("Image").map(|v| v.as_text().into_owned()).unwrap_or_default()),
                EventItem::Error(e) => errors.push(e.to_string()),
            })
            .expect("readable");
        (images, stats, errors)
    }

    #[test]
    fn lines_with_a_bad_line() {
        let (img, stats, errors) =
            read("{\"EventID\":1,\"Image\":\"a\"}\n\nnot json\n{\"EventID\":1,\"Image\":\"b\"}\n");
        assert_eq!(img, vec!["a", "b"]);
        assert_eq!(stats, EventReadStats { records: 2, errors: 1 });
        assert!(errors[0].starts_with("line 3:"), "{errors:?}");
    }

    #[test]
    fn array_and_pretty_stream() {
        let (img, stats, _) =
            read(" [ {\"EventID\":1,\"Image\":\"a\"}, {\"EventID\":2,\"Image\":\"b\"} ]");
        assert_eq!((img.len(), stats.records), (2, 2));
        let (img, stats, _) =
            read("{\n  \"EventID\": 1,\n  \"Image\": \"a\"\n}\n{\n  \"Image\": \"b\"\n}\n");
        assert_eq!(img, vec!["a", "b"]);
        assert_eq!(stats.errors, 0);
        let (_, stats, errors) = read("[{\"Image\":\"a\"}, 12, {\"Image\":\"c\"}]");
        assert_eq!(stats, EventReadStats { records: 1, errors: 1 });
        assert!(errors[0].contains("array element 2"), "{errors:?}");
    }
}
