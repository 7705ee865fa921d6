//! Flatten one JSON event (EVTX rendered as JSON, winlogbeat/ECS, OTRF,
//! NXLog, `Event.System`/`EventData` trees) straight into an
//! [`EventRecord`], without building a `serde_json::Value` tree: a serde
//! visitor walks the document and appends (name, path, value) leaves.

use crate::event_record::{EventRecord, Field, SYSTEM, Val};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Walk state: the record being filled and the current normalised path.
pub(crate) struct Flat<'r> {
    pub(crate) rec: &'r mut EventRecord,
    path: String,
    /// (start, end) of each pushed segment in `path`.
    segs: Vec<(u32, u32)>,
    depth: u32,
    scratch: String,
}

impl<'r> Flat<'r> {
    pub(crate) fn new(rec: &'r mut EventRecord) -> Self {
        Flat { rec, path: String::new(), segs: Vec::new(), depth: 0, scratch: String::new() }
    }

    fn seg(&self, i: usize) -> &str {
        let (a, b) = self.segs[i];
        &self.path[a as usize..b as usize]
    }

    /// Push a key as a path segment, normalised. Returns whether a segment
    /// was pushed (`#attributes`, `#text` and the `Event` root are not).
    fn push_key(&mut self, key: &str) -> bool {
        if key == "#attributes" || key == "#text" || (self.depth == 1 && key == "Event") {
            return false;
        }
        let mut key = key.strip_suffix("_attributes").unwrap_or(key);
        if self.depth > 1 && key.len() > 1 && key.starts_with('@') {
            key = &key[1..];
        }
        if !self.path.is_empty() {
            self.path.push('.');
        }
        let a = self.path.len() as u32;
        self.path.push_str(key);
        self.segs.push((a, self.path.len() as u32));
        true
    }

    fn pop_key(&mut self) {
        if let Some((a, _)) = self.segs.pop() {
            self.path.truncate((a as usize).saturating_sub(1));
        }
    }

    fn leaf(&mut self, val: Val) {
        let n = self.segs.len();
        if n == 0 {
            return;
        }
        let Flat { rec, path, segs, scratch, .. } = self;
        let seg = |i: usize| {
            let (a, b) = segs[i];
            &path[a as usize..b as usize]
        };
        if (0..n).any(|i| seg(i).starts_with("xmlns")) {
            return;
        }
        // Naming looks at the first segments and the last: keep up to 8.
        let mut buf: [&str; 8] = [""; 8];
        let k = n.min(8);
        for (i, slot) in buf.iter_mut().enumerate().take(k) {
            *slot = seg(i);
        }
        if n > 8 {
            buf[7] = seg(n - 1);
        }
        let (name, system) = plain_name(&buf[..k], scratch);
        let Some(name) = name else { return };
        let id = rec.names.intern(name);
        let path = rec.push_text(path);
        rec.fields.push(Field { name: id, path, val, system });
    }

    fn leaf_str(&mut self, s: &str) {
        let r = self.rec.push_text(s);
        self.leaf(Val::Str(r.0, r.1));
    }

    /// `EventData.Data` given as `[{"@Name": "X", "#text": "v"}, …]`: name
    /// the text leaf after its `Name` attribute.
    fn name_data_element(&mut self, start: usize) {
        let Some(name_at) = (start..self.rec.fields.len()).find(|&i| {
            let f = self.rec.fields[i];
            let p = &self.rec.text[f.path.0 as usize..f.path.1 as usize];
            p.ends_with(".Data.Name") || p == "Data.Name"
        }) else {
            return;
        };
        let Val::Str(a, b) = self.rec.fields[name_at].val else { return };
        let name = self.rec.text[a as usize..b as usize].to_string();
        let id = self.rec.names.intern(&name);
        self.rec.fields.remove(name_at);
        for f in &mut self.rec.fields[start..] {
            let p = &self.rec.text[f.path.0 as usize..f.path.1 as usize];
            if p.ends_with("Data") && !p.ends_with(".Name") {
                f.name = id;
            }
        }
    }
}

/// The plain name of a leaf from its path segments (root `Event` removed),
/// and whether it is an event-header field. `None`: not a field (skipped).
pub(crate) fn plain_name<'s>(segs: &[&'s str], scratch: &'s mut String) -> (Option<&'s str>, bool) {
    let last = segs[segs.len() - 1];
    let system = |n: &str| SYSTEM.contains(&n);
    match segs {
        [one] => {
            let n = match *one {
                "computer_name" => "Computer",
                "event_id" => "EventID",
                "log_name" => "Channel",
                "record_number" => "EventRecordID",
                "source_name" => "Provider_Name",
                "message" => "Message",
                other => other,
            };
            (Some(n), system(n))
        }
        ["System", x] => (Some(x), true),
        ["System", "TimeCreated", "SystemTime"] => (Some("TimeCreated"), true),
        ["System", rest @ ..] => {
            scratch.clear();
            for (i, s) in rest.iter().enumerate() {
                if i > 0 {
                    scratch.push('_');
                }
                scratch.push_str(s);
            }
            (Some(scratch.as_str()), true)
        }
        ["EventData" | "UserData" | "ProcessingErrorData", ..] => (Some(last), false),
        ["RenderingInfo", "Message"] => (Some("Message"), false),
        ["winlog" | "event_data" | "user_data", ..] => {
            (winlog_name(segs, scratch), is_header(segs))
        }
        _ => {
            scratch.clear();
            for (i, s) in segs.iter().enumerate() {
                if i > 0 {
                    scratch.push('.');
                }
                scratch.push_str(s);
            }
            (Some(scratch.as_str()), false)
        }
    }
}

fn is_header(segs: &[&str]) -> bool {
    segs.len() == 2 && segs[0] == "winlog" && !matches!(segs[1], "event_data" | "user_data")
}

fn winlog_name<'s>(segs: &[&'s str], scratch: &'s mut String) -> Option<&'s str> {
    let last = segs[segs.len() - 1];
    Some(match segs {
        ["event_data" | "user_data", ..] | ["winlog", "event_data" | "user_data", ..] => last,
        ["winlog", "channel"] => "Channel",
        ["winlog", "event_id"] => "EventID",
        ["winlog", "computer_name"] => "Computer",
        ["winlog", "record_id"] => "EventRecordID",
        ["winlog", "provider_name"] => "Provider_Name",
        ["winlog", "provider_guid"] => "Provider_Guid",
        ["winlog", "task"] => "Task",
        ["winlog", "opcode"] => "Opcode",
        ["winlog", "version"] => "Version",
        ["winlog", "keywords"] => "Keywords",
        ["winlog", "activity_id"] => "Correlation_ActivityID",
        ["winlog", "process", "pid"] => "Execution_ProcessID",
        ["winlog", "process", "thread", "id"] => "Execution_ThreadID",
        ["winlog", "user", "identifier"] => "Security_UserID",
        _ => {
            scratch.clear();
            scratch.push_str(&segs.join("."));
            scratch.as_str()
        }
    })
}

/// The plain name a normalised dotted path maps to, for lookups of a path
/// the record does not have verbatim (`System.Provider.Name` asked of a
/// winlogbeat event).
pub(crate) fn plain_from_path(path: &str) -> Option<String> {
    let segs: Vec<&str> = path.split('.').collect();
    if segs.len() < 2 {
        return None;
    }
    let mut scratch = String::new();
    let (name, _) = plain_name(&segs, &mut scratch);
    name.map(str::to_string)
}

struct Node<'a, 'r>(&'a mut Flat<'r>);

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

struct Key<'a, 'r>(&'a mut Flat<'r>);

impl<'de> DeserializeSeed<'de> for Key<'_, '_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(self.0.push_key(v))
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let f = self.0;
        let start = f.rec.fields.len();
        f.depth += 1;
        loop {
            let pushed = match map.next_key_seed(Key(f))? {
                None => break,
                Some(p) => p,
            };
            map.next_value_seed(Node(f))?;
            if pushed {
                f.pop_key();
            }
        }
        f.depth -= 1;
        if f.segs.len() >= 2 && f.seg(f.segs.len() - 1) == "Data" {
            f.name_data_element(start);
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let f = self.0;
        while seq.next_element_seed(Node(f))?.is_some() {}
        Ok(())
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.0.leaf_str(v);
        Ok(())
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        self.0.leaf(Val::Bool(v));
        Ok(())
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        self.0.leaf(Val::Int(v));
        Ok(())
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        self.0.leaf(Val::UInt(v));
        Ok(())
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        self.0.leaf(Val::Float(v));
        Ok(())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.0.leaf(Val::Null);
        Ok(())
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.0.leaf(Val::Null);
        Ok(())
    }
}

/// Flatten one JSON document from `d` into `rec` (cleared first). The
/// document must be an object; anything else is an error.
pub(crate) fn flatten<'de, D: Deserializer<'de>>(
    rec: &mut EventRecord,
    d: D,
) -> Result<(), D::Error> {
    rec.clear();
    let mut flat = Flat::new(rec);
    d.deserialize_map(Node(&mut flat))?;
    rec.finish();
    Ok(())
}

/// Flatten one JSON document held in `bytes`.
pub(crate) fn flatten_slice(rec: &mut EventRecord, bytes: &[u8]) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    flatten(rec, &mut de)?;
    de.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_model::Event;

    fn rec(json: &str) -> EventRecord {
        let mut r = EventRecord::new();
        flatten_slice(&mut r, json.as_bytes()).expect("valid test JSON");
        r
    }

    fn text(r: &EventRecord, name: &str) -> Option<String> {
        r.field(name).map(|v| v.as_text().into_owned())
    }

    #[test]
    fn evtx_shape() {
        let r = rec(
            r##"{"Event":{"#attributes":{"xmlns":"x"},"System":{"Provider":{"#attributes":{"Name":"MSExchange CmdletLogs"}},"EventID":{"#attributes":{"Qualifiers":49152},"#text":6},"TimeCreated":{"#attributes":{"SystemTime":"2021-06-04T08:41:47.9821281Z"}},"EventRecordID":7184,"Channel":"MSExchange Management","Computer":"ex01","Execution":{"#attributes":{"ProcessID":4}}},"EventData":{"Data":{"#text":["Install-TransportAgent","-Name \"Evil\""]}}}}"##,
        );
        assert_eq!(text(&r, "Provider_Name").as_deref(), Some("MSExchange CmdletLogs"));
        assert_eq!(r.event_id(), Some(6));
        assert_eq!(r.channel().as_deref(), Some("MSExchange Management"));
        assert_eq!(text(&r, "Computer").as_deref(), Some("ex01"));
        assert_eq!(text(&r, "Execution_ProcessID").as_deref(), Some("4"));
        assert_eq!(text(&r, "Data").as_deref(), Some("Install-TransportAgent -Name \"Evil\""));
        assert_eq!(
            text(&r, "Event.System.Provider.Name").as_deref(),
            Some("MSExchange CmdletLogs")
        );
        assert_eq!(
            text(&r, "Event.System.Provider_attributes.Name").as_deref(),
            Some("MSExchange CmdletLogs")
        );
        assert!(r.timestamp().is_some());
        assert_eq!(r.record_id(), 7184);
    }

    #[test]
    fn userdata_and_system_priority() {
        let r = rec(
            r##"{"Event":{"System":{"EventID":104,"Channel":"System","Computer":"c"},"UserData":{"LogFileCleared":{"#attributes":{"xmlns":"y"},"SubjectUserName":"admin","Channel":"Security"}}}}"##,
        );
        assert_eq!(r.channel().as_deref(), Some("System"));
        assert_eq!(text(&r, "Channel").as_deref(), Some("System"));
        assert_eq!(text(&r, "SubjectUserName").as_deref(), Some("admin"));
        assert_eq!(text(&r, "UserData.LogFileCleared.SubjectUserName").as_deref(), Some("admin"));
        assert_eq!(text(&r, "subjectusername").as_deref(), Some("admin"));
    }

    #[test]
    fn winlogbeat_shape() {
        let r = rec(
            r##"{"@timestamp":"2021-03-14T01:40:15.342Z","message":"Process Create","winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"1","computer_name":"MXS01","record_id":42,"provider_name":"Microsoft-Windows-Sysmon","event_data":{"Image":"C:\\Windows\\System32\\cmd.exe","ParentImage":"C:\\w3wp.exe"}},"host":{"name":"MXS01"}}"##,
        );
        assert_eq!(r.event_id(), Some(1));
        assert_eq!(r.channel().as_deref(), Some("Microsoft-Windows-Sysmon/Operational"));
        assert_eq!(text(&r, "Image").as_deref(), Some("C:\\Windows\\System32\\cmd.exe"));
        assert_eq!(
            text(&r, "winlog.event_data.Image").as_deref(),
            Some("C:\\Windows\\System32\\cmd.exe")
        );
        assert_eq!(text(&r, "EventData.Image").as_deref(), Some("C:\\Windows\\System32\\cmd.exe"));
        assert_eq!(text(&r, "Computer").as_deref(), Some("MXS01"));
        assert_eq!(text(&r, "host.name").as_deref(), Some("MXS01"));
        assert_eq!(text(&r, "Message").as_deref(), Some("Process Create"));
        assert_eq!(r.record_id(), 42);
        assert!(r.timestamp().is_some());
    }

    #[test]
    fn flat_otrf_and_nxlog_shapes() {
        let mut r = rec(
            r##"{"SourceName":"MSExchange CmdletLogs","Channel":"MSExchange Management","Hostname":"MXS01.azsentinel.local","TimeCreated":"2021-03-14T01:40:12.987Z","EventID":1,"Message":"Cmdlet suceeded. Cmdlet Set-OabVirtualDirectory"}"##,
        );
        r.index = 7;
        assert_eq!(text(&r, "Provider_Name").as_deref(), Some("MSExchange CmdletLogs"));
        assert_eq!(text(&r, "Computer").as_deref(), Some("MXS01.azsentinel.local"));
        assert_eq!(
            text(&r, "Data").as_deref(),
            Some("Cmdlet suceeded. Cmdlet Set-OabVirtualDirectory")
        );
        assert_eq!(r.record_id(), 7);
        let r = rec(
            r##"{"EventTime":"2021-03-14 01:40:12","Hostname":"h","EventID":4688,"SourceName":"Microsoft-Windows-Security-Auditing","RecordNumber":99,"Channel":"Security","NewProcessName":"C:\\x.exe"}"##,
        );
        assert_eq!(r.record_id(), 99);
        assert_eq!(text(&r, "NewProcessName").as_deref(), Some("C:\\x.exe"));
        assert!(r.timestamp().is_some());
    }

    #[test]
    fn named_data_array() {
        let r = rec(
            r##"{"Event":{"System":{"EventID":4688,"Channel":"Security"},"EventData":{"Data":[{"@Name":"NewProcessName","#text":"C:\\cmd.exe"},{"@Name":"ParentProcessName","#text":"C:\\w3wp.exe"}]}}}"##,
        );
        assert_eq!(text(&r, "NewProcessName").as_deref(), Some("C:\\cmd.exe"));
        assert_eq!(text(&r, "ParentProcessName").as_deref(), Some("C:\\w3wp.exe"));
        assert!(r.field("Name").is_none());
    }

    #[test]
    fn etw_without_channel() {
        let r = rec(
            r##"{"Event":{"System":{"EventID":6,"Channel":null,"Computer":"L"},"EventData":{"Endpoint":"lsasspirpc"}}}"##,
        );
        assert_eq!(r.channel(), None);
        assert_eq!(r.event_id(), Some(6));
        assert_eq!(text(&r, "Endpoint").as_deref(), Some("lsasspirpc"));
    }
}
