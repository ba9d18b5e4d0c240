//! The cucumber World: one per scenario, holding its tokens and the last
//! exchange, with the verbs the steps are written in.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use cucumber::World;

use crate::http::{self, Request, Response};
use crate::jwt::{Jwt, now_secs};
use crate::settings::Settings;
use crate::snapshot::{self, Compared};
use crate::suite::{INCONCLUSIVE_PREFIX, OVER_MAX_WAIT_PREFIX, over_max_wait};
use crate::target::{Embedded, Target};
use crate::verdict::{Level, Notes};

/// A token this close to its `exp` (seconds) is replaced before it is sent.
const FRESH_MARGIN: f64 = 1.0;
/// A 401 for a token this close to its `exp` (seconds) may be expiry seen by
/// a clock slightly ahead of ours: the step retries once with a fresh token.
const CLOCK_SLACK: f64 = 1.0;
/// How long after `exp` an expiry wait ends, so clocks a second apart agree.
pub const EXPIRY_MARGIN: f64 = 1.5;

/// Everything shared by all scenarios of the run.
pub struct Context {
    pub settings: Settings,
    pub main: Target,
    /// The rotating embedded server; `None` against a base URL.
    pub rotation: Option<Target>,
    /// The embedded servers themselves, whose accounts some scenarios change.
    pub embedded: Option<Embedded>,
    pub notes: Mutex<HashMap<ScenarioKey, Notes>>,
    /// Logins in flight at once, at most [`LOGINS_AT_ONCE`].
    pub logins: tokio::sync::Semaphore,
}

/// How many logins the runner sends at once.
pub const LOGINS_AT_ONCE: usize = 4;

/// A scenario's place: feature path and line.
pub type ScenarioKey = (String, usize);

static CONTEXT: OnceLock<Arc<Context>> = OnceLock::new();

/// Installs the run's context; the Worlds read it when created.
pub fn install(context: Context) -> Arc<Context> {
    let context = Arc::new(context);
    if CONTEXT.set(context.clone()).is_err() {
        panic!("the runner runs once per process");
    }
    context
}

/// One request and its answer, with the tokens it carried.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub request: Request,
    pub response: Response,
    pub used: HashMap<String, Jwt>,
}

#[derive(World)]
#[world(init = Self::new)]
pub struct ApiWorld {
    pub ctx: Arc<Context>,
    /// Which target this scenario talks to (the rotating one for `@rotation`).
    pub rotating: bool,
    pub key: ScenarioKey,
    pub scenario: String,
    /// The access and refresh tokens kept fresh: renewed by logging in again.
    pub live: Option<(Jwt, Jwt)>,
    /// The live access token came from a refresh, so a renewal refreshes
    /// too: a check of a refreshed token must not pass on a login's token.
    pub live_refreshed: bool,
    /// Tokens set aside (expired, blacklisted, replaced): sent as they are.
    pub kept: HashMap<String, Jwt>,
    /// Access tokens of every login in this scenario.
    pub logins: Vec<Jwt>,
    /// `jti` of every token received.
    pub jtis: Vec<String>,
    pub last: Option<Exchange>,
    pub notes: Notes,
    pub snapshots: Vec<(String, String, String)>,
}

impl fmt::Debug for ApiWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiWorld")
            .field("scenario", &self.scenario)
            .finish_non_exhaustive()
    }
}

impl ApiWorld {
    fn new() -> ApiWorld {
        let ctx = CONTEXT
            .get()
            .expect("the context is installed first")
            .clone();
        ApiWorld {
            ctx,
            rotating: false,
            key: (String::new(), 0),
            scenario: String::new(),
            live: None,
            live_refreshed: false,
            kept: HashMap::new(),
            logins: Vec::new(),
            jtis: Vec::new(),
            last: None,
            notes: Notes::default(),
            snapshots: Vec::new(),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.ctx.settings
    }

    /// The time on the target's clock, as far as its `Date` header tells.
    pub fn target_now(&self) -> f64 {
        now_secs() + self.target().detected.clock_offset
    }

    pub fn target(&self) -> &Target {
        match (&self.ctx.rotation, self.rotating) {
            (Some(rotation), true) => rotation,
            _ => &self.ctx.main,
        }
    }

    pub fn last(&self) -> &Exchange {
        self.last
            .as_ref()
            .expect("the scenario checks an answer before sending a request")
    }

    pub fn response(&self) -> &Response {
        &self.last().response
    }

    /// Records the outcome of one check at `level`.
    pub fn check(&mut self, level: Level, ok: bool, expected: &str, actual: &str) {
        if ok {
            return;
        }
        let exchange = self
            .last
            .as_ref()
            .map(|e| self.describe(e))
            .unwrap_or_default();
        // A target may answer megabytes; the exchange below shows the start.
        let actual = http::shorten(actual, 600);
        let message = self.settings().masker.mask(&format!(
            "expected: {expected}\n  actual: {actual}{exchange}"
        ));
        if level == Level::Required || self.settings().strict {
            let prefix = if level == Level::Recommended {
                "(recommended, --strict) "
            } else {
                ""
            };
            panic!("{prefix}{message}");
        }
        self.notes.warnings.push(message);
    }

    /// Fails the scenario outright, for what the run cannot go on without.
    pub fn fail(&self, message: &str) -> ! {
        let exchange = self
            .last
            .as_ref()
            .map(|e| self.describe(e))
            .unwrap_or_default();
        panic!(
            "{}",
            self.settings().masker.mask(&format!("{message}{exchange}"))
        )
    }

    fn describe(&self, exchange: &Exchange) -> String {
        let masker = &self.settings().masker;
        format!(
            "\n request: {}\nresponse: {}",
            masker.request(&exchange.request),
            masker.response(&exchange.response)
        )
    }

    /// The access and refresh tokens, renewed first when close to `exp`.
    async fn fresh_live(&mut self, access_used: bool, refresh_used: bool) -> (Jwt, Jwt) {
        let Some((access, refresh)) = self.live.clone() else {
            panic!("the scenario uses a token before logging in");
        };
        let now = self.target_now();
        let stale = |jwt: &Jwt| jwt.seconds_left(now).is_some_and(|s| s < FRESH_MARGIN);
        if (access_used && stale(&access)) || (refresh_used && stale(&refresh)) {
            self.renew().await;
            return self.live.clone().expect("renewing sets the tokens");
        }
        (access, refresh)
    }

    /// Logs in again, outside the scenario's own record, to replace tokens
    /// that expired on the way; refreshes too when the live access token
    /// came from a refresh, so it is replaced by one of the same kind.
    pub async fn renew(&mut self) {
        let settings = self.settings();
        let request = settings.login_request(&settings.username, &settings.password);
        let response = self.exchange(&request).await;
        let Some((access, refresh)) = tokens_of(&response) else {
            self.give_up(
                request,
                response,
                "logging in again for a fresh token did not give two tokens",
            );
        };
        if !self.live_refreshed {
            self.live = Some((access, refresh));
            return;
        }
        let body = serde_json::json!({ "refresh": refresh.raw });
        let request = self
            .settings()
            .json_request("POST", &self.settings().paths.refresh, &body);
        let response = self.exchange(&request).await;
        let fresh = response.json.as_ref().and_then(|b| b["access"].as_str());
        let Some(fresh) = fresh.filter(|_| response.status == 200) else {
            self.give_up(
                request,
                response,
                "refreshing a fresh login's token again, for a fresh refreshed token, did not give an access token",
            );
        };
        let refresh = tokens_of(&response).map_or(refresh, |(_, rotated)| rotated);
        self.live = Some((Jwt::parse(fresh), refresh));
    }

    /// Fails the scenario with `request` and `response` as the exchange shown.
    fn give_up(&mut self, request: Request, response: Response, message: &str) -> ! {
        self.last = Some(Exchange {
            request,
            response,
            used: HashMap::new(),
        });
        self.fail(message);
    }

    /// Sends one request, failing the scenario on a transport error.
    async fn exchange(&self, request: &Request) -> Response {
        let target = self.target();
        // Logins can be slow (Django hashes passwords for a quarter of a
        // second); queueing them here keeps the wait out of --timeout.
        let is_login = request.method == "POST" && request.path == self.settings().paths.token;
        let _turn = if is_login {
            Some(
                self.ctx
                    .logins
                    .acquire()
                    .await
                    .expect("the semaphore stays open"),
            )
        } else {
            None
        };
        match http::send(&target.client, &target.base_url, request).await {
            Ok(response) => {
                self.settings().trace(&self.scenario, request, &response);
                response
            }
            Err(err) => panic!(
                "{} {} got no answer: {err}",
                request.method,
                self.settings().masker.mask(&request.path)
            ),
        }
    }

    /// Sends `template` with its placeholders filled in; applies the
    /// login-again-and-retry-once rule for live tokens; checks what every
    /// answer must satisfy, and keeps the answer for the next checks.
    pub async fn send(&mut self, template: Request) -> &Response {
        let (request, used, uses_live) = self.fill(&template).await;
        let mut response = self.exchange(&request).await;
        let mut request = request;
        let mut used = used;
        if response.status == 401 && uses_live && self.expired_in_flight(&used) {
            self.notes.info.push(format!(
                "{} {}: a token expired in flight; retried once with fresh tokens",
                request.method, request.path
            ));
            self.renew().await;
            (request, used, _) = self.fill(&template).await;
            response = self.exchange(&request).await;
            if response.status == 401 && self.expired_in_flight(&used) {
                // A 401 for a token that had expired says nothing about the
                // target: the scenario cannot be judged, in either direction.
                let why = format!(
                    "{} {} was answered only after its fresh token had expired, twice: \
                     the target's logins and answers take longer than its token lifetimes allow \
                     (longer lifetimes or a lower --concurrency help)",
                    request.method, request.path
                );
                if self.settings().strict {
                    // --strict asks for a verdict on every scenario it runs.
                    self.give_up(request, response, &format!("(--strict) not judged: {why}"));
                }
                // Not a failure, but not a pass either: a warning, counted.
                self.notes
                    .warnings
                    .push("this scenario could not be judged (inconclusive)".into());
                panic!("{INCONCLUSIVE_PREFIX}{why}");
            }
        }
        self.adopt_jtis(&response);
        let exchange = Exchange {
            request,
            response,
            used,
        };
        self.last = Some(exchange);
        self.always_checks();
        self.take_snapshot();
        &self.last().response
    }

    /// Whether a live token of this request had passed its `exp` by the time
    /// the answer arrived. Only live tokens count: one set aside (expired,
    /// blacklisted) is sent as it is on purpose, and its refusal must stand.
    fn expired_in_flight(&self, used: &HashMap<String, Jwt>) -> bool {
        used.iter()
            .filter(|(base, _)| *base == "access" || *base == "refresh")
            .any(|(_, jwt)| {
                jwt.exp()
                    .is_some_and(|exp| (exp as f64) <= self.target_now() + CLOCK_SLACK)
            })
    }

    /// Fills `{placeholders}` in the path, headers and body.
    async fn fill(&mut self, template: &Request) -> (Request, HashMap<String, Jwt>, bool) {
        let mut texts: Vec<&str> = vec![&template.path];
        texts.extend(template.headers.iter().map(|(_, v)| v.as_str()));
        texts.extend(template.body.as_deref());
        let names: Vec<String> = texts.iter().flat_map(|t| placeholders(t)).collect();
        let uses = |base: &str| names.iter().any(|n| n.split(':').next() == Some(base));
        let (access_used, refresh_used) = (uses("access"), uses("refresh"));
        let uses_live = access_used || refresh_used;
        let live = if uses_live {
            Some(self.fresh_live(access_used, refresh_used).await)
        } else {
            None
        };
        let mut values = HashMap::new();
        let mut used = HashMap::new();
        for name in names {
            let value = self.placeholder(&name, live.as_ref(), &mut used);
            values.insert(name, value);
        }
        let sub = |text: &str| {
            let mut out = text.to_string();
            for (name, value) in &values {
                out = out.replace(&format!("{{{name}}}"), value);
            }
            out
        };
        let request = Request {
            method: template.method.clone(),
            path: sub(&template.path),
            headers: template
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), sub(v)))
                .collect(),
            body: template.body.as_deref().map(|body| {
                let mut out = body.to_string();
                for (name, value) in &values {
                    out = out.replace(&format!("{{{name}}}"), &encode_for(template, value));
                }
                out
            }),
        };
        (request, used, uses_live)
    }

    fn placeholder(
        &self,
        name: &str,
        live: Option<&(Jwt, Jwt)>,
        used: &mut HashMap<String, Jwt>,
    ) -> String {
        let settings = self.settings();
        let inactive = settings.inactive.as_ref();
        match name {
            "username" => return settings.username.clone(),
            "password" => return settings.password.clone(),
            "username_field" => return settings.username_field.clone(),
            "inactive_username" => {
                return inactive
                    .map(|i| i.0.clone())
                    .expect("skipped without an inactive account");
            }
            "inactive_password" => {
                return inactive
                    .map(|i| i.1.clone())
                    .expect("skipped without an inactive account");
            }
            _ => {}
        }
        let (base, kind) = match name.split_once(':') {
            Some((base, kind)) => (base, Some(kind)),
            None => (name, None),
        };
        let token = match (base, live) {
            ("access", Some((access, _))) => access.clone(),
            ("refresh", Some((_, refresh))) => refresh.clone(),
            _ => match self.kept.get(base) {
                Some(token) => token.clone(),
                None => panic!("the scenario names {{{name}}}, which it never set"),
            },
        };
        used.insert(base.to_string(), token.clone());
        match kind {
            None => token.raw,
            Some(kind) if kind.starts_with("signed ") => {
                let Some(key) = &settings.signing_key else {
                    panic!("the scenario forges a signed token without --signing-key");
                };
                let kind = &kind["signed ".len()..];
                let now = self.target_now();
                crate::jwt::forge_signed(kind, &token, key.as_bytes(), now).unwrap_or_else(|| {
                    self.fail(&format!(
                        "cannot sign a token {kind:?}: unknown kind, or the {base} token is not a readable JWT"
                    ))
                })
            }
            Some(kind) => {
                let other = live.map(|(access, refresh)| {
                    if base == "refresh" {
                        access.clone()
                    } else {
                        refresh.clone()
                    }
                });
                crate::jwt::forge(kind, &token, other.as_ref()).unwrap_or_else(|| {
                    self.fail(&format!(
                        "cannot make a {kind:?} token from the {base} token: it is not a readable JWT"
                    ))
                })
            }
        }
    }

    fn adopt_jtis(&mut self, response: &Response) {
        let Some(body) = response.json.as_ref().and_then(|b| b.as_object()) else {
            return;
        };
        if response.status != 200 {
            return;
        }
        for key in ["access", "refresh"] {
            if let Some(jti) = body.get(key).and_then(|t| t.as_str()).and_then(|t| {
                Jwt::parse(t)
                    .claim("jti")
                    .and_then(|j| j.as_str())
                    .map(String::from)
            }) {
                self.jtis.push(jti);
            }
        }
    }

    /// What the contract requires of every answer: never a server error, and
    /// a JSON media type on every JSON body.
    fn always_checks(&mut self) {
        let response = self.response().clone();
        self.check(
            Level::Required,
            response.status < 500,
            "no server error, whatever the request",
            &format!("status {}", response.status),
        );
        if response.json.is_some() && !response.text.trim().is_empty() {
            let media = response.media_type();
            self.check(
                Level::Required,
                media.as_deref() == Some("application/json"),
                "a JSON body labelled application/json",
                &format!(
                    "Content-Type {:?}",
                    response.header("content-type").unwrap_or("")
                ),
            );
        }
    }

    fn take_snapshot(&mut self) {
        let exchange = self.last();
        let name = format!(
            "{}__{}__{:02}",
            snapshot::slug(
                self.key
                    .0
                    .trim_start_matches("features/")
                    .trim_end_matches(".feature")
            ),
            snapshot::slug(&self.scenario),
            self.snapshots.len() + 1
        );
        let expression = format!(
            "{}: {} {}",
            self.scenario, exchange.request.method, exchange.request.path
        );
        let text = snapshot::normalise(&exchange.response, &self.settings().username_field);
        // A target may echo the password back; snapshots get committed.
        let text = self.settings().masker.hide_secrets(&text);
        self.snapshots.push((name, expression, text));
    }

    /// Compares this scenario's answers with the snapshots, after its steps.
    pub fn compare_snapshots(&mut self) -> Vec<String> {
        let mut failures = Vec::new();
        let snapshots = &self.ctx.settings.snapshots;
        let enforced = snapshots.enforced();
        for (name, expression, text) in &self.snapshots {
            match (snapshots.compare(name, &self.key.0, expression, text), enforced) {
                (Compared::Same | Compared::Written, _) => {}
                (Compared::Missing, Some(origin)) => failures.push(format!(
                    "no snapshot {name}.snap in {origin} for {expression} (record one with --update-snapshots)"
                )),
                (Compared::Missing, None) => {}
                (Compared::Differs(diff), Some(origin)) => failures.push(format!(
                    "{expression} differs from snapshot {name}.snap in {origin}:\n{diff}"
                )),
                (Compared::Differs(diff), None) => self.notes.info.push(format!(
                    "{expression} differs from the reference here:\n{diff}"
                )),
            }
        }
        failures
    }

    /// Logs in with `username`/`password` and, on 200, makes the tokens live.
    pub async fn log_in_as(&mut self, username: &str, password: &str) {
        let request = self.settings().login_request(username, password);
        let response = self.send(request).await.clone();
        if let Some(pair) = tokens_of(&response) {
            self.logins.push(pair.0.clone());
            self.live = Some(pair);
            self.live_refreshed = false;
        }
    }

    /// The live tokens, failing the scenario when there are none.
    pub fn live(&self) -> &(Jwt, Jwt) {
        match &self.live {
            Some(live) => live,
            None => self.fail("logging in did not give two tokens"),
        }
    }

    /// Waits until `jwt` has expired (its `exp` plus a margin), showing
    /// progress on stderr.
    pub async fn wait_for_expiry(&self, what: &str, jwt: &Jwt) {
        let Some(exp) = jwt.exp() else {
            self.fail(&format!("the {what} token has no integer exp to wait for"));
        };
        let until = exp as f64 + EXPIRY_MARGIN;
        let total = until - self.target_now();
        let max_wait = self.settings().max_wait;
        if total > max_wait.as_secs_f64() {
            // The first login promised a shorter wait; the scenario is skipped
            // as it would have been had that login shown this one.
            panic!(
                "{OVER_MAX_WAIT_PREFIX}{}",
                over_max_wait(what, total, max_wait)
            );
        }
        loop {
            let left = until - self.target_now();
            if left <= 0.0 {
                break;
            }
            eprintln!(
                "waiting {left:.1}s for the {what} token of \"{}\" to expire",
                self.scenario
            );
            tokio::time::sleep(Duration::from_secs_f64(left.min(5.0))).await;
        }
    }
}

/// `value` written so it stays one value inside the body of `request`: JSON
/// string escapes for JSON, percent-encoding for forms, as it is otherwise.
fn encode_for(request: &Request, value: &str) -> String {
    let content_type = request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    if content_type.starts_with("application/json") {
        http::json_escape(value)
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        http::form_encode(value)
    } else {
        value.to_string()
    }
}

/// `{name}` placeholders in `text`.
fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end)
                if after[..end]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_: -,".contains(c))
                    && !after[..end].is_empty() =>
            {
                out.push(after[..end].to_string());
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// The two tokens of a login (or rotating refresh) answer.
pub fn tokens_of(response: &Response) -> Option<(Jwt, Jwt)> {
    if response.status != 200 {
        return None;
    }
    let body = response.json.as_ref()?;
    let access = Jwt::parse(body.get("access")?.as_str()?);
    let refresh = Jwt::parse(body.get("refresh")?.as_str()?);
    Some((access, refresh))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_values_are_escaped_for_their_body() {
        let json = Request {
            headers: vec![("Content-Type".into(), "application/json".into())],
            ..Request::default()
        };
        assert_eq!(encode_for(&json, r#"a"b\c"#), r#"a\"b\\c"#);
        let form = Request {
            headers: vec![(
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            ..Request::default()
        };
        assert_eq!(encode_for(&form, "a&b c+"), "a%26b%20c%2B");
    }

    #[test]
    fn finds_placeholders_but_not_json_braces() {
        let found = placeholders(r#"{"refresh": "{refresh}", "x": "{access:alg none}"}"#);
        assert_eq!(found, vec!["refresh", "access:alg none"]);
    }
}
