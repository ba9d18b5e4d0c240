//! Helpers for the in-process server tests: a client on the app, the demo
//! users, and tokens forged with the test key.

#![allow(
    dead_code,
    reason = "each test file uses a different part of these helpers"
)]

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use jwt_reference_server::{Compat, Config, Keys, User, UserStore};
use poem::endpoint::BoxEndpoint;
use poem::http::{HeaderMap, Method, StatusCode};
use poem::test::TestClient;
use poem::{EndpointExt, Response};
use serde_json::Value;

pub const SECRET: &[u8] = b"the test suite's HS256 secret key";
pub const BOTH: [Compat; 2] = [Compat::SimpleJwt5, Compat::SimpleJwt4];

/// The demo set-up with a known key and an inactive second account.
pub fn config(compat: Compat) -> Config {
    Config {
        keys: Keys::hmac(Algorithm::HS256, SECRET).unwrap(),
        compat,
        users: vec![
            User::new(1, "alice", "Ab12345678"),
            User::new(2, "bob", "Bb12345678").inactive(),
        ],
        ..Config::default()
    }
}

/// One answer, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// Status and exact body bytes, and the JSON media type.
    #[track_caller]
    pub fn assert(&self, status: u16, body: &str) {
        assert_eq!(
            (self.status.as_u16(), self.body.as_str()),
            (status, body),
            "{self:#?}"
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:#?}"
        );
    }

    /// A 401 carries the Bearer challenge.
    #[track_caller]
    pub fn assert_401(&self, body: &str) {
        self.assert(401, body);
        assert_eq!(
            self.header("www-authenticate"),
            Some("Bearer realm=\"api\""),
            "{self:#?}"
        );
    }
}

pub struct Api {
    client: TestClient<BoxEndpoint<'static, Response>>,
    pub users: Arc<UserStore>,
    pub compat: Compat,
}

impl Api {
    pub fn new(config: Config) -> Api {
        let compat = config.compat;
        let (endpoint, users) = jwt_reference_server::app(config);
        Api {
            client: TestClient::new(endpoint.boxed()),
            users,
            compat,
        }
    }

    pub fn with(compat: Compat, edit: impl FnOnce(&mut Config)) -> Api {
        let mut config = config(compat);
        edit(&mut config);
        Api::new(config)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut request = self.client.request(method, path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.body(body.to_vec()).send().await.0;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().into_string().await.unwrap_or_default();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn post_json(&self, path: &str, body: &str) -> Reply {
        self.request(
            Method::POST,
            path,
            &[("content-type", "application/json")],
            body.as_bytes(),
        )
        .await
    }

    pub async fn get_user(&self, authorization: Option<&str>) -> Reply {
        let headers: Vec<(&str, &str)> = authorization
            .map(|a| ("authorization", a))
            .into_iter()
            .collect();
        self.request(Method::GET, "/api/user/", &headers, b"").await
    }

    pub async fn bearer(&self, token: &str) -> Reply {
        self.get_user(Some(&format!("Bearer {token}"))).await
    }

    /// Logs in as alice: (refresh, access).
    pub async fn login(&self) -> (String, String) {
        let reply = self
            .post_json(
                "/api/token/",
                r#"{"username":"alice","password":"Ab12345678"}"#,
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:#?}");
        let json = reply.json();
        (
            json["refresh"].as_str().unwrap().into(),
            json["access"].as_str().unwrap().into(),
        )
    }

    pub async fn refresh(&self, refresh: &str) -> Reply {
        self.post_json(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{refresh}"}}"#),
        )
        .await
    }

    /// The body the Bearer view answers for a refused token, in this generation's words.
    pub fn not_valid(&self, message: &str) -> String {
        format!(
            r#"{{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{{"token_class":"AccessToken","token_type":"access","message":"{message}"}}]}}"#
        )
    }

    pub fn invalid_message(&self) -> &'static str {
        match self.compat {
            Compat::SimpleJwt5 => "Token is invalid",
            Compat::SimpleJwt4 => "Token is invalid or expired",
        }
    }

    pub fn expired_message(&self) -> &'static str {
        match self.compat {
            Compat::SimpleJwt5 => "Token is expired",
            Compat::SimpleJwt4 => "Token is invalid or expired",
        }
    }
}

pub fn header_json(token: &str) -> String {
    String::from_utf8(
        URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap()
}

pub fn claims(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Signs any header and claims with `secret` using HMAC-SHA256.
pub fn forge(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let key = jsonwebtoken::EncodingKey::from_secret(secret).unwrap();
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
    format!("{message}.{signature}")
}

/// Claims of a valid access token for user 1, to edit before forging.
pub fn access_claims() -> Value {
    serde_json::json!({"token_type": "access", "exp": now() + 60, "iat": now(), "jti": "0123456789abcdef0123456789abcdef", "user_id": "1"})
}

/// Sleeps until the token's `exp` second has begun.
pub async fn wait_until_expired(token: &str) {
    let exp = claims(token)["exp"].as_i64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let wait = Duration::from_secs(exp as u64).saturating_sub(now) + Duration::from_millis(50);
    tokio::time::sleep(wait).await;
}
