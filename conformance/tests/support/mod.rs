//! Helpers for the runner's tests: targets started in this process on
//! loopback port 0 (the reference server, or one with a fault put in front of
//! it), and the runner binary run against them.

#![allow(
    dead_code,
    reason = "each test file uses its own share of these helpers"
)]

use std::net::SocketAddr;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jwt_reference_server::{Compat, Config, Keys, User};
use poem::http::{HeaderValue, StatusCode};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, Request, Response};
use serde_json::Value;
use tokio::sync::Mutex;

pub const INACTIVE: (&str, &str) = ("bob", "Bb12345678");
/// The HS256 key of the targets the tests start (test data, not a secret).
pub const SIGNING_KEY: &str = "conformance-tests-signing-key-0123456789";

/// The configuration the tests serve: 2 s access tokens, short refresh
/// tokens, the demo account and an inactive one.
pub fn config(compat: Compat) -> Config {
    let mut users = Config::default().users;
    users.push(User::new(2, INACTIVE.0, INACTIVE.1).inactive());
    Config {
        access_ttl: Duration::from_secs(2),
        refresh_ttl: Duration::from_secs(6),
        compat,
        users,
        keys: Keys::hmac(jsonwebtoken::Algorithm::HS256, SIGNING_KEY.as_bytes())
            .expect("a valid HS256 key"),
        ..Config::default()
    }
}

/// Serves `endpoint` on 127.0.0.1 with a free port until the test ends.
pub async fn serve(endpoint: impl Endpoint + 'static) -> String {
    let (acceptor, url) = bind().await;
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(endpoint));
    url
}

/// A listener on a free loopback port, with its URL.
async fn bind() -> (impl Acceptor + 'static, String) {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("a free loopback port");
    let addr: SocketAddr = *acceptor.local_addr()[0]
        .as_socket_addr()
        .expect("a TCP address");
    (acceptor, format!("http://{addr}"))
}

/// Counts the requests that reach `inner`.
pub struct Counting<E> {
    pub inner: E,
    pub seen: Arc<std::sync::atomic::AtomicUsize>,
}

impl<E: Endpoint> Endpoint for Counting<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        self.seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(self.inner.get_response(req).await)
    }
}

/// Serves `endpoint` like [`serve`] until `stop` fires, then closes.
pub async fn serve_until(
    endpoint: impl Endpoint + 'static,
    stop: tokio::sync::oneshot::Receiver<()>,
) -> String {
    let (acceptor, url) = bind().await;
    let signal = async move {
        let _ = stop.await;
    };
    tokio::spawn(
        poem::Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(
            endpoint,
            signal,
            Some(Duration::from_millis(100)),
        ),
    );
    url
}

/// What a broken target gets wrong.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// 401 answers lose their `WWW-Authenticate` header.
    NoWwwAuthenticate,
    /// 401 answers become 403.
    ForbiddenInsteadOfUnauthorized,
    /// An expired access token still reaches `/api/user/`.
    AcceptsExpiredAccess,
    /// A refresh token is taken as an access token.
    AcceptsRefreshAsAccess,
    /// An access token sent to refresh buys a new access token.
    RefreshAcceptsAccess,
    /// `alg: none` tokens are believed.
    AcceptsAlgNone,
    /// Bad credentials answer 400 instead of 401.
    BadLoginIs400,
    /// The refresh answer calls its token `access_token`.
    WrongRefreshBody,
    /// JSON bodies are labelled `text/html`.
    JsonAsHtml,
    /// `/api/user/` names someone else.
    WrongUser,
    /// A garbage token crashes the server (500).
    GarbageIs500,
    /// A validly signed token whose `exp` is a string crashes the server, as
    /// SimpleJWT 5.4 does.
    StringExpIs500,
    /// `WWW-Authenticate` is `Bearer` without `realm="api"` (a recommendation).
    NoRealm,
    /// `WWW-Authenticate` is `bearer realm="api"`: scheme names are
    /// case-insensitive, so only the recommended exact value is missed.
    LowercaseChallenge,
    /// No verify and no blacklist endpoint (both optional).
    NoOptionalEndpoints,
    /// The target's clock runs 20 s behind the runner's: its tokens and its
    /// `Date` header say so (the server validates with a 20 s leeway, which
    /// amounts to the same clock).
    ClockBehind,
    /// Logging in takes half a second, one login at a time, and the token
    /// is issued before the wait (not a fault: the runner must cope).
    SlowLogin,
    /// `/api/user/` checks a token only after 2.2 s, longer than the access
    /// lifetime: every token has expired when it is judged (not a fault the
    /// runner can judge either way).
    SlowUser,
    /// The first login's access token lives 2 s, every later one a minute
    /// (re-signed): a wait over `--max-wait` shows only while running (not a
    /// fault the runner can judge either way).
    LongerLifetimeLater,
    /// Access tokens from a refresh are refused at `/api/user/`, and refresh
    /// answers arrive when the new token has 0.9 s left, so a runner that
    /// renews it by logging in never sends one.
    RefreshedRefusedLate,
}

/// The reference server with `fault` in front of it.
pub struct Faulty<E> {
    inner: E,
    fault: Fault,
    login_queue: Arc<Mutex<()>>,
    logins: std::sync::atomic::AtomicUsize,
    refreshed: std::sync::Mutex<Vec<String>>,
}

impl<E: Endpoint> Faulty<E> {
    pub fn new(inner: E, fault: Fault) -> Faulty<E> {
        Faulty {
            inner,
            fault,
            login_queue: Arc::new(Mutex::new(())),
            logins: std::sync::atomic::AtomicUsize::new(0),
            refreshed: std::sync::Mutex::new(Vec::new()),
        }
    }
}

/// The payload and header of the Bearer token of `req`, when readable.
fn bearer_claims(req: &Request) -> Option<(Value, Value)> {
    let token = req.header("authorization")?.strip_prefix("Bearer ")?;
    let mut parts = token.split('.');
    let decode = |part: Option<&str>| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part?).ok()?).ok()
    };
    let header = decode(parts.next())?;
    let payload = decode(parts.next())?;
    Some((header, payload))
}

fn json_response(status: StatusCode, body: Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .header("WWW-Authenticate", "Bearer realm=\"api\"")
        .body(body.to_string())
}

fn now_f64() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

/// The payload of a JWT, or `Null` when unreadable.
fn bearer_payload(token: &str) -> Value {
    token
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|p| serde_json::from_slice(&p).ok())
        .unwrap_or_default()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

impl<E: Endpoint> Endpoint for Faulty<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let path = req.uri().path().to_string();
        let is_user = path == "/api/user/";
        let claims = bearer_claims(&req);
        let alice = || {
            json_response(
                StatusCode::OK,
                serde_json::json!({"id": 1, "username": "alice"}),
            )
        };
        let believed = |(header, payload): &(Value, Value)| match self.fault {
            Fault::AcceptsExpiredAccess => {
                payload["token_type"] == "access"
                    && payload["exp"].as_i64().is_some_and(|exp| exp <= now())
            }
            Fault::AcceptsRefreshAsAccess => payload["token_type"] == "refresh",
            Fault::AcceptsAlgNone => header["alg"]
                .as_str()
                .is_some_and(|a| a.eq_ignore_ascii_case("none")),
            _ => false,
        };
        if is_user && claims.as_ref().is_some_and(believed) {
            return Ok(alice());
        }
        let refreshed = claims.as_ref().is_some_and(|(_, payload)| {
            let jti = payload["jti"].as_str().unwrap_or_default();
            self.refreshed.lock().unwrap().iter().any(|r| r == jti)
        });
        if matches!(self.fault, Fault::RefreshedRefusedLate) && is_user && refreshed {
            return Ok(json_response(
                StatusCode::UNAUTHORIZED,
                serde_json::json!({"detail": "Given token not valid for any token type", "code": "token_not_valid"}),
            ));
        }
        let garbage = req.header("authorization") == Some("Bearer garbage");
        if matches!(self.fault, Fault::GarbageIs500) && is_user && garbage {
            return Ok(Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .content_type("text/html")
                .body("<h1>Server Error (500)</h1>"));
        }
        let string_exp = claims.as_ref().is_some_and(|(_, p)| p["exp"].is_string());
        if matches!(self.fault, Fault::StringExpIs500) && is_user && string_exp {
            return Ok(Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .content_type("text/html")
                .body("<h1>Server Error (500)</h1>"));
        }
        let optional = path == "/api/token/verify/" || path == "/api/token/blacklist/";
        if matches!(self.fault, Fault::NoOptionalEndpoints) && optional {
            return Ok(Response::builder()
                .status(StatusCode::NOT_FOUND)
                .content_type("text/html")
                .body("<h1>Not Found</h1>"));
        }
        if matches!(self.fault, Fault::RefreshAcceptsAccess) && path == "/api/token/refresh/" {
            let body = req.take_body().into_bytes().await?;
            let sent: Option<Value> = serde_json::from_slice(&body).ok();
            let token = sent.as_ref().and_then(|b| b["refresh"].as_str());
            let payload = token
                .and_then(|t| t.split('.').nth(1))
                .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
                .and_then(|p| serde_json::from_slice::<Value>(&p).ok());
            if let Some(token) = token
                && payload.is_some_and(|p| p["token_type"] == "access")
            {
                return Ok(json_response(
                    StatusCode::OK,
                    serde_json::json!({"access": token}),
                ));
            }
            req.set_body(body);
        }
        if matches!(self.fault, Fault::SlowUser)
            && path == "/api/user/"
            && req.headers().contains_key("authorization")
        {
            tokio::time::sleep(Duration::from_millis(2200)).await;
        }
        if matches!(self.fault, Fault::SlowLogin) && path == "/api/token/" {
            let _turn = self.login_queue.lock().await;
            let response = self.inner.get_response(req).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            return Ok(response);
        }
        let mut response = self.inner.get_response(req).await;
        if matches!(self.fault, Fault::ClockBehind) {
            return behind(response, &path).await;
        }
        if matches!(self.fault, Fault::RefreshedRefusedLate)
            && path == "/api/token/refresh/"
            && response.status() == StatusCode::OK
        {
            let bytes = response.take_body().into_bytes().await?;
            let body: Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let access = body["access"].as_str().map(|a| a.to_string());
            let access = access.map(|a| bearer_payload(&a)).unwrap_or_default();
            if let Some(jti) = access["jti"].as_str() {
                self.refreshed.lock().unwrap().push(jti.to_string());
            }
            if let Some(exp) = access["exp"].as_f64() {
                let left = exp - 0.9 - now_f64();
                if left > 0.0 {
                    tokio::time::sleep(Duration::from_secs_f64(left)).await;
                }
            }
            response.set_body(bytes);
            return Ok(response);
        }
        if matches!(self.fault, Fault::LongerLifetimeLater)
            && path == "/api/token/"
            && response.status() == StatusCode::OK
            && self
                .logins
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                > 0
        {
            let mut body: Value = serde_json::from_slice(&response.take_body().into_bytes().await?)
                .unwrap_or_default();
            if let Some(access) = body["access"].as_str() {
                body["access"] = Value::from(shift(access, &["exp"], 58));
            }
            return Ok(json_response(StatusCode::OK, body));
        }
        match self.fault {
            Fault::NoWwwAuthenticate => {
                response.headers_mut().remove("www-authenticate");
            }
            Fault::LowercaseChallenge if response.headers().contains_key("www-authenticate") => {
                response.headers_mut().insert(
                    "www-authenticate",
                    HeaderValue::from_static("bearer realm=\"api\""),
                );
            }
            Fault::NoRealm if response.headers().contains_key("www-authenticate") => {
                response
                    .headers_mut()
                    .insert("www-authenticate", HeaderValue::from_static("Bearer"));
            }
            Fault::ForbiddenInsteadOfUnauthorized
                if response.status() == StatusCode::UNAUTHORIZED =>
            {
                response.set_status(StatusCode::FORBIDDEN);
            }
            Fault::BadLoginIs400
                if path == "/api/token/" && response.status() == StatusCode::UNAUTHORIZED =>
            {
                response.set_status(StatusCode::BAD_REQUEST);
            }
            Fault::JsonAsHtml => {
                response.headers_mut().insert(
                    "content-type",
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
            }
            Fault::WrongRefreshBody
                if path == "/api/token/refresh/" && response.status() == StatusCode::OK =>
            {
                let body: Value = serde_json::from_slice(&response.take_body().into_bytes().await?)
                    .unwrap_or_default();
                let renamed = serde_json::json!({"access_token": body["access"]});
                return Ok(json_response(StatusCode::OK, renamed));
            }
            Fault::WrongUser if is_user && response.status() == StatusCode::OK => {
                return Ok(json_response(
                    StatusCode::OK,
                    serde_json::json!({"id": 1, "username": "mallory"}),
                ));
            }
            _ => {}
        }
        Ok(response)
    }
}

/// How far behind the clock of a `ClockBehind` target is.
const BEHIND: i64 = 20;

/// `response` as a server with a clock `BEHIND` seconds late would send it:
/// tokens issued with earlier `exp` and `iat` (re-signed), and an earlier `Date`.
async fn behind(mut response: Response, path: &str) -> poem::Result<Response> {
    response.headers_mut().insert(
        "date",
        HeaderValue::from_str(&http_date(now() - BEHIND)).expect("an ASCII date"),
    );
    let issues_tokens = path == "/api/token/" || path == "/api/token/refresh/";
    // OPTIONS answers 200 too, with a description instead of tokens.
    if !issues_tokens || response.status() != StatusCode::OK {
        return Ok(response);
    }
    let bytes = response.take_body().into_bytes().await?;
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if let Ok(body) = serde_json::from_slice::<Value>(&bytes) {
        // Replaced inside the text, so an indented body stays indented.
        for key in ["access", "refresh"] {
            if let Some(token) = body[key].as_str() {
                text = text.replace(token, &shift(token, &["exp", "iat"], -BEHIND));
            }
        }
    }
    response.set_body(text);
    Ok(response)
}

/// `token` re-signed with each of `claims` moved by `by` seconds.
fn shift(token: &str, claims: &[&str], by: i64) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("base64url"))
            .expect("a JSON payload");
    for &claim in claims {
        if let Some(t) = payload[claim].as_i64() {
            payload[claim] = Value::from(t + by);
        }
    }
    let message = format!(
        "{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let key = jsonwebtoken::EncodingKey::from_secret(SIGNING_KEY.as_bytes()).expect("a key");
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
            .expect("HMAC signs");
    format!("{message}.{signature}")
}

/// Seconds since the epoch as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Starts the reference server behind `fault`.
pub async fn faulty_target(fault: Fault) -> String {
    let mut config = config(Compat::SimpleJwt5);
    if matches!(fault, Fault::ClockBehind) {
        config.leeway = Duration::from_secs(BEHIND as u64);
    }
    let (endpoint, _users) = jwt_reference_server::app(config);
    serve(Faulty::new(endpoint, fault)).await
}

/// The result of one run of the runner.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The output, for assertion messages.
    pub fn shown(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// The scenario names listed under "Failed:" in the summary.
    pub fn failed(&self) -> Vec<String> {
        self.stdout
            .split("\nFailed:\n")
            .nth(1)
            .map(|rest| {
                rest.lines()
                    .take_while(|l| l.starts_with("  "))
                    .map(|l| l.trim().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Runs the runner with `args`, its environment cleared of our variables.
pub async fn run(args: &[&str]) -> Run {
    run_with_env(args, &[]).await
}

/// Runs the runner with `args` and the variables `env` (and none of ours
/// inherited from the test's environment).
pub async fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let output: Output = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_jwt-conformance"));
        command.args(&args).env("NO_COLOR", "1");
        for (name, _) in std::env::vars() {
            if name.starts_with("JWT_CONFORMANCE_") || name.starts_with("INSTA_") {
                command.env_remove(name);
            }
        }
        command.envs(env);
        command.output().expect("the runner binary starts")
    })
    .await
    .expect("the runner thread ends");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
