//! The record abstraction matchers see: fields by name, whatever the format.

use chrono::{DateTime, Utc};
use std::borrow::Cow;

/// A field value as a matcher sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// The field exists with a null / empty-element value.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer (e.g. large EVTX numbers).
    UInt(u64),
    /// A floating-point number.
    Float(f64),
    /// Text (borrowed from the record when possible).
    Str(Cow<'a, str>),
}

impl Value<'_> {
    /// The value as text (numbers in decimal, `null` as empty).
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            Value::Null => Cow::Borrowed(""),
            Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Value::Int(i) => Cow::Owned(i.to_string()),
            Value::UInt(u) => Cow::Owned(u.to_string()),
            Value::Float(f) => Cow::Owned(f.to_string()),
            Value::Str(s) => Cow::Borrowed(s.as_ref()),
        }
    }

    /// The value as a number, when it is one or is text that parses as one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::UInt(u) => Some(*u as f64),
            Value::Float(f) => Some(*f),
            Value::Str(s) => s.trim().parse().ok(),
            Value::Bool(_) | Value::Null => None,
        }
    }
}

/// A record (event, log line) whose fields can be read by name. Implemented by
/// every reader in `vigie-source`; used by `vigie-sigma` and the log rules,
/// which therefore never know the file format.
pub trait Event {
    /// The value of `name`, if the record has that field. Names are the
    /// format's own (`EventID`, `Image`, `cs-uri-stem`); lookup should be exact
    /// first and then case-insensitive.
    fn field(&self, name: &str) -> Option<Value<'_>>;

    /// Every field, for keyword searches and evidence. The callback gets the
    /// field name and its value; list fields are reported once per element.
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>));

    /// The record's time, when it has one.
    fn timestamp(&self) -> Option<DateTime<Utc>>;

    /// The channel (EVTX) or log kind, used to route rules by log source.
    fn channel(&self) -> Option<Cow<'_, str>> {
        self.field("Channel").map(|v| Cow::Owned(v.as_text().into_owned()))
    }

    /// The event id, when the record has one.
    fn event_id(&self) -> Option<u32> {
        self.field("EventID").and_then(|v| v.as_f64()).map(|n| n as u32)
    }
}
