//! [`EventRecord`]: one Windows event from any format (EVTX, winlogbeat/ECS,
//! OTRF/Mordor, NXLog, `Event.System`/`EventData` JSON), flattened into a
//! compact list of (name, value) pairs whose names are the same for every
//! format. The list and its buffers are reused from record to record.

use chrono::{DateTime, NaiveDateTime, Utc};
use foldhash::HashMap;
use std::borrow::Cow;
use vigie_model::{Event, Value};

/// Bound on distinct interned names (hostile JSON with unbounded keys): past
/// it the table is cleared between records.
const MAX_NAMES: usize = 16_384;

/// Names interned for the life of a reader (ids are stable across records).
#[derive(Debug, Default)]
pub(crate) struct Names {
    names: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

/// Names with fixed ids: the system fields that win over a same-named
/// `EventData`/`UserData` field (e.g. `UserData.LogFileCleared.Channel`).
pub(crate) const SYSTEM: [&str; 12] = [
    "EventID",
    "Channel",
    "Computer",
    "EventRecordID",
    "Provider_Name",
    "TimeCreated",
    "Level",
    "Task",
    "Opcode",
    "Keywords",
    "Version",
    "Provider_Guid",
];

impl Names {
    fn with_system() -> Names {
        let mut n = Names::default();
        for s in SYSTEM {
            n.intern(s);
        }
        n
    }

    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map(|s| &**s).unwrap_or("")
    }
}

/// A field value stored in the record's buffers.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    /// A byte range of `EventRecord::text`.
    Str(u32, u32),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    pub(crate) name: u32,
    /// Normalised dotted path (root `Event.` removed, no `#attributes`/`#text`),
    /// a byte range of `EventRecord::text`.
    pub(crate) path: (u32, u32),
    pub(crate) val: Val,
    /// Set for fields mapped from the event header (`System`, `winlog.*`).
    pub(crate) system: bool,
}

/// One event, flattened. Implements [`vigie_model::Event`]: every format
/// answers the same names — `EventID`, `Channel`, `Provider_Name`,
/// `Computer`, `EventRecordID`, `TimeCreated`, every `EventData` and
/// `UserData.<anything>` field by its plain name (`Image`, `CommandLine`,
/// `SubjectUserName`), unnamed `<Data>` elements as `Data`, and dotted paths
/// (`Event.EventData.Image`, `System.Provider.Name`, `winlog.event_data.Image`).
/// See `docs/event-logs.md` for the full naming table.
#[derive(Debug)]
pub struct EventRecord {
    pub(crate) names: Names,
    pub(crate) fields: Vec<Field>,
    pub(crate) text: String,
    /// 1-based position of the record in its file (line or array element
    /// for JSON, record order for EVTX).
    pub(crate) index: u64,
    /// Time from the EVTX record header, when the record came from EVTX.
    pub(crate) header_time: Option<DateTime<Utc>>,
    /// EventRecordID from the EVTX record header.
    pub(crate) header_id: Option<u64>,
    channel: Option<usize>,
    event_id: Option<u32>,
}

impl Default for EventRecord {
    fn default() -> Self {
        EventRecord::new()
    }
}

impl EventRecord {
    /// An empty record.
    pub fn new() -> EventRecord {
        EventRecord {
            names: Names::with_system(),
            fields: Vec::with_capacity(64),
            text: String::with_capacity(4096),
            index: 0,
            header_time: None,
            header_id: None,
            channel: None,
            event_id: None,
        }
    }

    /// Forget the previous record's fields (buffers are kept).
    pub(crate) fn clear(&mut self) {
        self.fields.clear();
        self.text.clear();
        self.header_time = None;
        self.header_id = None;
        self.channel = None;
        self.event_id = None;
        if self.names.names.len() > MAX_NAMES {
            self.names = Names::with_system();
        }
    }

    /// Append a string to the text buffer and return its range.
    pub(crate) fn push_text(&mut self, s: &str) -> (u32, u32) {
        let a = self.text.len() as u32;
        self.text.push_str(s);
        (a, self.text.len() as u32)
    }

    /// Called once every field is in: resolve the channel and event id.
    pub(crate) fn finish(&mut self) {
        self.channel = self.find_one(1).filter(|&i| matches!(self.fields[i].val, Val::Str(..)));
        if self.channel.is_none() {
            self.channel = self.alias_index(&["LogName", "log_name", "winlog.channel"]);
        }
        let eid = self.field("EventID").and_then(|v| v.as_f64());
        self.event_id = eid.filter(|n| *n >= 0.0 && *n <= f64::from(u32::MAX)).map(|n| n as u32);
    }

    /// 1-based position of the record in its file.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The record id: `EventRecordID` when the event has one, else its
    /// 1-based position in the file.
    pub fn record_id(&self) -> u64 {
        self.header_id
            .or_else(|| self.field("EventRecordID").and_then(|v| v.as_f64()).map(|n| n as u64))
            .unwrap_or(self.index)
    }

    /// Number of flattened fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the record has no field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    fn value(&self, f: &Field) -> Value<'_> {
        match f.val {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(b),
            Val::Int(i) => Value::Int(i),
            Val::UInt(u) => Value::UInt(u),
            Val::Float(x) => Value::Float(x),
            Val::Str(a, b) => Value::Str(Cow::Borrowed(&self.text[a as usize..b as usize])),
        }
    }

    fn path(&self, f: &Field) -> &str {
        &self.text[f.path.0 as usize..f.path.1 as usize]
    }

    /// Index of the field named `id`: a system field first, else the first.
    fn find_one(&self, id: u32) -> Option<usize> {
        let mut first = None;
        for (i, f) in self.fields.iter().enumerate() {
            if f.name == id {
                if f.system {
                    return Some(i);
                }
                first.get_or_insert(i);
            }
        }
        first
    }

    /// The value of every field named `id` (joined with a space when the name
    /// repeats, as unnamed `<Data>` elements and JSON arrays do).
    fn by_id(&self, id: u32) -> Option<Value<'_>> {
        let i = self.find_one(id)?;
        if self.fields[i].system {
            return Some(self.value(&self.fields[i]));
        }
        let mut more = self.fields[i + 1..].iter().filter(|f| f.name == id && !f.system).peekable();
        if more.peek().is_none() {
            return Some(self.value(&self.fields[i]));
        }
        let mut joined = self.value(&self.fields[i]).as_text().into_owned();
        for f in more {
            joined.push(' ');
            joined.push_str(&self.value(f).as_text());
        }
        Some(Value::Str(Cow::Owned(joined)))
    }

    fn alias_index(&self, aliases: &[&str]) -> Option<usize> {
        aliases.iter().find_map(|a| self.names.get(a).and_then(|id| self.find_one(id)))
    }

    fn by_alias(&self, name: &str) -> Option<Value<'_>> {
        let aliases: &[&str] = match name {
            "Computer" => {
                &["Hostname", "ComputerName", "computer_name", "host.name", "MachineName"]
            }
            "Provider_Name" => {
                &["SourceName", "ProviderName", "source_name", "event.provider", "Provider"]
            }
            "EventRecordID" => &["RecordNumber", "record_number", "RecordId"],
            "TimeCreated" => &["@timestamp", "EventTime", "TimeGenerated", "timestamp", "UtcTime"],
            "Channel" => &["LogName", "log_name"],
            "EventID" => &["EventId", "event_id", "event.code", "Id"],
            "Provider_Guid" => &["ProviderGuid", "provider_guid"],
            "Data" => &["Message", "message"],
            "Message" => &["message"],
            _ => return None,
        };
        let i = self.alias_index(aliases)?;
        Some(self.value(&self.fields[i]))
    }

    /// A dotted path: `Event.EventData.Image`, `System.Provider.Name`,
    /// `Event.System.Provider_attributes.Name`, `winlog.event_data.Image`.
    fn by_path(&self, name: &str) -> Option<Value<'_>> {
        let mut want = String::with_capacity(name.len());
        for seg in name.split('.') {
            let seg = seg.strip_suffix("_attributes").unwrap_or(seg).trim_start_matches('@');
            if seg == "#attributes" || seg == "#text" || seg.is_empty() {
                continue;
            }
            if want.is_empty() && seg == "Event" {
                continue;
            }
            if !want.is_empty() {
                want.push('.');
            }
            want.push_str(seg);
        }
        if let Some(f) = self.fields.iter().find(|f| self.path(f).eq_ignore_ascii_case(&want)) {
            return Some(self.value(f));
        }
        // A header or event-data path asked of another format: map it to the
        // plain name (`System.Provider.Name` → `Provider_Name`, `EventData.X` → `X`).
        let plain = crate::flatten::plain_from_path(&want)?;
        (plain != name).then(|| self.field(&plain)).flatten()
    }

    /// The event time as text, for lazy parsing.
    fn time_text(&self) -> Option<Cow<'_, str>> {
        let v = self.field("TimeCreated")?;
        match v {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl Event for EventRecord {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        if let Some(id) = self.names.get(name)
            && let Some(v) = self.by_id(id)
        {
            return Some(v);
        }
        if let Some(f) =
            self.fields.iter().find(|f| self.names.name(f.name).eq_ignore_ascii_case(name))
        {
            return self.by_id(f.name);
        }
        if let Some(v) = self.by_alias(name) {
            return Some(v);
        }
        if name == "EventRecordID" && self.index > 0 {
            return Some(Value::UInt(self.header_id.unwrap_or(self.index)));
        }
        if name.contains('.') {
            return self.by_path(name);
        }
        None
    }

    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        for field in &self.fields {
            f(self.names.name(field.name), self.value(field));
        }
    }

    fn timestamp(&self) -> Option<DateTime<Utc>> {
        if let Some(t) = self.header_time {
            return Some(t);
        }
        parse_time(&self.time_text()?)
    }

    fn channel(&self) -> Option<Cow<'_, str>> {
        let f = &self.fields[self.channel?];
        match f.val {
            Val::Str(a, b) => Some(Cow::Borrowed(&self.text[a as usize..b as usize])),
            _ => None,
        }
    }

    fn event_id(&self) -> Option<u32> {
        self.event_id
    }
}

/// Parse the time formats event exports use: RFC 3339 (`2021-03-14T01:39:32.609Z`),
/// and `YYYY-MM-DD hh:mm:ss[.fff]` taken as UTC (NXLog, Sysmon `UtcTime`).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert!(parse_time("2021-03-14T01:39:32.609Z").is_some());
        assert!(parse_time("2021-03-14 06:40:13.659").is_some());
        assert!(parse_time("2021-06-04T08:41:47.9821281Z").is_some());
        assert!(parse_time("yesterday").is_none());
    }
}
