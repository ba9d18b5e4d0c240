//! The implementation under test: the embedded reference servers, or a base
//! URL; and what the runner learns about it before any scenario runs.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use jwt_reference_server::{Compat, Config, Keys, Server, User};
use serde_json::json;

use crate::cli::Cli;
use crate::http::{self, Request, Response, SendError};
use crate::jwt::{Jwt, now_secs};
use crate::settings::Settings;
use crate::world::tokens_of;

/// The inactive account of the embedded server.
pub const EMBEDDED_INACTIVE: (&str, &str) = ("bob", "Bb12345678");
/// Accounts of the embedded server that one scenario each deactivates or
/// deletes: (id, name, password).
pub const SPARE_ACCOUNTS: &[(i64, &str, &str)] =
    &[(3, "carol", "Cc12345678"), (4, "dave", "Dd12345678")];
/// Token lifetimes of the embedded servers: short, so expiry is seen quickly.
const EMBEDDED_ACCESS_TTL: Duration = Duration::from_secs(2);
const EMBEDDED_REFRESH_TTL: Duration = Duration::from_secs(6);

/// One server the scenarios talk to.
pub struct Target {
    pub label: &'static str,
    pub base_url: String,
    pub client: reqwest::Client,
    pub detected: Detected,
}

/// The optional features found, and the lifetimes seen, before the run.
#[derive(Clone, Debug)]
pub struct Detected {
    /// The first login answered 200 with two readable tokens.
    pub login_ok: bool,
    pub verify: bool,
    pub blacklist: bool,
    pub rotation: bool,
    pub blacklist_after_rotation: bool,
    pub access_lifetime: Option<f64>,
    /// How long the first login took to answer.
    pub login_seconds: Option<f64>,
    /// The refresh endpoint answered 404: its path is wrong (refresh is not optional).
    pub refresh_missing: bool,
    pub refresh_lifetime: Option<f64>,
    /// The target's clock minus ours, in seconds, from its `Date` header;
    /// zero when within a second (the header's resolution).
    pub clock_offset: f64,
    /// The SimpleJWT generation the tokens look like: 4.x issues no `iat`.
    pub generation: Compat,
}

/// Scenarios run at once unless --concurrency says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 16;

impl Detected {
    /// Fewer scenarios at once when logins are slow for the access lifetime:
    /// every scenario logs in, requests queue at the target, and a token that
    /// expires in the queue proves nothing. A third of the lifetime per login
    /// and scenario keeps a fresh token usable.
    pub fn concurrency(&self) -> usize {
        match (self.login_seconds, self.access_lifetime) {
            (Some(login), Some(lifetime)) if login > 0.0 && lifetime > 0.0 => {
                ((lifetime / (3.0 * login)).floor() as usize).clamp(1, DEFAULT_CONCURRENCY)
            }
            _ => DEFAULT_CONCURRENCY,
        }
    }
}

impl Default for Detected {
    /// When nothing could be learnt, everything is assumed present, so the
    /// scenarios run and report what is wrong.
    fn default() -> Detected {
        Detected {
            login_ok: false,
            verify: true,
            blacklist: true,
            rotation: false,
            blacklist_after_rotation: false,
            access_lifetime: None,
            login_seconds: None,
            refresh_missing: false,
            refresh_lifetime: None,
            clock_offset: 0.0,
            generation: Compat::SimpleJwt5,
        }
    }
}

/// Why the run cannot start, with its exit code.
#[derive(Debug)]
pub enum Fatal {
    /// Exit 2: the options or the credentials are wrong.
    Config(String),
    /// Exit 3: the target cannot be reached or does not speak HTTP.
    Unreachable(String),
}

impl Fatal {
    pub fn exit_code(&self) -> u8 {
        match self {
            Fatal::Config(_) => 2,
            Fatal::Unreachable(_) => 3,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Fatal::Config(m) | Fatal::Unreachable(m) => m,
        }
    }
}

/// The embedded servers, kept alive for the run.
pub struct Embedded {
    pub main: Server,
    pub rotation: Server,
    /// The HS256 key both instances sign with, so the @signed scenarios run.
    pub signing_key: String,
}

/// Starts the reference server twice on loopback: as configured by default,
/// and with rotation and blacklist-after-rotation.
pub async fn start_embedded(compat: Compat) -> Result<Embedded, Fatal> {
    let bind: SocketAddr = "127.0.0.1:0".parse().expect("a valid address");
    let mut random = [0u8; 32];
    getrandom::fill(&mut random)
        .map_err(|e| Fatal::Unreachable(format!("no random source for the embedded key: {e}")))?;
    let signing_key: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let keys = Keys::hmac(jsonwebtoken::Algorithm::HS256, signing_key.as_bytes())
        .map_err(|e| Fatal::Unreachable(format!("the embedded key was refused: {e}")))?;
    let config = || {
        let (name, password) = EMBEDDED_INACTIVE;
        let mut users = Config::default().users;
        users.push(User::new(2, name, password).inactive());
        for &(id, name, password) in SPARE_ACCOUNTS {
            users.push(User::new(id, name, password));
        }
        Config {
            access_ttl: EMBEDDED_ACCESS_TTL,
            refresh_ttl: EMBEDDED_REFRESH_TTL,
            compat,
            users,
            keys: keys.clone(),
            ..Config::default()
        }
    };
    let failed = |e: std::io::Error| {
        Fatal::Unreachable(format!(
            "the embedded reference server failed to start: {e}"
        ))
    };
    let main = Server::start(config(), bind).await.map_err(failed)?;
    let mut rotating = config();
    rotating.rotate_refresh_tokens = true;
    rotating.blacklist_after_rotation = true;
    let rotation = Server::start(rotating, bind).await.map_err(failed)?;
    Ok(Embedded {
        main,
        rotation,
        signing_key,
    })
}

/// Connects to `base_url`, logs in once and detects the optional features.
pub async fn prepare(
    cli: &Cli,
    settings: &Settings,
    label: &'static str,
    base_url: &str,
) -> Result<Target, Fatal> {
    let client = http::client(cli, base_url).map_err(|e| Fatal::Config(e.0))?;
    let login = settings.login_request(&settings.username, &settings.password);
    let deadline = cli.wait_for_target.map(|wait| Instant::now() + wait);
    let mut last_said: Option<Instant> = None;
    let (answer, login_took) = loop {
        let started = Instant::now();
        let waiting = deadline.is_some_and(|d| started < d);
        let not_yet = match http::send(&client, base_url, &login).await {
            // A gateway in front of a server that is still starting.
            Ok(answer) if waiting && matches!(answer.status, 502..=504) => {
                format!("it answered {}", answer.status)
            }
            Ok(answer) => break (answer, started.elapsed()),
            Err(SendError::Connect(m)) if waiting => m,
            Err(err) => {
                return Err(Fatal::Unreachable(format!(
                    "{base_url} cannot be used: {err}"
                )));
            }
        };
        if last_said.is_none_or(|t| t.elapsed() >= Duration::from_secs(5)) {
            let left = deadline.map_or(0, |d| (d - Instant::now()).as_secs());
            eprintln!("waiting for {base_url} ({left}s left): {not_yet}");
            last_said = Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let clock_offset = clock_offset(&answer);
    settings.trace("before the run", &login, &answer);
    match answer.status {
        401 => {
            return Err(Fatal::Config(format!(
                "the target refused the credentials: POST {} as {:?} answered 401 (check --username, --password and --username-field)",
                settings.paths.token, settings.username
            )));
        }
        404 => {
            return Err(Fatal::Config(format!(
                "the token path is wrong: POST {}{} answered 404 (check --base-url and --token-path)",
                base_url.trim_end_matches('/'),
                settings.paths.token
            )));
        }
        _ => {}
    }
    let mut detected = match tokens_of(&answer) {
        Some((access, refresh)) => {
            detect(&client, settings, base_url, &access, &refresh, clock_offset)
                .await
                .map_err(|e| Fatal::Unreachable(format!("{base_url} stopped answering: {e}")))?
        }
        None => Detected {
            clock_offset,
            ..Detected::default()
        },
    };
    detected.login_seconds = Some(login_took.as_secs_f64());
    if detected.refresh_missing {
        return Err(Fatal::Config(format!(
            "the refresh path is wrong: POST {}{} answered 404 (check --base-url and --refresh-path)",
            base_url.trim_end_matches('/'),
            settings.paths.refresh
        )));
    }
    if let (Some(key), Some((access, _))) = (&settings.signing_key, tokens_of(&answer)) {
        check_key(&client, settings, base_url, &access, key).await?;
    }
    Ok(Target {
        label,
        base_url: base_url.to_string(),
        client,
        detected,
    })
}

/// Proves `key` is the target's: a token re-signed with it must be accepted,
/// or every @signed scenario would pass for the wrong reason.
async fn check_key(
    client: &reqwest::Client,
    settings: &Settings,
    base_url: &str,
    access: &Jwt,
    key: &str,
) -> Result<(), Fatal> {
    let resigned = crate::jwt::forge_signed("as is", access, key.as_bytes(), now_secs())
        .ok_or_else(|| Fatal::Config("the access token from the login is not a readable JWT, so --signing-key cannot be used".into()))?;
    let status = |token: String| async move {
        let request = Request {
            method: "GET".into(),
            path: settings.paths.user.clone(),
            headers: vec![
                ("Authorization".into(), format!("Bearer {token}")),
                ("Accept".into(), "application/json".into()),
            ],
            body: None,
        };
        let answer = http::send(client, base_url, &request)
            .await
            .map_err(|e| Fatal::Unreachable(format!("{base_url} stopped answering: {e}")))?;
        settings.trace("before the run", &request, &answer);
        Ok::<u16, Fatal>(answer.status)
    };
    let resigned_status = status(resigned).await?;
    if resigned_status == 200 {
        return Ok(());
    }
    // Only blame the key if the token as issued is accepted: a target that
    // refuses its own tokens (another scheme, another user id claim) fails
    // the scenarios, which say why.
    let original_status = status(access.raw.clone()).await?;
    if original_status != 200 {
        eprintln!(
            "--signing-key could not be checked: the access token as issued got {original_status} at {} too",
            settings.paths.user
        );
        return Ok(());
    }
    Err(Fatal::Config(format!(
        "--signing-key is not the target's HS256 key: the access token got 200 at {} but the same token re-signed with the key got {resigned_status}",
        settings.paths.user
    )))
}

/// The target's clock minus ours, from the `Date` of `answer` (which is
/// truncated to the second, so half a second is added back). Offsets within
/// a second are noise and count as none.
fn clock_offset(answer: &Response) -> f64 {
    let Some(date) = answer.header("date").and_then(http::http_date) else {
        return 0.0;
    };
    let offset = date as f64 + 0.5 - now_secs();
    if offset.abs() < 1.0 { 0.0 } else { offset }
}

async fn detect(
    client: &reqwest::Client,
    settings: &Settings,
    base_url: &str,
    access: &Jwt,
    refresh: &Jwt,
    clock_offset: f64,
) -> Result<Detected, SendError> {
    let now = now_secs() + clock_offset;
    let lifetime = |jwt: &Jwt| {
        jwt.exp()
            .map(|exp| exp as f64 - jwt.iat().map_or(now, |i| i as f64))
    };
    let mut detected = Detected {
        login_ok: true,
        access_lifetime: lifetime(access),
        refresh_lifetime: lifetime(refresh),
        clock_offset,
        generation: if access.iat().is_none() {
            Compat::SimpleJwt4
        } else {
            Compat::SimpleJwt5
        },
        ..Detected::default()
    };
    let post = |path: &str, body: serde_json::Value| settings.json_request("POST", path, &body);

    let verify = post(&settings.paths.verify, json!({"token": access.raw}));
    let answer = http::send(client, base_url, &verify).await?;
    settings.trace("before the run", &verify, &answer);
    detected.verify = answer.status != 404;

    let blacklist = post(&settings.paths.blacklist, json!({}));
    let answer = http::send(client, base_url, &blacklist).await?;
    settings.trace("before the run", &blacklist, &answer);
    detected.blacklist = answer.status != 404;

    let refresh_request = post(&settings.paths.refresh, json!({"refresh": refresh.raw}));
    let answer = http::send(client, base_url, &refresh_request).await?;
    settings.trace("before the run", &refresh_request, &answer);
    detected.refresh_missing = answer.status == 404;
    let rotated = answer.status == 200
        && answer
            .json
            .as_ref()
            .and_then(|b| b.get("refresh"))
            .is_some_and(|r| r.is_string());
    detected.rotation = rotated;
    if rotated {
        let again = http::send(client, base_url, &refresh_request).await?;
        settings.trace("before the run", &refresh_request, &again);
        detected.blacklist_after_rotation = again.status == 401;
    }
    Ok(detected)
}

impl Target {
    /// One line for stderr saying what was found.
    pub fn describe(&self) -> String {
        let d = &self.detected;
        let yes = |b: bool| if b { "yes" } else { "no" };
        let secs = |s: Option<f64>| s.map_or("unknown".into(), |s| format!("{s:.0}s"));
        if !d.login_ok {
            return format!(
                "{} target {}: the first login did not give two tokens; running every scenario",
                self.label, self.base_url
            );
        }
        let clock = if d.clock_offset == 0.0 {
            String::new()
        } else {
            format!(
                "; its clock is {:+.0}s from ours, which waits allow for",
                d.clock_offset
            )
        };
        format!(
            "{} target {}: verify {}, blacklist {}, rotation {}, blacklist after rotation {}; access lifetime {}, refresh lifetime {}{clock}",
            self.label,
            self.base_url,
            yes(d.verify),
            yes(d.blacklist),
            yes(d.rotation),
            yes(d.blacklist_after_rotation),
            secs(d.access_lifetime),
            secs(d.refresh_lifetime),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(login: f64, lifetime: f64) -> Detected {
        Detected {
            login_seconds: Some(login),
            access_lifetime: Some(lifetime),
            ..Detected::default()
        }
    }

    #[test]
    fn slow_logins_lower_the_concurrency() {
        assert_eq!(detected(0.02, 2.0).concurrency(), DEFAULT_CONCURRENCY);
        assert_eq!(detected(0.3, 2.0).concurrency(), 2);
        assert_eq!(detected(0.5, 2.0).concurrency(), 1);
        assert_eq!(detected(3.0, 2.0).concurrency(), 1);
        assert_eq!(detected(0.3, 300.0).concurrency(), DEFAULT_CONCURRENCY);
        assert_eq!(Detected::default().concurrency(), DEFAULT_CONCURRENCY);
    }
}
