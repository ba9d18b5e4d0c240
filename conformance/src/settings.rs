//! What every scenario needs to know about the run, read once from the
//! command line.

use std::time::Duration;

use crate::cli::Cli;
use serde_json::json;

use crate::http::{Masker, Request, Response};
use crate::snapshot::Snapshots;

/// The endpoint paths, relative to the base URL.
#[derive(Clone, Debug)]
pub struct Paths {
    pub token: String,
    pub refresh: String,
    pub verify: String,
    pub blacklist: String,
    pub user: String,
}

impl Paths {
    /// The path of an endpoint named in a scenario.
    pub fn of(&self, endpoint: &str) -> Option<&str> {
        Some(match endpoint {
            "token" | "login" => &self.token,
            "refresh" => &self.refresh,
            "verify" => &self.verify,
            "blacklist" => &self.blacklist,
            "user" => &self.user,
            _ => return None,
        })
    }
}

#[derive(Debug)]
pub struct Settings {
    pub paths: Paths,
    pub username: String,
    pub password: String,
    pub username_field: String,
    pub inactive: Option<(String, String)>,
    /// The target's HS256 key, for the @signed scenarios.
    pub signing_key: Option<String>,
    pub strict: bool,
    pub max_wait: Duration,
    pub verbose: bool,
    pub masker: Masker,
    pub snapshots: Snapshots,
}

impl Settings {
    pub fn new(
        cli: &Cli,
        inactive: Option<(String, String)>,
        signing_key: Option<String>,
        snapshots: Snapshots,
    ) -> Settings {
        let path = |p: &str| {
            if p.starts_with('/') {
                p.to_string()
            } else {
                format!("/{p}")
            }
        };
        let mut secrets = vec![cli.password.clone()];
        if let Some((_, password)) = &inactive {
            secrets.push(password.clone());
        }
        secrets.extend(signing_key.clone());
        Settings {
            paths: Paths {
                token: path(&cli.token_path),
                refresh: path(&cli.refresh_path),
                verify: path(&cli.verify_path),
                blacklist: path(&cli.blacklist_path),
                user: path(&cli.user_path),
            },
            username: cli.username.clone(),
            password: cli.password.clone(),
            username_field: cli.username_field.clone(),
            inactive,
            signing_key,
            strict: cli.strict,
            max_wait: cli.max_wait,
            verbose: cli.verbose,
            masker: Masker::new(secrets),
            snapshots,
        }
    }

    /// With `--verbose`, the exchange on stderr, secrets masked.
    pub fn trace(&self, label: &str, request: &Request, response: &Response) {
        if self.verbose {
            eprintln!(
                "[{label}]\n> {}\n< {}",
                self.masker.request(request),
                self.masker.response(response)
            );
        }
    }
}

/// Requests built from the settings, so paths and field names follow the options.
impl Settings {
    pub fn login_request(&self, username: &str, password: &str) -> Request {
        let mut body = serde_json::Map::new();
        body.insert(self.username_field.clone(), json!(username));
        body.insert("password".into(), json!(password));
        self.json_request("POST", &self.paths.token, &serde_json::Value::Object(body))
    }

    pub fn json_request(&self, method: &str, path: &str, body: &serde_json::Value) -> Request {
        Request::json(method, path, body.to_string())
    }
}
