//! Responses normalised (volatile parts redacted) and compared with
//! snapshots in insta's `.snap` format, by our own code so the installed
//! runner needs neither insta nor the source tree.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jwt_reference_server::Compat;
use serde_json::Value;
use similar::TextDiff;

use crate::http::Response;

/// Headers of the contract; the rest (dates, lengths, servers) vary freely.
const HEADERS: &[&str] = &[
    "content-type",
    "www-authenticate",
    "allow",
    "vary",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "location",
];

/// What to do with each normalised response.
#[derive(Debug)]
pub enum Snapshots {
    /// Compare, and fail the scenario on a difference.
    Enforce {
        origin: String,
        known: HashMap<String, String>,
    },
    /// Compare, and only note the difference (another implementation).
    Inform { known: HashMap<String, String> },
    /// Write every response into the folder, remembering which were written.
    Record {
        dir: PathBuf,
        written: Mutex<HashSet<String>>,
    },
}

/// The outcome of one comparison.
pub enum Compared {
    Same,
    /// Recorded into the folder.
    Written,
    Missing,
    Differs(String),
}

impl Snapshots {
    /// The snapshots shipped inside the binary, recorded from the embedded
    /// reference server in `compat` mode.
    pub fn shipped(compat: Compat) -> HashMap<String, String> {
        let set = match compat {
            Compat::SimpleJwt5 => crate::suite::embedded::SNAPSHOTS_5,
            Compat::SimpleJwt4 => crate::suite::embedded::SNAPSHOTS_4,
        };
        set.iter()
            .map(|(name, text)| (name.trim_end_matches(".snap").to_string(), content_of(text)))
            .collect()
    }

    /// Reads every `.snap` file of `dir`.
    pub fn load(dir: &Path) -> Result<HashMap<String, String>, String> {
        let entries = fs::read_dir(dir)
            .map_err(|e| format!("cannot read the snapshot folder {}: {e}", dir.display()))?;
        let mut known = HashMap::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if let Some(stem) = name.strip_suffix(".snap") {
                let text = fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                known.insert(stem.to_string(), content_of(&text));
            }
        }
        if known.is_empty() {
            return Err(format!("{} holds no .snap files", dir.display()));
        }
        Ok(known)
    }

    /// When recording: how many snapshots this run wrote, and where.
    pub fn recorded(&self) -> Option<(usize, &Path)> {
        let Snapshots::Record { dir, written } = self else {
            return None;
        };
        Some((written.lock().expect("snapshot lock").len(), dir))
    }

    /// When recording: the `.snap` files of the folder this run did not
    /// write (scenarios removed, renamed, skipped or failed), for the user to
    /// delete or keep.
    pub fn not_written(&self) -> Vec<String> {
        let Snapshots::Record { dir, written } = self else {
            return Vec::new();
        };
        let written = written.lock().expect("snapshot lock");
        let mut stale: Vec<String> = fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .filter(|n| {
                n.strip_suffix(".snap")
                    .is_some_and(|stem| !written.contains(stem))
            })
            .collect();
        stale.sort();
        stale
    }

    /// Makes sure `dir` exists and can be written, before the run.
    pub fn prepare_record(dir: &Path) -> Result<(), String> {
        let unwritable = |e: std::io::Error| {
            format!(
                "the snapshot folder {} cannot be written: {e}",
                dir.display()
            )
        };
        fs::create_dir_all(dir).map_err(unwritable)?;
        let probe = dir.join(".jwt-conformance-probe");
        fs::write(&probe, b"").map_err(unwritable)?;
        fs::remove_file(&probe).map_err(unwritable)
    }

    pub fn compare(&self, name: &str, source: &str, expression: &str, actual: &str) -> Compared {
        let known = match self {
            Snapshots::Record { dir, written } => {
                written
                    .lock()
                    .expect("snapshot lock")
                    .insert(name.to_string());
                let text = format!(
                    "---\nsource: {source}\nexpression: {}\n---\n{actual}\n",
                    Value::String(expression.into())
                );
                let path = dir.join(format!("{name}.snap"));
                return match fs::write(&path, text) {
                    Ok(()) => Compared::Written,
                    Err(e) => Compared::Differs(format!("cannot write {}: {e}", path.display())),
                };
            }
            Snapshots::Enforce { known, .. } | Snapshots::Inform { known } => known,
        };
        match known.get(name) {
            None => Compared::Missing,
            Some(expected) if expected.trim_end() == actual.trim_end() => Compared::Same,
            Some(expected) => Compared::Differs(diff(expected, actual)),
        }
    }

    /// Where the enforced snapshots come from, when they are enforced.
    pub fn enforced(&self) -> Option<&str> {
        match self {
            Snapshots::Enforce { origin, .. } => Some(origin),
            _ => None,
        }
    }
}

/// The text after the `.snap` metadata block.
fn content_of(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(text.as_str(), |(_, content)| content);
    body.trim_end().to_string()
}

fn diff(expected: &str, actual: &str) -> String {
    let expected = format!("{}\n", expected.trim_end());
    let actual = format!("{}\n", actual.trim_end());
    TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .context_radius(3)
        .header("snapshot", "this answer")
        .to_string()
}

/// The response with everything volatile redacted, as snapshot text.
pub fn normalise(response: &Response, username_field: &str) -> String {
    let mut out = format!("status: {}\nheaders:\n", response.status);
    let mut headers: Vec<(&str, &str)> = response
        .headers
        .iter()
        .filter(|(n, _)| HEADERS.contains(&n.as_str()))
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    headers.sort();
    for (name, value) in headers {
        out.push_str(&format!("  {name}: {value}\n"));
    }
    match &response.json {
        Some(json) => {
            let redacted = redact(json, None, username_field);
            let pretty = serde_json::to_string_pretty(&redacted).expect("JSON values serialise");
            out.push_str("body: |\n");
            for line in pretty.lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
        None if response.text.is_empty() => out.push_str("body: none\n"),
        None => {
            let text = crate::http::shorten(response.text.trim(), 200);
            out.push_str(&format!("body text: {}\n", Value::String(text)));
        }
    }
    out
}

fn redact(value: &Value, key: Option<&str>, username_field: &str) -> Value {
    match (key, value) {
        (Some("access" | "refresh" | "token"), Value::String(_)) => "[token]".into(),
        (Some("id" | "user_id"), Value::Number(_) | Value::String(_)) => "[id]".into(),
        (Some("exp" | "iat" | "nbf"), Value::Number(_)) => "[timestamp]".into(),
        (Some("jti"), Value::String(_)) => "[jti]".into(),
        (Some(k), Value::String(_)) if k == "username" || k == username_field => {
            "[username]".into()
        }
        (_, Value::Object(map)) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), redact(v, Some(k), username_field)))
                .collect(),
        ),
        (_, Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|v| redact(v, None, username_field))
                .collect(),
        ),
        (_, Value::String(s)) => crate::http::Masker::default().mask(s).into(),
        _ => value.clone(),
    }
}

/// A file-name-safe form of a scenario's name.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_tokens_ids_and_names() {
        let response = Response {
            status: 200,
            headers: vec![
                ("date".into(), "Fri".into()),
                ("content-type".into(), "application/json".into()),
            ],
            text: String::new(),
            json: Some(serde_json::json!({"id": 7, "username": "carol", "access": "x.y.z"})),
        };
        let text = normalise(&response, "username");
        assert!(text.contains("\"[id]\"") && text.contains("\"[username]\""));
        assert!(text.contains("\"[token]\"") && !text.contains("date"));
    }

    #[test]
    fn reads_the_content_after_the_metadata() {
        let snap = "---\nsource: a\nexpression: \"b\"\n---\nstatus: 200\n";
        assert_eq!(content_of(snap), "status: 200");
    }
}
