//! A small cursor over untyped JSON that records every problem with its field path.
//!
//! Callers get *all* bad fields of a body in one 422, each named by its path
//! (`household.members[1].id_number`), so the parser never stops at the first error.

use serde::Serialize;
use serde_json::{Map, Value};

/// One bad field of a request body, as shown to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Collects field errors while a body is parsed.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

/// `parent.child`, or just `child` at the root.
pub fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() { child.to_owned() } else { format!("{parent}.{child}") }
}

/// A JSON object being read at `path`; unread keys are reported as unknown.
pub struct Object<'a> {
    pub path: String,
    map: &'a Map<String, Value>,
    allowed: &'static [&'static str],
}

impl<'a> Object<'a> {
    /// Reads `value` as an object with the `allowed` keys; any other key is an error.
    pub fn open(
        value: &'a Value,
        path: &str,
        allowed: &'static [&'static str],
        errors: &mut Errors,
    ) -> Option<Self> {
        let Some(map) = value.as_object() else {
            errors.add(display_path(path), "must be an object");
            return None;
        };
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                errors.add(join(path, key), "unknown field");
            }
        }
        Some(Self { path: path.to_owned(), map, allowed })
    }

    pub fn field_path(&self, key: &str) -> String {
        debug_assert!(self.allowed.contains(&key));
        join(&self.path, key)
    }

    /// The value of `key`, treating JSON `null` as absent.
    pub fn optional(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn required(&self, key: &str, errors: &mut Errors) -> Option<&'a Value> {
        let value = self.optional(key);
        if value.is_none() {
            errors.add(self.field_path(key), "is required");
        }
        value
    }

    pub fn required_str(&self, key: &str, errors: &mut Errors) -> Option<&'a str> {
        let value = self.required(key, errors)?;
        as_str(value, &self.field_path(key), errors)
    }

    pub fn optional_str(&self, key: &str, errors: &mut Errors) -> Option<&'a str> {
        as_str(self.optional(key)?, &self.field_path(key), errors)
    }

    /// A required non-empty string of at most `max` characters.
    pub fn required_text(&self, key: &str, max: usize, errors: &mut Errors) -> Option<String> {
        let text = self.required_str(key, errors)?.trim();
        if text.is_empty() {
            errors.add(self.field_path(key), "must not be empty");
            return None;
        }
        if text.chars().count() > max {
            errors.add(self.field_path(key), format!("must be at most {max} characters"));
            return None;
        }
        Some(text.to_owned())
    }

    pub fn optional_bool(&self, key: &str, errors: &mut Errors) -> Option<bool> {
        let value = self.optional(key)?;
        let flag = value.as_bool();
        if flag.is_none() {
            errors.add(self.field_path(key), "must be true or false");
        }
        flag
    }

    pub fn optional_array(&self, key: &str, errors: &mut Errors) -> Option<&'a Vec<Value>> {
        let value = self.optional(key)?;
        let array = value.as_array();
        if array.is_none() {
            errors.add(self.field_path(key), "must be an array");
        }
        array
    }

    pub fn required_array(&self, key: &str, errors: &mut Errors) -> Option<&'a Vec<Value>> {
        let array = self.optional_array(key, errors);
        if self.optional(key).is_none() {
            errors.add(self.field_path(key), "is required");
        }
        array
    }
}

fn as_str<'a>(value: &'a Value, path: &str, errors: &mut Errors) -> Option<&'a str> {
    let text = value.as_str();
    if text.is_none() {
        errors.add(path, "must be a string");
    }
    text
}

/// The root of a body has no name of its own.
fn display_path(path: &str) -> &str {
    if path.is_empty() { "body" } else { path }
}

/// `path[index]`
pub fn item(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}
