//! [`MapEvent`]: a small map-backed [`Event`], for tests, examples and
//! records that arrive as key/value pairs.

use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::HashMap;
use vigie_model::{Event, Value};

/// An event made of named text fields (a field may be null) and a time.
/// Lookup is exact first, then case-insensitive.
#[derive(Clone, Debug, Default)]
pub struct MapEvent {
    fields: Vec<(String, Option<String>)>,
    index: HashMap<String, usize>,
    time: Option<DateTime<Utc>>,
}

impl MapEvent {
    /// An empty event.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builder form of [`MapEvent::set`].
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.set(name, Some(value.to_string()));
        self
    }

    /// Set `name` to `value` (`None` is a null value), replacing any
    /// previous value.
    pub fn set(&mut self, name: &str, value: Option<String>) {
        match self.index.get(name) {
            Some(&i) => self.fields[i].1 = value,
            None => {
                self.index.insert(name.to_string(), self.fields.len());
                self.fields.push((name.to_string(), value));
            }
        }
    }

    /// Set the event time.
    pub fn set_time(&mut self, time: DateTime<Utc>) {
        self.time = Some(time);
    }

    /// Builder form of [`MapEvent::set_time`].
    pub fn at(mut self, time: DateTime<Utc>) -> Self {
        self.time = Some(time);
        self
    }

    fn value(v: &Option<String>) -> Value<'_> {
        match v {
            Some(s) => Value::Str(Cow::Borrowed(s)),
            None => Value::Null,
        }
    }
}

impl Event for MapEvent {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        if let Some(&i) = self.index.get(name) {
            return Some(Self::value(&self.fields[i].1));
        }
        self.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| Self::value(v))
    }

    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        for (k, v) in &self.fields {
            f(k, Self::value(v));
        }
    }

    fn timestamp(&self) -> Option<DateTime<Utc>> {
        self.time
    }
}
