//! Shared helpers for the integration tests: where the corpora are, and a
//! test-only EVTX adapter (the `evtx` crate's JSON flattened into a
//! [`MapEvent`]) until `vigie-source`'s reader is wired in.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use vigie_sigma::{MapEvent, SetOptions, SigmaCompiler, SigmaRules};

/// The shared corpora, or `None` (with a message) when absent. Panics under
/// `CI=true`, where the corpora must be present.
pub fn corpora() -> Option<PathBuf> {
    let dir = std::env::var_os("VIGIE_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"));
    if dir.join("sigma").is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("corpora not found at {} (set VIGIE_CORPORA)", dir.display());
    }
    eprintln!("SKIPPED: corpora not found at {} (set VIGIE_CORPORA)", dir.display());
    None
}

/// Compile one directory as an external set.
pub fn load(dir: &Path, name: &str) -> SigmaRules {
    let mut c = SigmaCompiler::new();
    c.add_dir(dir, SetOptions::external(name)).expect("rule directory readable");
    c.build()
}

fn leaf_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(a) => {
            Some(a.iter().filter_map(leaf_text).collect::<Vec<_>>().join("\n"))
        }
        serde_json::Value::Object(o) => match o.get("#text") {
            Some(t) => leaf_text(t),
            None => Some(String::new()),
        },
        other => Some(other.to_string()),
    }
}

fn flatten(ev: &mut MapEvent, obj: &serde_json::Map<String, serde_json::Value>) {
    for (k, v) in obj {
        if k == "#attributes" {
            continue;
        }
        match v {
            serde_json::Value::Object(o) if !o.contains_key("#text") => {
                if o.keys().all(|k| k == "#attributes") {
                    ev.set(k, Some(String::new()));
                } else {
                    flatten(ev, o);
                }
            }
            _ => ev.set(k, leaf_text(v)),
        }
    }
}

/// Flatten one record's JSON: `Event.EventData.*`, `Event.UserData.*.*`,
/// then `Event.System.*` (which wins); `Provider_Name` from the provider's
/// attributes.
pub fn to_event(data: &serde_json::Value, millis: i64) -> MapEvent {
    let mut ev = MapEvent::new();
    let root = data.get("Event").unwrap_or(data);
    // EventData/UserData first: System fields win over same-named data
    // fields (`UserData.LogFileCleared.Channel`), as in vigie-source.
    for part in ["EventData", "UserData"] {
        match root.get(part) {
            Some(serde_json::Value::Object(o)) => flatten(&mut ev, o),
            Some(v @ serde_json::Value::String(_)) => ev.set("Data", leaf_text(v)),
            _ => {}
        }
    }
    if let Some(sys) = root.get("System").and_then(|s| s.as_object()) {
        for (k, v) in sys {
            match k.as_str() {
                "Provider" => {
                    if let Some(n) = v.pointer("/#attributes/Name").and_then(|n| n.as_str()) {
                        ev.set("Provider_Name", Some(n.to_string()));
                    }
                }
                "TimeCreated" | "Execution" | "Security" | "Correlation" => {}
                _ => ev.set(k, leaf_text(v)),
            }
        }
    }
    if let Some(t) = chrono::DateTime::from_timestamp_millis(millis) {
        ev.set_time(t);
    }
    ev
}

/// Every record of an EVTX file as a [`MapEvent`] (errors counted).
pub fn evtx_events(path: &Path) -> (Vec<MapEvent>, usize) {
    let settings = evtx::ParserSettings::default().num_threads(1);
    let mut parser = match evtx::EvtxParser::from_path(path) {
        Ok(p) => p.with_configuration(settings),
        Err(e) => panic!("cannot open {}: {e}", path.display()),
    };
    let mut out = Vec::new();
    let mut errors = 0;
    for rec in parser.records_json_value() {
        match rec {
            Ok(r) => out.push(to_event(&r.data, r.timestamp.as_millisecond())),
            Err(_) => errors += 1,
        }
    }
    (out, errors)
}

/// A lazy event over the `evtx` crate's JSON (no flattening, no copies):
/// `field(name)` looks in `EventData`, `System` and `UserData.<any>`.
pub struct JsonEvent<'a> {
    system: Option<&'a serde_json::Map<String, serde_json::Value>>,
    data: Option<&'a serde_json::Map<String, serde_json::Value>>,
    user: Option<&'a serde_json::Map<String, serde_json::Value>>,
    millis: i64,
}

impl<'a> JsonEvent<'a> {
    /// Wrap one record's JSON.
    pub fn new(v: &'a serde_json::Value, millis: i64) -> Self {
        let root = v.get("Event").unwrap_or(v);
        let obj = |k: &str| root.get(k).and_then(|x| x.as_object());
        let user = obj("UserData").and_then(|u| u.values().find_map(|x| x.as_object()));
        JsonEvent { system: obj("System"), data: obj("EventData"), user, millis }
    }

    fn conv(v: &'a serde_json::Value) -> vigie_model::Value<'a> {
        use std::borrow::Cow;
        use vigie_model::Value;
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Value::UInt(u),
                (_, Some(i)) => Value::Int(i),
                _ => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) => Value::Str(Cow::Borrowed(s)),
            serde_json::Value::Object(o) => match o.get("#text") {
                Some(t) => Self::conv(t),
                None => Value::Null,
            },
            other => Value::Str(Cow::Owned(leaf_text(other).unwrap_or_default())),
        }
    }
}

impl vigie_model::Event for JsonEvent<'_> {
    fn field(&self, name: &str) -> Option<vigie_model::Value<'_>> {
        if name == "Provider_Name" {
            return self.system?.get("Provider")?.pointer("/#attributes/Name").map(Self::conv);
        }
        [self.data, self.system, self.user]
            .into_iter()
            .flatten()
            .find_map(|m| m.get(name))
            .map(Self::conv)
    }

    fn for_each_field(&self, f: &mut dyn FnMut(&str, vigie_model::Value<'_>)) {
        for m in [self.system, self.data, self.user].into_iter().flatten() {
            for (k, v) in m {
                if !v.is_object() || v.get("#text").is_some() {
                    f(k, Self::conv(v));
                }
            }
        }
    }

    fn timestamp(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::from_timestamp_millis(self.millis)
    }
}
