//! Bearer authentication as SimpleJWT's `JWTAuthentication` does it.
//!
//! The scheme is compared case-sensitively, the header must split into
//! exactly two whitespace-separated parts, and every refusal is a JSON body.
//! poem-openapi's own Bearer scheme differs on all three (STACK.md), so this
//! extractor registers the same security scheme but does its own reading.

use poem::Request;
use poem::http::header::AUTHORIZATION;
use poem_openapi::registry::{MetaSecurityScheme, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde_json::Value;

use super::{AppState, ErrorDetail, TokenMessage};
use crate::tokens::{TokenError, TokenType};
use crate::users::User;

const SCHEME_NAME: &str = "jwtAuth";

/// Why a request is not authenticated; each renders as a 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    NotProvided,
    BadHeader,
    InvalidToken(&'static str),
    NoUserId,
    UserNotFound,
    UserInactive,
}

impl AuthFailure {
    pub fn detail(&self) -> ErrorDetail {
        match self {
            AuthFailure::NotProvided => {
                ErrorDetail::new("Authentication credentials were not provided.")
            }
            AuthFailure::BadHeader => ErrorDetail::with_code(
                "Authorization header must contain two space-delimited values",
                "bad_authorization_header",
            ),
            AuthFailure::InvalidToken(message) => ErrorDetail {
                messages: Some(vec![TokenMessage {
                    token_class: "AccessToken".into(),
                    token_type: "access".into(),
                    message: message.to_string(),
                }]),
                ..ErrorDetail::with_code(
                    "Given token not valid for any token type",
                    "token_not_valid",
                )
            },
            AuthFailure::NoUserId => ErrorDetail::with_code(
                "Token contained no recognizable user identification",
                "token_not_valid",
            ),
            AuthFailure::UserNotFound => ErrorDetail::with_code("User not found", "user_not_found"),
            AuthFailure::UserInactive => {
                ErrorDetail::with_code("User is inactive", "user_inactive")
            }
        }
    }
}

/// The outcome of Bearer authentication, handed to the handler to answer.
pub struct Authentication(pub Result<User, AuthFailure>);

impl<'a> ApiExtractor<'a> for Authentication {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            SCHEME_NAME,
            MetaSecurityScheme {
                ty: "http",
                description: Some(
                    "An access token from /api/token/, sent as `Authorization: Bearer <access>`.",
                ),
                name: None,
                key_in: None,
                scheme: Some("bearer"),
                bearer_format: Some("JWT"),
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![SCHEME_NAME]
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut poem::RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let state = request
            .data::<std::sync::Arc<AppState>>()
            .expect("the app state is attached");
        Ok(Authentication(authenticate(request, state)))
    }
}

/// Authenticates a request from its `Authorization` header(s).
pub(crate) fn authenticate(request: &Request, state: &AppState) -> Result<User, AuthFailure> {
    // Repeated headers are joined with commas, as a WSGI server passes them on.
    let mut header = Vec::new();
    for (i, value) in request.headers().get_all(AUTHORIZATION).iter().enumerate() {
        if i > 0 {
            header.push(b',');
        }
        header.extend_from_slice(value.as_bytes());
    }
    let parts: Vec<&[u8]> = header
        .split(|b| b" \t\x0b\x0c".contains(b))
        .filter(|p| !p.is_empty())
        .collect();
    let Some(scheme) = parts.first() else {
        return Err(AuthFailure::NotProvided);
    };
    if !state
        .auth_header_types
        .iter()
        .any(|t| t.as_bytes() == *scheme)
    {
        return Err(AuthFailure::NotProvided);
    }
    if parts.len() != 2 {
        return Err(AuthFailure::BadHeader);
    }
    let compat = state.tokens.compat();
    let token = std::str::from_utf8(parts[1])
        .map_err(|_| AuthFailure::InvalidToken(TokenError::Invalid.message(compat)))?;
    let verified = state
        .tokens
        .verify(token, Some(TokenType::Access))
        .map_err(|e| AuthFailure::InvalidToken(e.message(compat)))?;
    let id = user_id(verified.get(state.tokens.user_id_claim())).ok_or(AuthFailure::NoUserId)?;
    let user = state.users.by_id(id).ok_or(AuthFailure::UserNotFound)?;
    if !user.active {
        return Err(AuthFailure::UserInactive);
    }
    Ok(user)
}

/// A user id claim: an integer, or its decimal text as SimpleJWT 5.5 writes it.
pub(crate) fn user_id(claim: Option<&Value>) -> Option<i64> {
    match claim? {
        Value::Number(n) => n.as_i64(),
        Value::String(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse().ok()
        }
        _ => None,
    }
}
