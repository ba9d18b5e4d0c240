//! `/api/token/` and its siblings: obtain, refresh, verify and blacklist.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};

use super::body::{BodyError, DrfBody, char_fields};
use super::{AppState, BadRequest, ErrorDetail, JsonBody, ViewMetadata};
use crate::tokens::{TokenError, TokenType, Verified};

#[derive(Tags)]
enum Tag {
    /// Obtaining, refreshing, verifying and revoking tokens.
    Token,
}

/// Login credentials.
#[derive(Object)]
#[oai(rename_all = "snake_case")]
pub struct Credentials {
    pub username: String,
    #[oai(write_only)]
    #[expect(
        dead_code,
        reason = "documents the body; the handler reads fields as DRF's CharField does"
    )]
    pub password: String,
}

/// A refresh token.
#[derive(Object)]
#[oai(rename_all = "snake_case")]
pub struct RefreshRequest {
    pub refresh: String,
}

/// Any token to check.
#[derive(Object)]
#[oai(rename_all = "snake_case")]
pub struct VerifyRequest {
    pub token: String,
}

/// A new token pair.
#[derive(Object)]
#[oai(rename_all = "snake_case")]
pub struct TokenPair {
    /// Refresh token: exchanges for new access tokens until it expires.
    pub refresh: String,
    /// Access token: send as `Authorization: Bearer <access>`.
    pub access: String,
}

/// A new access token, and a new refresh token when rotation is on.
#[derive(Object)]
#[oai(rename_all = "snake_case")]
pub struct Refreshed {
    pub access: String,
    /// Present only with rotation on; the old refresh token is then blacklisted.
    #[oai(skip_serializing_if_is_none)]
    pub refresh: Option<String>,
}

/// The empty object `{}`.
#[derive(Object)]
pub struct Empty {}

/// Answers shared by every token view.
macro_rules! token_response {
    ($name:ident, $ok:ty, $ok_doc:literal) => {
        #[derive(ApiResponse)]
        pub enum $name {
            #[doc = $ok_doc]
            #[oai(status = 200)]
            Ok(JsonBody<$ok>),
            /// A field is missing or invalid, or the body is not valid JSON.
            #[oai(status = 400)]
            BadRequest(JsonBody<BadRequest>),
            /// The credentials or the token were refused.
            #[oai(status = 401)]
            Unauthorized(
                JsonBody<ErrorDetail>,
                #[oai(header = "WWW-Authenticate")] String,
            ),
            /// Only POST and OPTIONS are allowed.
            #[oai(status = 405)]
            MethodNotAllowed(JsonBody<ErrorDetail>),
            /// The Accept header names no JSON media type.
            #[oai(status = 406)]
            NotAcceptable(JsonBody<ErrorDetail>),
            /// The body is larger than 64 KiB.
            #[oai(status = 413)]
            PayloadTooLarge(JsonBody<ErrorDetail>),
            /// The body is neither JSON nor form-encoded.
            #[oai(status = 415)]
            UnsupportedMediaType(JsonBody<ErrorDetail>),
        }

        impl From<BodyError> for $name {
            fn from(err: BodyError) -> $name {
                match err.bad_request() {
                    Some(bad) => $name::BadRequest(JsonBody(bad)),
                    None if err == BodyError::TooLarge => {
                        $name::PayloadTooLarge(JsonBody(err.detail()))
                    }
                    None => $name::UnsupportedMediaType(JsonBody(err.detail())),
                }
            }
        }

        impl From<super::FieldErrors> for $name {
            fn from(errors: super::FieldErrors) -> $name {
                $name::BadRequest(JsonBody(BadRequest::Fields(errors)))
            }
        }
    };
}

token_response!(
    ObtainResponse,
    TokenPair,
    "The credentials are right: a refresh and an access token."
);
token_response!(
    RefreshResponse,
    Refreshed,
    "A new access token (and refresh token, with rotation on)."
);
token_response!(VerifyResponse, Empty, "The token is valid.");
token_response!(
    BlacklistResponse,
    Empty,
    "The refresh token is now blacklisted."
);

/// The description `OPTIONS` gives.
#[derive(ApiResponse)]
pub enum OptionsResponse {
    /// What the view does and which media types it reads and writes.
    #[oai(status = 200)]
    Ok(JsonBody<ViewMetadata>),
}

fn metadata(name: &str, description: &str) -> OptionsResponse {
    OptionsResponse::Ok(JsonBody(ViewMetadata::new(
        name,
        description,
        &["application/json", "application/x-www-form-urlencoded"],
    )))
}

pub struct ObtainApi;

// poem-openapi drops a trailing slash from an operation's path but keeps a
// prefix's, so each view sits at "/" under a prefix that ends in a slash.
#[OpenApi(prefix_path = "/api/token/", tag = "Tag::Token")]
impl ObtainApi {
    /// Log in
    ///
    /// Exchanges a username and password for a refresh and an access token.
    #[oai(path = "/", method = "post", operation_id = "token_obtain_pair")]
    async fn obtain(
        &self,
        state: Data<&Arc<AppState>>,
        body: DrfBody<Credentials>,
    ) -> ObtainResponse {
        let fields = match body.fields {
            Ok(fields) => fields,
            Err(err) => return err.into(),
        };
        let [username, password] = match char_fields(&fields, ["username", "password"]) {
            Ok(values) => values,
            Err(errors) => return errors.into(),
        };
        let _permit = state
            .hashing
            .acquire()
            .await
            .expect("the hashing semaphore is never closed");
        let users = state.users.clone();
        let user = tokio::task::spawn_blocking(move || users.authenticate(&username, &password))
            .await
            .expect("password hashing does not panic");
        match user {
            Some(user) => ObtainResponse::Ok(JsonBody(TokenPair {
                refresh: state.tokens.issue(TokenType::Refresh, user.id),
                access: state.tokens.issue(TokenType::Access, user.id),
            })),
            None => ObtainResponse::Unauthorized(
                JsonBody(ErrorDetail::new(
                    "No active account found with the given credentials",
                )),
                state.www_authenticate.clone(),
            ),
        }
    }

    /// Describe the login view
    #[oai(
        path = "/",
        method = "options",
        operation_id = "token_obtain_pair_options"
    )]
    async fn obtain_options(&self) -> OptionsResponse {
        metadata(
            "Token Obtain Pair",
            "Takes a username and password and answers with an access and a refresh token for that account.",
        )
    }
}

pub struct RefreshApi;

#[OpenApi(prefix_path = "/api/token/refresh/", tag = "Tag::Token")]
impl RefreshApi {
    /// Refresh
    ///
    /// Exchanges a refresh token for a new access token.
    #[oai(path = "/", method = "post", operation_id = "token_refresh")]
    async fn refresh(
        &self,
        state: Data<&Arc<AppState>>,
        body: DrfBody<RefreshRequest>,
    ) -> RefreshResponse {
        let fields = match body.fields {
            Ok(fields) => fields,
            Err(err) => return err.into(),
        };
        let [token] = match char_fields(&fields, ["refresh"]) {
            Ok(values) => values,
            Err(errors) => return errors.into(),
        };
        let refresh = match state.tokens.verify(&token, Some(TokenType::Refresh)) {
            Ok(refresh) => refresh,
            Err(err) => {
                return RefreshResponse::Unauthorized(
                    token_error(&state, err),
                    state.www_authenticate.clone(),
                );
            }
        };
        if !has_active_user(&state, &refresh) {
            return RefreshResponse::Unauthorized(
                JsonBody(ErrorDetail::new(
                    "No active account found for the given token.",
                )),
                state.www_authenticate.clone(),
            );
        }
        let access = state.tokens.access_from(&refresh);
        if state.rotate_refresh_tokens
            && state.blacklist_after_rotation
            && let Err(err) = state.tokens.blacklist(&refresh)
        {
            // Another request rotated this token first.
            return RefreshResponse::Unauthorized(
                token_error(&state, err),
                state.www_authenticate.clone(),
            );
        }
        let refresh = state
            .rotate_refresh_tokens
            .then(|| state.tokens.rotate(&refresh));
        RefreshResponse::Ok(JsonBody(Refreshed { access, refresh }))
    }

    /// Describe the refresh view
    #[oai(path = "/", method = "options", operation_id = "token_refresh_options")]
    async fn refresh_options(&self) -> OptionsResponse {
        metadata(
            "Token Refresh",
            "Takes a refresh token and answers with a new access token if it is valid.",
        )
    }
}

pub struct VerifyApi;

#[OpenApi(prefix_path = "/api/token/verify/", tag = "Tag::Token")]
impl VerifyApi {
    /// Verify
    ///
    /// Checks a token of either type without revealing anything about it.
    #[oai(path = "/", method = "post", operation_id = "token_verify")]
    async fn verify(
        &self,
        state: Data<&Arc<AppState>>,
        body: DrfBody<VerifyRequest>,
    ) -> VerifyResponse {
        let fields = match body.fields {
            Ok(fields) => fields,
            Err(err) => return err.into(),
        };
        let [token] = match char_fields(&fields, ["token"]) {
            Ok(values) => values,
            Err(errors) => return errors.into(),
        };
        let verified = match state.tokens.verify(&token, None) {
            Ok(verified) => verified,
            Err(err) => {
                return VerifyResponse::Unauthorized(
                    token_error(&state, err),
                    state.www_authenticate.clone(),
                );
            }
        };
        if state.blacklist_after_rotation && state.tokens.is_blacklisted(&verified.jti) {
            return VerifyResponse::BadRequest(JsonBody(BadRequest::Fields(super::FieldErrors {
                non_field_errors: Some(vec![
                    TokenError::Blacklisted
                        .message(state.tokens.compat())
                        .into(),
                ]),
                ..Default::default()
            })));
        }
        VerifyResponse::Ok(JsonBody(Empty {}))
    }

    /// Describe the verify view
    #[oai(path = "/", method = "options", operation_id = "token_verify_options")]
    async fn verify_options(&self) -> OptionsResponse {
        metadata(
            "Token Verify",
            "Takes a token and answers 200 if it is valid, without saying more about it.",
        )
    }
}

pub struct BlacklistApi;

#[OpenApi(prefix_path = "/api/token/blacklist/", tag = "Tag::Token")]
impl BlacklistApi {
    /// Blacklist
    ///
    /// Revokes a refresh token: it can no longer be refreshed. Access tokens
    /// already issued from it stay valid until they expire.
    #[oai(path = "/", method = "post", operation_id = "token_blacklist")]
    async fn blacklist(
        &self,
        state: Data<&Arc<AppState>>,
        body: DrfBody<RefreshRequest>,
    ) -> BlacklistResponse {
        let fields = match body.fields {
            Ok(fields) => fields,
            Err(err) => return err.into(),
        };
        let [token] = match char_fields(&fields, ["refresh"]) {
            Ok(values) => values,
            Err(errors) => return errors.into(),
        };
        let revoked = state
            .tokens
            .verify(&token, Some(TokenType::Refresh))
            .and_then(|refresh| state.tokens.blacklist(&refresh));
        match revoked {
            Ok(()) => BlacklistResponse::Ok(JsonBody(Empty {})),
            Err(err) => BlacklistResponse::Unauthorized(
                token_error(&state, err),
                state.www_authenticate.clone(),
            ),
        }
    }

    /// Describe the blacklist view
    #[oai(
        path = "/",
        method = "options",
        operation_id = "token_blacklist_options"
    )]
    async fn blacklist_options(&self) -> OptionsResponse {
        metadata(
            "Token Blacklist",
            "Takes a refresh token and blacklists it, so it can no longer be refreshed.",
        )
    }
}

/// `{"detail":<message>,"code":"token_not_valid"}`, as the token views answer.
fn token_error(state: &AppState, err: TokenError) -> JsonBody<ErrorDetail> {
    JsonBody(ErrorDetail::with_code(
        err.message(state.tokens.compat()),
        "token_not_valid",
    ))
}

/// The refresh token's user still exists and is active.
fn has_active_user(state: &AppState, refresh: &Verified) -> bool {
    super::auth::user_id(refresh.get(state.tokens.user_id_claim()))
        .and_then(|id| state.users.by_id(id))
        .is_some_and(|user| user.active)
}
