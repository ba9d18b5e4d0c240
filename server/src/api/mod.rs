//! The endpoints, with one typed response per status so the OpenAPI document
//! is generated from the same types the handlers return.

mod auth;
mod body;
mod payload;
mod token;
mod user;

use std::sync::Arc;

use poem_openapi::{Object, Union};

use crate::tokens::TokenService;
use crate::users::UserStore;

pub(crate) use auth::authenticate;
pub use payload::JsonBody;
pub(crate) use token::{BlacklistApi, ObtainApi, RefreshApi, VerifyApi};
pub(crate) use user::UserApi;

/// What every handler shares.
pub(crate) struct AppState {
    pub tokens: TokenService,
    pub users: Arc<UserStore>,
    pub rotate_refresh_tokens: bool,
    pub blacklist_after_rotation: bool,
    pub auth_header_types: Vec<String>,
    /// `WWW-Authenticate` value: the first header type with realm "api".
    pub www_authenticate: String,
    /// One permit per password hash that may run at once. Each argon2 hash
    /// holds 19 MiB; without a bound, a burst of logins exhausts memory.
    pub hashing: tokio::sync::Semaphore,
}

/// DRF's error body: `detail`, plus `code` and `messages` for token errors.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "snake_case")]
pub struct ErrorDetail {
    /// What went wrong, in SimpleJWT's words.
    pub detail: String,
    /// A stable machine-readable reason, e.g. `token_not_valid`.
    #[oai(skip_serializing_if_is_none)]
    pub code: Option<String>,
    /// Why each token class refused the token (Bearer authentication only).
    #[oai(skip_serializing_if_is_none)]
    pub messages: Option<Vec<TokenMessage>>,
}

impl ErrorDetail {
    pub fn new(detail: impl Into<String>) -> ErrorDetail {
        ErrorDetail {
            detail: detail.into(),
            code: None,
            messages: None,
        }
    }

    pub fn with_code(detail: impl Into<String>, code: &str) -> ErrorDetail {
        ErrorDetail {
            detail: detail.into(),
            code: Some(code.into()),
            messages: None,
        }
    }
}

/// One token class's reason for refusing a token.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "snake_case")]
pub struct TokenMessage {
    /// Always `AccessToken` here.
    pub token_class: String,
    /// Always `access` here.
    pub token_type: String,
    /// e.g. `Token is expired`, `Token is invalid`, `Token has wrong type`.
    pub message: String,
}

/// Field errors, as DRF's serializers report them: each field with its messages.
#[derive(Object, Debug, Clone, Default)]
#[oai(rename_all = "snake_case")]
pub struct FieldErrors {
    #[oai(skip_serializing_if_is_none)]
    pub username: Option<Vec<String>>,
    #[oai(skip_serializing_if_is_none)]
    pub password: Option<Vec<String>>,
    #[oai(skip_serializing_if_is_none)]
    pub refresh: Option<Vec<String>>,
    #[oai(skip_serializing_if_is_none)]
    pub token: Option<Vec<String>>,
    /// Errors about the body as a whole, e.g. a JSON array instead of an object.
    #[oai(skip_serializing_if_is_none)]
    pub non_field_errors: Option<Vec<String>>,
}

/// A 400 answer: either unparseable input or invalid fields.
#[derive(Union, Debug, Clone)]
#[oai(one_of)]
pub enum BadRequest {
    /// `{"detail":"JSON parse error - …"}`
    Parse(ErrorDetail),
    /// `{"password":["This field is required."]}` and the like.
    Fields(FieldErrors),
}

/// The description `OPTIONS` gives of a view.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "snake_case")]
pub struct ViewMetadata {
    pub name: String,
    pub description: String,
    /// Media types the view answers with.
    pub renders: Vec<String>,
    /// Media types the view reads request bodies in.
    pub parses: Vec<String>,
}

impl ViewMetadata {
    fn new(name: &str, description: &str, parses: &[&str]) -> ViewMetadata {
        ViewMetadata {
            name: name.into(),
            description: description.into(),
            renders: vec!["application/json".into()],
            parses: parses.iter().map(|p| p.to_string()).collect(),
        }
    }
}
