//! One HTTP exchange as the checks see it, and how it is shown to people
//! (passwords and tokens masked).

use std::fmt;
use std::net::IpAddr;
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use serde_json::Value;

use crate::cli::Cli;

/// Why the client could not be built.
#[derive(Debug)]
pub struct ClientError(pub String);

/// A client for one base URL: no redirects followed, no proxy for loopback.
pub fn client(cli: &Cli, base_url: &str) -> Result<reqwest::Client, ClientError> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(cli.timeout)
        .connect_timeout(cli.timeout.min(Duration::from_secs(10)));
    if is_loopback(base_url) {
        builder = builder.no_proxy();
    }
    if cli.insecure {
        builder = builder.danger_accept_invalid_certs(true);
    }
    if let Some(path) = &cli.ca_cert {
        let pem = std::fs::read(path)
            .map_err(|e| ClientError(format!("cannot read --ca-cert {}: {e}", path.display())))?;
        let not_pem = |why: String| {
            ClientError(format!(
                "--ca-cert {} holds no PEM certificate{why}",
                path.display()
            ))
        };
        // A file without any certificate in it would be taken silently, and
        // the target then blamed for an untrusted certificate.
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| not_pem(format!(": {e}")))?;
        if certs.is_empty() {
            return Err(not_pem(String::new()));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| ClientError(format!("cannot set up the HTTP client: {e}")))
}

fn is_loopback(base_url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(base_url) else {
        return false;
    };
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// A request as sent, kept for failure messages and snapshots.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Request {
    /// A request with a JSON body that asks for JSON back.
    pub fn json(method: &str, path: &str, body: String) -> Request {
        Request {
            method: method.into(),
            path: path.into(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Accept".into(), "application/json".into()),
            ],
            body: Some(body),
        }
    }
}

/// A response as received.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    /// Names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub json: Option<Value>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The media type without parameters, lower-cased.
    pub fn media_type(&self) -> Option<String> {
        let value = self.header("content-type")?;
        Some(value.split(';').next()?.trim().to_ascii_lowercase())
    }
}

/// What went wrong on the way, before any status arrived.
#[derive(Debug)]
pub enum SendError {
    /// No connection (refused, DNS, TLS).
    Connect(String),
    Timeout(String),
    /// Something answered, but not HTTP as expected.
    Protocol(String),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Connect(m) => write!(f, "cannot connect: {m}"),
            SendError::Timeout(m) => write!(f, "no answer in time: {m}"),
            SendError::Protocol(m) => write!(f, "not an HTTP answer: {m}"),
        }
    }
}

/// Sends `request` to `base_url` + its path.
pub async fn send(
    client: &reqwest::Client,
    base_url: &str,
    request: &Request,
) -> Result<Response, SendError> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|e| SendError::Protocol(e.to_string()))?;
    let url = format!("{}{}", base_url.trim_end_matches('/'), request.path);
    let mut builder = client.request(method, &url);
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let answer = builder.send().await.map_err(classify)?;
    let status = answer.status().as_u16();
    let headers = answer
        .headers()
        .iter()
        .map(|(n, v)| {
            let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (n.as_str().to_ascii_lowercase(), value)
        })
        .collect();
    let bytes = answer.bytes().await.map_err(classify)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_slice(&bytes).ok();
    Ok(Response {
        status,
        headers,
        text,
        json,
    })
}

fn classify(err: reqwest::Error) -> SendError {
    let message = error_chain(&err);
    if err.is_timeout() {
        SendError::Timeout(message)
    } else if err.is_connect() {
        SendError::Connect(with_hint(message))
    } else {
        SendError::Protocol(message)
    }
}

/// `message`, with what it usually means when rustls's words alone would
/// puzzle people.
fn with_hint(message: String) -> String {
    let hint = if message.contains("InvalidContentType") {
        "the target answered without TLS: should the base URL start with http://?"
    } else if message.contains("UnknownIssuer") {
        "the target's certificate is signed by an authority this machine does not trust: \
         give it with --ca-cert, or use --insecure on a test server"
    } else {
        return message;
    };
    format!("{message} ({hint})")
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

static JWT_LIKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?")
        .expect("the pattern is valid")
});

/// `value` percent-encoded for a form body: every byte but the unreserved.
pub fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `value` escaped for the inside of a JSON string.
pub fn json_escape(value: &str) -> String {
    let quoted = Value::from(value).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// Hides passwords and tokens in text meant for people.
#[derive(Clone, Debug, Default)]
pub struct Masker {
    /// Each secret as it is, and as it reads in a JSON string or a form body.
    secrets: Vec<String>,
}

impl Masker {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Masker {
        let mut forms: Vec<String> = Vec::new();
        for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
            for form in [json_escape(&secret), form_encode(&secret), secret] {
                if !forms.contains(&form) {
                    forms.push(form);
                }
            }
        }
        // Longest first, so a secret that contains another goes whole.
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        Masker { secrets: forms }
    }

    /// `text` with every secret replaced, tokens left alone.
    pub fn hide_secrets(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            out = out.replace(secret.as_str(), "[password]");
        }
        out
    }

    /// `text` with every secret replaced and every token shortened.
    pub fn mask(&self, text: &str) -> String {
        let out = self.hide_secrets(text);
        JWT_LIKE
            .replace_all(&out, |c: &regex::Captures| crate::jwt::mask_token(&c[0]))
            .into_owned()
    }

    /// The request in one or two lines, as curl would show it.
    pub fn request(&self, request: &Request) -> String {
        let mut out = format!("{} {}", request.method, request.path);
        for (name, value) in &request.headers {
            out.push_str(&format!("\n    > {name}: {}", self.mask(value)));
        }
        if let Some(body) = &request.body {
            out.push_str(&format!("\n    > {}", self.mask(&shorten(body, 300))));
        }
        out
    }

    pub fn response(&self, response: &Response) -> String {
        let mut out = format!("{}", response.status);
        for (name, value) in &response.headers {
            out.push_str(&format!("\n    < {name}: {}", self.mask(value)));
        }
        if !response.text.is_empty() {
            out.push_str(&format!(
                "\n    < {}",
                self.mask(&shorten(&response.text, 600))
            ));
        }
        out
    }
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110's preferred
/// form) as seconds since the Unix epoch.
pub fn http_date(value: &str) -> Option<i64> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, sec] = hms.as_slice() else {
        return None;
    };
    // Days from 1970-01-01 to the civil date (proleptic Gregorian calendar).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + sec)
}

/// At most `max` characters of `text`, marked when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}… ({} bytes in all)", text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords_and_tokens() {
        let masker = Masker::new(["Ab12345678".to_string()]);
        let text = r#"{"password":"Ab12345678","access":"eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2lnbmF0dXJl"}"#;
        let masked = masker.mask(text);
        assert!(!masked.contains("Ab12345678"));
        assert!(!masked.contains("eyJleHAiOjF9"));
        assert!(masked.contains("[password]"));
    }

    #[test]
    fn masks_passwords_as_form_and_json_bodies_carry_them() {
        let masker = Masker::new(["Pw-Zx7Qv!9k \"q\"".to_string()]);
        let form = "username=bob&password=Pw-Zx7Qv%219k%20%22q%22";
        assert_eq!(masker.mask(form), "username=bob&password=[password]");
        let json = r#"{"password":"Pw-Zx7Qv!9k \"q\""}"#;
        assert_eq!(masker.mask(json), r#"{"password":"[password]"}"#);
    }

    #[test]
    fn reads_http_dates() {
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            http_date("Fri, 04 Dec 2026 16:46:51 GMT"),
            Some(1_796_402_811)
        );
        assert_eq!(http_date("yesterday"), None);
    }

    #[test]
    fn loopback_bases_skip_proxies() {
        assert!(is_loopback("http://127.0.0.1:8000/prefix"));
        assert!(is_loopback("http://localhost:8000"));
        assert!(is_loopback("http://[::1]:8000"));
        assert!(!is_loopback("https://api.example.test"));
    }
}
