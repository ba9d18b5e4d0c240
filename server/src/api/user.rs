//! `/api/user/`: who the access token belongs to.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};

use super::auth::Authentication;
use super::{AppState, ErrorDetail, JsonBody, ViewMetadata};

#[derive(Tags)]
enum Tag {
    /// The authenticated user.
    User,
}

/// The user an access token belongs to.
#[derive(Object)]
#[oai(rename_all = "snake_case")]
pub struct UserInfo {
    /// Equals the token's `user_id` claim.
    pub id: i64,
    pub username: String,
}

#[derive(ApiResponse)]
pub enum UserResponse {
    /// The token's user.
    #[oai(status = 200)]
    Ok(JsonBody<UserInfo>),
    /// No credentials, a malformed Authorization header, or a token that is
    /// expired, invalid, of the wrong type, or of a missing or inactive user.
    #[oai(status = 401)]
    Unauthorized(
        JsonBody<ErrorDetail>,
        #[oai(header = "WWW-Authenticate")] String,
    ),
    /// Authenticated, but only GET, HEAD and OPTIONS are allowed.
    #[oai(status = 405)]
    MethodNotAllowed(JsonBody<ErrorDetail>),
    /// The Accept header names no JSON media type.
    #[oai(status = 406)]
    NotAcceptable(JsonBody<ErrorDetail>),
}

#[derive(ApiResponse)]
pub enum UserOptionsResponse {
    /// What the view does and which media types it answers with.
    #[oai(status = 200)]
    Ok(JsonBody<ViewMetadata>),
    /// OPTIONS needs the same credentials as GET.
    #[oai(status = 401)]
    Unauthorized(
        JsonBody<ErrorDetail>,
        #[oai(header = "WWW-Authenticate")] String,
    ),
}

pub struct UserApi;

#[OpenApi(prefix_path = "/api/user/", tag = "Tag::User")]
impl UserApi {
    /// Current user
    ///
    /// Answers the id and username of the access token's user.
    #[oai(path = "/", method = "get", operation_id = "user")]
    async fn user(&self, state: Data<&Arc<AppState>>, auth: Authentication) -> UserResponse {
        match auth.0 {
            Ok(user) => UserResponse::Ok(JsonBody(UserInfo {
                id: user.id,
                username: user.username,
            })),
            Err(failure) => UserResponse::Unauthorized(
                JsonBody(failure.detail()),
                state.www_authenticate.clone(),
            ),
        }
    }

    /// Describe the user view
    #[oai(path = "/", method = "options", operation_id = "user_options")]
    async fn options(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Authentication,
    ) -> UserOptionsResponse {
        match auth.0 {
            Ok(_) => UserOptionsResponse::Ok(JsonBody(ViewMetadata::new(
                "User",
                "Answers the id and username of the user the access token was issued to.",
                &[],
            ))),
            Err(failure) => UserOptionsResponse::Unauthorized(
                JsonBody(failure.detail()),
                state.www_authenticate.clone(),
            ),
        }
    }
}
