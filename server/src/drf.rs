//! The Django REST Framework conventions the contract inherits, as one
//! middleware around every route.
//!
//! DRF decides in this order: content negotiation (406), authentication
//! (401), method (405), then the body (415, 400) inside the view. Every view
//! answer carries `Allow` and `Vary: Accept`; every answer at all carries
//! Django's security headers. `Accept: application/json; indent=N` asks for
//! pretty-printed JSON. A view path without its trailing slash redirects.

use std::sync::Arc;
use std::time::Instant;

use poem::http::header::{ACCEPT, ALLOW, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, VARY};
use poem::http::{HeaderValue, Method, StatusCode};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use serde::Serialize;

use crate::api::{AppState, ErrorDetail, JsonBody, authenticate};
use crate::config::Compat;

/// A DRF view: its path, the methods it allows, whether it authenticates.
struct View {
    path: &'static str,
    allow: &'static str,
    authenticated: bool,
}

const VIEWS: &[View] = &[
    View {
        path: "/api/token/",
        allow: "POST, OPTIONS",
        authenticated: false,
    },
    View {
        path: "/api/token/refresh/",
        allow: "POST, OPTIONS",
        authenticated: false,
    },
    View {
        path: "/api/token/verify/",
        allow: "POST, OPTIONS",
        authenticated: false,
    },
    View {
        path: "/api/token/blacklist/",
        allow: "POST, OPTIONS",
        authenticated: false,
    },
    View {
        path: "/api/user/",
        allow: "GET, HEAD, OPTIONS",
        authenticated: true,
    },
];

impl View {
    fn find(path: &str) -> Option<&'static View> {
        VIEWS.iter().find(|view| view.path == path)
    }

    fn allows(&self, method: &Method) -> bool {
        self.allow
            .split(", ")
            .any(|allowed| allowed == method.as_str())
    }
}

pub(crate) struct Drf {
    pub state: Arc<AppState>,
    pub compat: Compat,
}

impl<E: Endpoint> Middleware<E> for Drf {
    type Output = DrfEndpoint<E>;

    fn transform(&self, inner: E) -> DrfEndpoint<E> {
        DrfEndpoint {
            inner,
            state: self.state.clone(),
            compat: self.compat,
        }
    }
}

pub(crate) struct DrfEndpoint<E> {
    inner: E,
    state: Arc<AppState>,
    compat: Compat,
}

impl<E: Endpoint> Endpoint for DrfEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let started = Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let mut response = match View::find(&path) {
            Some(view) => self.view(view, req).await,
            None => self.elsewhere(req).await,
        };
        security_headers(&mut response, self.compat);
        tracing::info!(
            %method,
            %path,
            status = response.status().as_u16(),
            duration_ms = format_args!("{:.3}", started.elapsed().as_secs_f64() * 1000.0),
            "request"
        );
        Ok(response)
    }
}

impl<E: Endpoint> DrfEndpoint<E> {
    async fn view(&self, view: &View, mut req: Request) -> Response {
        let indent = match negotiate(req.headers().get(ACCEPT)) {
            Ok(indent) => indent,
            Err(()) => {
                let detail = ErrorDetail::new("Could not satisfy the request Accept header.");
                return finish(view, error(StatusCode::NOT_ACCEPTABLE, detail), None).await;
            }
        };
        if !view.allows(req.method()) {
            if view.authenticated
                && let Err(failure) = authenticate(&req, &self.state)
            {
                let mut response = error(StatusCode::UNAUTHORIZED, failure.detail());
                response
                    .headers_mut()
                    .insert("www-authenticate", header(&self.state.www_authenticate));
                return finish(view, response, indent).await;
            }
            let detail = ErrorDetail::new(format!("Method \"{}\" not allowed.", req.method()));
            return finish(view, error(StatusCode::METHOD_NOT_ALLOWED, detail), indent).await;
        }
        let head = req.method() == Method::HEAD;
        if head {
            req.set_method(Method::GET);
        }
        let response = self
            .inner
            .call(req)
            .await
            .map(IntoResponse::into_response)
            .unwrap_or_else(|e| e.into_response());
        let mut response = finish(view, response, indent).await;
        if head {
            // HEAD answers GET's headers, Content-Length included, without the body.
            let body = response.take_body().into_bytes().await.unwrap_or_default();
            response
                .headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        response
    }

    /// Not a view: a view path missing its slash redirects, the rest
    /// (documentation, the OpenAPI document, unknown paths) passes through.
    async fn elsewhere(&self, req: Request) -> Response {
        let slashed = format!("{}/", req.uri().path());
        if View::find(&slashed).is_some() {
            let location = match req.uri().query() {
                Some(query) => format!("{slashed}?{query}"),
                None => slashed,
            };
            return Response::builder()
                .status(StatusCode::MOVED_PERMANENTLY)
                .header(LOCATION, location)
                .header(CONTENT_TYPE, "text/html; charset=utf-8")
                .finish();
        }
        match self.inner.call(req).await {
            Ok(response) => response.into_response(),
            Err(err) if err.status() == StatusCode::NOT_FOUND => {
                error(StatusCode::NOT_FOUND, ErrorDetail::new("Not found."))
            }
            Err(err) => {
                let status = err.status();
                error(
                    status,
                    ErrorDetail::new(status.canonical_reason().unwrap_or("Error")),
                )
            }
        }
    }
}

/// Picks JSON if the Accept header allows it, as DRF's content negotiation
/// does; `Err` means 406. `Ok(Some(n))` asks for `n`-space indentation.
///
/// DRF ranks the client's media ranges by precision (parameters other than
/// `q`, then `type/subtype`, `type/*`, `*/*`; q-values play no part) and takes
/// the first range of the most precise rank that JSON satisfies. That
/// range's parameters carry over, so `*/*; indent=2` indents too.
fn negotiate(accept: Option<&HeaderValue>) -> Result<Option<usize>, ()> {
    let Some(accept) = accept
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(None);
    };
    let ranges: Vec<MediaRange> = accept.split(',').map(MediaRange::parse).collect();
    for precision in (0..=3).rev() {
        if let Some(range) = ranges
            .iter()
            .find(|r| r.precision == precision && r.allows_json())
        {
            return Ok(range.indent);
        }
    }
    Err(())
}

/// One entry of an Accept header, as much of it as negotiation needs.
struct MediaRange<'a> {
    main: &'a str,
    sub: &'a str,
    precision: u8,
    indent: Option<usize>,
}

impl<'a> MediaRange<'a> {
    fn parse(text: &'a str) -> MediaRange<'a> {
        let mut parts = text.split(';').map(str::trim);
        let (main, sub) = parts
            .next()
            .unwrap_or("")
            .split_once('/')
            .unwrap_or(("", ""));
        let params: Vec<(&str, &str)> = parts
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect();
        let precision = if main == "*" {
            0
        } else if sub == "*" {
            1
        } else if params.iter().all(|(k, _)| k.eq_ignore_ascii_case("q")) {
            2
        } else {
            3
        };
        let indent = params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("indent"))
            .and_then(|(_, v)| indent(v));
        MediaRange {
            main,
            sub,
            precision,
            indent,
        }
    }

    fn allows_json(&self) -> bool {
        let main = self.main == "*" || self.main.eq_ignore_ascii_case("application");
        let sub = self.sub == "*" || self.sub.eq_ignore_ascii_case("json");
        main && sub
    }
}

/// An `indent` parameter read as Python's `int()` reads it, clamped to 0..=8
/// as DRF does; 0 and unreadable values mean compact output.
fn indent(value: &str) -> Option<usize> {
    let value = value.trim().trim_matches('"');
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value.strip_prefix('+').unwrap_or(value)),
    };
    let well_formed = digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.ends_with(|c: char| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_')
        && !digits.contains("__");
    if !well_formed || negative {
        return None;
    }
    let digits = digits.replace('_', "");
    let n = if digits.trim_start_matches('0').len() > 2 {
        8
    } else {
        digits.parse::<usize>().ok()?.min(8)
    };
    (n > 0).then_some(n)
}

/// Adds what DRF adds to every view answer, and indents JSON if asked.
async fn finish(view: &View, mut response: Response, indent: Option<usize>) -> Response {
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(view.allow));
    response
        .headers_mut()
        .insert(VARY, HeaderValue::from_static("Accept"));
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(b"application/json"));
    if let (Some(indent), true) = (indent, is_json) {
        let body = response.take_body().into_bytes().await.unwrap_or_default();
        let body = match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(value) => pretty(&value, indent),
            Err(_) => body.to_vec(),
        };
        response.set_body(body);
    }
    response
}

fn pretty(value: &serde_json::Value, indent: usize) -> Vec<u8> {
    let spaces = " ".repeat(indent);
    let formatter = serde_json::ser::PrettyFormatter::with_indent(spaces.as_bytes());
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value
        .serialize(&mut serializer)
        .expect("a JSON value always serialises");
    out
}

fn error(status: StatusCode, detail: ErrorDetail) -> Response {
    let mut response = JsonBody(detail).into_response();
    response.set_status(status);
    response
}

fn header(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).expect("header values are checked at start-up")
}

/// Django's security middleware headers, on every answer.
fn security_headers(response: &mut Response, compat: Compat) {
    let headers = response.headers_mut();
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    if compat == Compat::SimpleJwt5 {
        headers.insert(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Result<Option<usize>, ()> {
        negotiate(Some(&HeaderValue::from_str(value).unwrap()))
    }

    #[test]
    fn negotiation_follows_drf() {
        assert_eq!(negotiate(None), Ok(None));
        assert_eq!(accept("application/json"), Ok(None));
        assert_eq!(
            accept("text/html,application/xhtml+xml,*/*;q=0.8"),
            Ok(None)
        );
        assert_eq!(accept("application/xml"), Err(()));
        assert_eq!(accept("application/json; indent=4"), Ok(Some(4)));
        assert_eq!(accept("application/json; indent=20"), Ok(Some(8)));
        assert_eq!(accept("application/json; indent=0"), Ok(None));
        assert_eq!(accept("application/json; indent=abc"), Ok(None));
        assert_eq!(accept("*/*; indent=4"), Ok(Some(4)));
        assert_eq!(
            accept("application/json; indent=99999999999999999999"),
            Ok(Some(8))
        );
        assert_eq!(accept("application/json; indent=-3"), Ok(None));
        assert_eq!(accept("application/json; indent=1_0"), Ok(Some(8)));
        assert_eq!(accept("application/json; indent= 2 "), Ok(Some(2)));
        assert_eq!(
            accept("text/html, */*; indent=2, application/json; indent=3"),
            Ok(Some(3))
        );
        assert_eq!(accept("application/*; indent=2, */*"), Ok(Some(2)));
        assert_eq!(accept("text/html;q=0.9, application/json"), Ok(None));
        assert_eq!(accept("text/html"), Err(()));
    }

    #[test]
    fn pretty_printing_matches_python() {
        let value = serde_json::json!({"a": 1, "b": [], "c": {}});
        assert_eq!(
            String::from_utf8(pretty(&value, 4)).unwrap(),
            "{\n    \"a\": 1,\n    \"b\": [],\n    \"c\": {}\n}"
        );
    }
}
