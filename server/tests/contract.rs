//! Every row of CONTRACT.md's required and recommended tables, in both
//! compatibility modes, against the app in-process.

mod common;

use std::time::Duration;

use common::{Api, BOTH, access_claims, claims, forge, header_json, now, wait_until_expired};
use jwt_reference_server::Compat;
use poem::http::Method;
use serde_json::{Value, json};

const NOT_PROVIDED: &str = r#"{"detail":"Authentication credentials were not provided."}"#;
const BAD_HEADER: &str = r#"{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}"#;
const NO_ACCOUNT: &str = r#"{"detail":"No active account found with the given credentials"}"#;
const WRONG_TYPE: &str = r#"{"detail":"Token has wrong type","code":"token_not_valid"}"#;
const BLACKLISTED: &str = r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#;

#[tokio::test]
async fn no_credentials_or_another_scheme_is_401_with_the_bearer_challenge() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let reply = api.get_user(None).await;
        reply.assert_401(NOT_PROVIDED);
        assert_eq!(reply.header("allow"), Some("GET, HEAD, OPTIONS"));
        api.get_user(Some("Token x")).await.assert_401(NOT_PROVIDED);
        api.get_user(Some("Basic YWxpY2U6QWIxMjM0NTY3OA=="))
            .await
            .assert_401(NOT_PROVIDED);
    }
}

#[tokio::test]
async fn bearer_alone_or_three_parts_is_a_bad_header() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        api.get_user(Some("Bearer")).await.assert_401(BAD_HEADER);
        api.get_user(Some("Bearer a b"))
            .await
            .assert_401(BAD_HEADER);
    }
}

#[tokio::test]
async fn a_valid_access_token_names_its_user() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let (_, access) = api.login().await;
        api.bearer(&access)
            .await
            .assert(200, r#"{"id":1,"username":"alice"}"#);
        let user_id = &claims(&access)["user_id"];
        let as_text = user_id
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| user_id.to_string());
        assert_eq!(as_text, "1");
    }
}

#[tokio::test]
async fn login_answers_a_token_pair_with_the_contract_claims() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let reply = api
            .post_json(
                "/api/token/",
                r#"{"username":"alice","password":"Ab12345678"}"#,
            )
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        let body = reply.json();
        assert_eq!(
            body.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["refresh", "access"]
        );
        let (refresh, access) = (
            body["refresh"].as_str().unwrap(),
            body["access"].as_str().unwrap(),
        );
        let header = match compat {
            Compat::SimpleJwt5 => r#"{"alg":"HS256","typ":"JWT"}"#,
            Compat::SimpleJwt4 => r#"{"typ":"JWT","alg":"HS256"}"#,
        };
        let mut jtis = Vec::new();
        for (token, kind, ttl) in [(access, "access", 300), (refresh, "refresh", 86400)] {
            assert_eq!(token.split('.').count(), 3);
            assert_eq!(header_json(token), header);
            let claims = claims(token);
            assert_eq!(claims["token_type"], kind);
            let exp = claims["exp"].as_i64().unwrap();
            assert!((exp - now() - ttl).abs() <= 1, "{claims}");
            let jti = claims["jti"].as_str().unwrap();
            assert!(
                jti.len() == 32
                    && jti
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
            jtis.push(jti.to_string());
            match compat {
                Compat::SimpleJwt5 => {
                    assert_eq!(claims["user_id"], "1");
                    assert_eq!(exp - claims["iat"].as_i64().unwrap(), ttl);
                }
                Compat::SimpleJwt4 => {
                    assert_eq!(claims["user_id"], 1);
                    assert!(claims.get("iat").is_none());
                }
            }
        }
        assert_ne!(jtis[0], jtis[1]);
        let (refresh2, access2) = api.login().await;
        assert_ne!(claims(&access2)["jti"], claims(access)["jti"]);
        assert_ne!(claims(&refresh2)["jti"], claims(refresh)["jti"]);
    }
}

#[tokio::test]
async fn an_access_token_expires_after_its_lifetime() {
    for compat in BOTH {
        let api = Api::with(compat, |c| c.access_ttl = Duration::from_secs(1));
        let (refresh, access) = api.login().await;
        api.bearer(&access)
            .await
            .assert(200, r#"{"id":1,"username":"alice"}"#);
        wait_until_expired(&access).await;
        let reply = api.bearer(&access).await;
        reply.assert_401(&api.not_valid(api.expired_message()));
        let fresh = api.refresh(&refresh).await.json()["access"]
            .as_str()
            .unwrap()
            .to_string();
        api.bearer(&fresh)
            .await
            .assert(200, r#"{"id":1,"username":"alice"}"#);
    }
}

#[tokio::test]
async fn bad_tokens_are_refused_as_bearer() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let (refresh, access) = api.login().await;
        let (head, signature) = access.rsplit_once('.').unwrap();
        let tampered = format!("{head}.{}", signature.chars().rev().collect::<String>());
        let payload = common::claims(&access);
        let mut edited = payload.clone();
        edited["user_id"] = json!(2);
        let edited = format!(
            "{}.{}.{signature}",
            access.split('.').next().unwrap(),
            base64_json(&edited)
        );
        let unsigned = format!(
            "{}.{}.",
            base64_json(&json!({"alg":"none","typ":"JWT"})),
            base64_json(&payload)
        );
        let two_segments = head.to_string();
        let invalid = api.not_valid(api.invalid_message());
        for token in [&tampered, &edited, &unsigned, &two_segments, "garbage"] {
            api.bearer(token).await.assert_401(&invalid);
        }
        api.bearer(&refresh)
            .await
            .assert_401(&api.not_valid("Token has wrong type"));
    }
}

#[tokio::test]
async fn claims_naming_no_usable_user_are_refused() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let header = json!({"alg": "HS256", "typ": "JWT"});
        let mut missing = access_claims();
        missing.as_object_mut().unwrap().remove("user_id");
        for claims in [
            missing,
            with(access_claims(), "user_id", json!(true)),
            with(access_claims(), "user_id", json!(1.0)),
        ] {
            let token = forge(&header, &claims, common::SECRET);
            api.bearer(&token).await.assert_401(
                r#"{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}"#,
            );
        }
        let token = forge(
            &header,
            &with(access_claims(), "user_id", json!("99")),
            common::SECRET,
        );
        api.bearer(&token)
            .await
            .assert_401(r#"{"detail":"User not found","code":"user_not_found"}"#);
        let token = forge(
            &header,
            &with(access_claims(), "user_id", json!(2)),
            common::SECRET,
        );
        api.bearer(&token)
            .await
            .assert_401(r#"{"detail":"User is inactive","code":"user_inactive"}"#);
    }
}

#[tokio::test]
async fn login_refusals() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        for body in [
            r#"{"username":"alice","password":"wrong"}"#,
            r#"{"username":"nobody","password":"Ab12345678"}"#,
            r#"{"username":"bob","password":"Bb12345678"}"#,
        ] {
            api.post_json("/api/token/", body)
                .await
                .assert_401(NO_ACCOUNT);
        }
        api.post_json("/api/token/", r#"{"username":"alice"}"#)
            .await
            .assert(400, r#"{"password":["This field is required."]}"#);
        api.post_json("/api/token/", "{}").await.assert(
            400,
            r#"{"username":["This field is required."],"password":["This field is required."]}"#,
        );
        let reply = api
            .post_json("/api/token/", r#"{"username": "alice""#)
            .await;
        assert_eq!(reply.status, 400);
        assert!(
            reply.json()["detail"]
                .as_str()
                .unwrap()
                .starts_with("JSON parse error - "),
            "{reply:?}"
        );
        assert_eq!(reply.json().as_object().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn refresh_answers_a_new_access_token_for_the_same_user() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let (refresh, access) = api.login().await;
        let reply = api.refresh(&refresh).await;
        assert_eq!(reply.status, 200);
        let body = reply.json();
        assert_eq!(
            body.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["access"]
        );
        let new = claims(body["access"].as_str().unwrap());
        assert_eq!(new["user_id"], claims(&access)["user_id"]);
        assert_eq!(new["token_type"], "access");
        assert_ne!(new["jti"], claims(&access)["jti"]);
        assert!(new["exp"].as_i64().unwrap() >= claims(&access)["exp"].as_i64().unwrap());
    }
}

#[tokio::test]
async fn refresh_refusals() {
    for compat in BOTH {
        let api = Api::with(compat, |c| c.refresh_ttl = Duration::from_secs(1));
        let (refresh, access) = api.login().await;
        api.refresh(&access).await.assert_401(WRONG_TYPE);
        api.post_json("/api/token/refresh/", "{}")
            .await
            .assert(400, r#"{"refresh":["This field is required."]}"#);
        api.refresh("garbage").await.assert_401(&format!(
            r#"{{"detail":"{}","code":"token_not_valid"}}"#,
            api.invalid_message()
        ));
        wait_until_expired(&refresh).await;
        api.refresh(&refresh).await.assert_401(&format!(
            r#"{{"detail":"{}","code":"token_not_valid"}}"#,
            api.expired_message()
        ));
    }
}

#[tokio::test]
async fn verify_accepts_valid_tokens_of_either_type() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let (refresh, access) = api.login().await;
        for token in [&refresh, &access] {
            api.post_json("/api/token/verify/", &format!(r#"{{"token":"{token}"}}"#))
                .await
                .assert(200, "{}");
        }
        api.post_json("/api/token/verify/", r#"{"token":"garbage"}"#)
            .await
            .assert_401(&format!(
                r#"{{"detail":"{}","code":"token_not_valid"}}"#,
                api.invalid_message()
            ));
        api.post_json("/api/token/verify/", "{}")
            .await
            .assert(400, r#"{"token":["This field is required."]}"#);
    }
}

#[tokio::test]
async fn blacklisting_revokes_the_refresh_token_but_not_issued_access_tokens() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let (refresh, access) = api.login().await;
        let blacklist = |token: &str| format!(r#"{{"refresh":"{token}"}}"#);
        api.post_json("/api/token/blacklist/", &blacklist(&access))
            .await
            .assert_401(WRONG_TYPE);
        api.post_json("/api/token/blacklist/", &blacklist(&refresh))
            .await
            .assert(200, "{}");
        api.post_json("/api/token/blacklist/", &blacklist(&refresh))
            .await
            .assert_401(BLACKLISTED);
        api.refresh(&refresh).await.assert_401(BLACKLISTED);
        api.bearer(&access)
            .await
            .assert(200, r#"{"id":1,"username":"alice"}"#);
        // Without blacklist-after-rotation, verify ignores the blacklist.
        api.post_json("/api/token/verify/", &format!(r#"{{"token":"{refresh}"}}"#))
            .await
            .assert(200, "{}");
        api.post_json("/api/token/blacklist/", "{}")
            .await
            .assert(400, r#"{"refresh":["This field is required."]}"#);
    }
}

#[tokio::test]
async fn rotation_replaces_and_blacklists_the_refresh_token() {
    for compat in BOTH {
        let api = Api::with(compat, |c| {
            c.rotate_refresh_tokens = true;
            c.blacklist_after_rotation = true;
        });
        let (refresh, _) = api.login().await;
        let reply = api.refresh(&refresh).await;
        assert_eq!(reply.status, 200);
        let body = reply.json();
        assert_eq!(
            body.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["access", "refresh"]
        );
        let rotated = body["refresh"].as_str().unwrap();
        assert_eq!(claims(rotated)["token_type"], "refresh");
        assert_ne!(claims(rotated)["jti"], claims(&refresh)["jti"]);
        api.refresh(&refresh).await.assert_401(BLACKLISTED);
        api.post_json("/api/token/verify/", &format!(r#"{{"token":"{refresh}"}}"#))
            .await
            .assert(400, r#"{"non_field_errors":["Token is blacklisted"]}"#);
        assert_eq!(api.refresh(rotated).await.status, 200);
    }
}

#[tokio::test]
async fn rotation_without_blacklisting_keeps_the_old_token_usable() {
    let api = Api::with(Compat::SimpleJwt5, |c| c.rotate_refresh_tokens = true);
    let (refresh, _) = api.login().await;
    assert!(api.refresh(&refresh).await.json()["refresh"].is_string());
    assert_eq!(api.refresh(&refresh).await.status, 200);
}

#[tokio::test]
async fn refresh_for_an_inactive_or_deleted_user_is_401_not_500() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let (refresh, _) = api.login().await;
        let gone = r#"{"detail":"No active account found for the given token."}"#;
        api.users.set_active("alice", false);
        api.refresh(&refresh).await.assert_401(gone);
        api.users.set_active("alice", true);
        assert_eq!(api.refresh(&refresh).await.status, 200);
        api.users.remove("alice");
        api.refresh(&refresh).await.assert_401(gone);
    }
}

#[tokio::test]
async fn form_login_works_like_json() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let form = [("content-type", "application/x-www-form-urlencoded")];
        let reply = api
            .request(
                Method::POST,
                "/api/token/",
                &form,
                b"username=alice&password=Ab12345678",
            )
            .await;
        assert_eq!(reply.status, 200);
        let access = reply.json()["access"].as_str().unwrap().to_string();
        api.bearer(&access)
            .await
            .assert(200, r#"{"id":1,"username":"alice"}"#);
    }
}

#[tokio::test]
async fn a_text_plain_body_is_415() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let reply = api
            .request(
                Method::POST,
                "/api/token/",
                &[("content-type", "text/plain")],
                b"alice",
            )
            .await;
        reply.assert(
            415,
            r#"{"detail":"Unsupported media type \"text/plain\" in request."}"#,
        );
    }
}

#[tokio::test]
async fn methods_a_view_does_not_allow_are_405_with_allow() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        for path in [
            "/api/token/",
            "/api/token/refresh/",
            "/api/token/verify/",
            "/api/token/blacklist/",
        ] {
            let reply = api.request(Method::GET, path, &[], b"").await;
            reply.assert(405, r#"{"detail":"Method \"GET\" not allowed."}"#);
            assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
        }
        let (_, access) = api.login().await;
        let bearer = format!("Bearer {access}");
        let reply = api
            .request(
                Method::DELETE,
                "/api/user/",
                &[("authorization", &bearer)],
                b"",
            )
            .await;
        reply.assert(405, r#"{"detail":"Method \"DELETE\" not allowed."}"#);
        assert_eq!(reply.header("allow"), Some("GET, HEAD, OPTIONS"));
    }
}

#[tokio::test]
async fn errors_come_in_drf_order() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        // 401 before 405 on the authenticated view.
        let reply = api.request(Method::DELETE, "/api/user/", &[], b"").await;
        reply.assert_401(NOT_PROVIDED);
        assert_eq!(reply.header("allow"), Some("GET, HEAD, OPTIONS"));
        // 406 before 401, and before 405.
        let xml = [("accept", "application/xml")];
        api.request(Method::GET, "/api/user/", &xml, b"")
            .await
            .assert(
                406,
                r#"{"detail":"Could not satisfy the request Accept header."}"#,
            );
        api.request(Method::DELETE, "/api/token/", &xml, b"")
            .await
            .assert(
                406,
                r#"{"detail":"Could not satisfy the request Accept header."}"#,
            );
        // 405 before 415.
        api.request(
            Method::PUT,
            "/api/token/",
            &[("content-type", "text/plain")],
            b"x",
        )
        .await
        .assert(405, r#"{"detail":"Method \"PUT\" not allowed."}"#);
    }
}

#[tokio::test]
async fn lowercase_bearer_is_not_credentials() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let (_, access) = api.login().await;
        api.get_user(Some(&format!("bearer {access}")))
            .await
            .assert_401(NOT_PROVIDED);
    }
}

#[tokio::test]
async fn every_answer_carries_django_and_drf_headers() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let replies = [
            api.get_user(None).await,
            api.request(Method::DELETE, "/api/token/", &[], b"").await,
            api.post_json(
                "/api/token/",
                r#"{"username":"alice","password":"Ab12345678"}"#,
            )
            .await,
        ];
        for reply in &replies {
            assert_eq!(reply.header("vary"), Some("Accept"), "{reply:?}");
            assert!(reply.header("allow").is_some(), "{reply:?}");
            assert_eq!(reply.header("x-frame-options"), Some("DENY"));
            assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
            assert_eq!(reply.header("referrer-policy"), Some("same-origin"));
            let coop = reply.header("cross-origin-opener-policy");
            match compat {
                Compat::SimpleJwt5 => assert_eq!(coop, Some("same-origin")),
                Compat::SimpleJwt4 => assert_eq!(coop, None),
            }
        }
    }
}

#[tokio::test]
async fn indent_in_accept_pretty_prints() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let (_, access) = api.login().await;
        let bearer = format!("Bearer {access}");
        let reply = api
            .request(
                Method::GET,
                "/api/user/",
                &[
                    ("authorization", &bearer),
                    ("accept", "application/json; indent=4"),
                ],
                b"",
            )
            .await;
        reply.assert(200, "{\n    \"id\": 1,\n    \"username\": \"alice\"\n}");
    }
}

#[tokio::test]
async fn options_describes_the_view_and_needs_credentials_on_user() {
    for compat in BOTH {
        let api = Api::new(common::config(compat));
        let reply = api.request(Method::OPTIONS, "/api/token/", &[], b"").await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json()["name"], "Token Obtain Pair");
        assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
        api.request(Method::OPTIONS, "/api/user/", &[], b"")
            .await
            .assert_401(NOT_PROVIDED);
        let (_, access) = api.login().await;
        let bearer = format!("Bearer {access}");
        let reply = api
            .request(
                Method::OPTIONS,
                "/api/user/",
                &[("authorization", &bearer)],
                b"",
            )
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json()["renders"], json!(["application/json"]));
    }
}

#[tokio::test]
async fn head_answers_get_headers_without_a_body() {
    let api = Api::new(common::config(Compat::SimpleJwt5));
    let (_, access) = api.login().await;
    let bearer = format!("Bearer {access}");
    let reply = api
        .request(
            Method::HEAD,
            "/api/user/",
            &[("authorization", &bearer)],
            b"",
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "");
    assert_eq!(reply.header("content-length"), Some("27"));
    assert_eq!(reply.header("allow"), Some("GET, HEAD, OPTIONS"));
}

#[tokio::test]
async fn paths_without_their_slash_redirect_and_unknown_paths_are_404() {
    let api = Api::new(common::config(Compat::SimpleJwt5));
    for (path, location) in [
        ("/api/user", "/api/user/"),
        ("/api/token", "/api/token/"),
        ("/api/token/refresh?x=1", "/api/token/refresh/?x=1"),
    ] {
        let reply = api.request(Method::GET, path, &[], b"").await;
        assert_eq!(reply.status, 301, "{path}");
        assert_eq!(reply.header("location"), Some(location));
    }
    for path in ["/api/nothing/", "/", "/api/", "/api/user/extra/"] {
        api.request(Method::GET, path, &[], b"")
            .await
            .assert(404, r#"{"detail":"Not found."}"#);
    }
}

#[tokio::test]
async fn the_spec_and_the_docs_are_served() {
    let api = Api::new(common::config(Compat::SimpleJwt5));
    let yaml = api.request(Method::GET, "/openapi.yaml", &[], b"").await;
    assert_eq!(yaml.status, 200);
    assert_eq!(yaml.body, jwt_reference_server::openapi_yaml());
    let json = api.request(Method::GET, "/openapi.json", &[], b"").await;
    assert_eq!(
        json.json()["openapi"].as_str().map(|v| v.starts_with('3')),
        Some(true)
    );
    let docs = api.request(Method::GET, "/docs", &[], b"").await;
    assert_eq!(docs.status, 200);
    assert!(
        docs.body.contains("swagger"),
        "{}",
        &docs.body[..200.min(docs.body.len())]
    );
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn base64_json(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn other_header_types_and_user_id_claims_can_be_configured() {
    let api = Api::with(Compat::SimpleJwt5, |c| {
        c.auth_header_types = vec!["JWT".into(), "Bearer".into()];
        c.user_id_claim = "uid".into();
    });
    let (_, access) = api.login().await;
    assert_eq!(claims(&access)["uid"], "1");
    assert!(claims(&access).get("user_id").is_none());
    for scheme in ["JWT", "Bearer"] {
        let reply = api.get_user(Some(&format!("{scheme} {access}"))).await;
        assert_eq!(reply.status, 200, "{scheme}");
    }
    let reply = api.get_user(None).await;
    assert_eq!(reply.header("www-authenticate"), Some("JWT realm=\"api\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshes_rotate_a_token_only_once() {
    let api = std::sync::Arc::new(Api::with(Compat::SimpleJwt5, |c| {
        c.rotate_refresh_tokens = true;
        c.blacklist_after_rotation = true;
    }));
    for _ in 0..20 {
        let (refresh, _) = api.login().await;
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (api, refresh) = (api.clone(), refresh.clone());
                tokio::spawn(async move { api.refresh(&refresh).await })
            })
            .collect();
        let mut replies = Vec::new();
        for task in tasks {
            replies.push(task.await.unwrap());
        }
        let rotated = replies.iter().filter(|r| r.status == 200).count();
        assert_eq!(rotated, 1, "{replies:?}");
        for reply in replies.iter().filter(|r| r.status != 200) {
            reply.assert_401(BLACKLISTED);
        }
    }
}
