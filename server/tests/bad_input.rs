//! Malformed requests get a 4xx with a JSON body: never a 500, a panic or a hang.

mod common;

use common::Api;
use jwt_reference_server::Compat;
use poem::http::Method;

fn api() -> Api {
    Api::new(common::config(Compat::SimpleJwt5))
}

#[track_caller]
fn assert_json_4xx(reply: &common::Reply) {
    assert!(reply.status.is_client_error(), "{reply:?}");
    assert_eq!(
        reply.header("content-type"),
        Some("application/json"),
        "{reply:?}"
    );
    assert!(reply.json().is_object(), "{reply:?}");
}

#[tokio::test]
async fn a_number_for_a_username_is_taken_as_text_as_drf_does() {
    let api = api();
    let reply = api
        .post_json("/api/token/", r#"{"username":5,"password":"Ab12345678"}"#)
        .await;
    reply.assert_401(r#"{"detail":"No active account found with the given credentials"}"#);
}

#[tokio::test]
async fn other_json_types_are_field_errors() {
    let api = api();
    for (body, expected) in [
        (
            r#"{"username":true,"password":"x"}"#,
            r#"{"username":["Not a valid string."]}"#,
        ),
        (
            r#"{"username":null,"password":"x"}"#,
            r#"{"username":["This field may not be null."]}"#,
        ),
        (
            r#"{"username":"","password":"x"}"#,
            r#"{"username":["This field may not be blank."]}"#,
        ),
        (
            r#"{"username":["alice"],"password":{}}"#,
            r#"{"username":["Not a valid string."],"password":["Not a valid string."]}"#,
        ),
        (
            "[]",
            r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}"#,
        ),
        (
            r#""alice""#,
            r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}"#,
        ),
        (
            "5",
            r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}"#,
        ),
        ("null", r#"{"non_field_errors":["No data provided"]}"#),
        (
            r#"{"username":"al\u0000ice","password":"x"}"#,
            r#"{"username":["Null characters are not allowed."]}"#,
        ),
        (
            r#"{"username":"alice","password":"   "}"#,
            r#"{"password":["This field may not be blank."]}"#,
        ),
    ] {
        api.post_json("/api/token/", body)
            .await
            .assert(400, expected);
    }
    api.post_json("/api/token/refresh/", r#"{"refresh":5}"#)
        .await
        .assert_401(r#"{"detail":"Token is invalid","code":"token_not_valid"}"#);
}

#[tokio::test]
async fn surrounding_whitespace_is_trimmed_as_drf_does() {
    let api = api();
    let reply = api
        .post_json(
            "/api/token/",
            r#"{"username":"  alice ","password":" Ab12345678 "}"#,
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let api = api();
    let big = format!(
        r#"{{"username":"{}","password":"x"}}"#,
        "a".repeat(70 * 1024)
    );
    let reply = api.post_json("/api/token/", &big).await;
    assert_eq!(reply.status, 413);
    assert_json_4xx(&reply);
}

#[tokio::test]
async fn non_utf8_bodies_are_400() {
    let api = api();
    let json = [("content-type", "application/json")];
    let reply = api
        .request(
            Method::POST,
            "/api/token/",
            &json,
            b"{\"username\":\"\xff\xfe\",\"password\":\"x\"}",
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_json_4xx(&reply);
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let reply = api
        .request(
            Method::POST,
            "/api/token/",
            &form,
            b"username=%ff%fe&password=\xff",
        )
        .await;
    assert_json_4xx(&reply);
}

#[tokio::test]
async fn huge_tokens_are_refused() {
    let api = api();
    for size in [10 * 1024, 100 * 1024] {
        let token = format!(
            "{}.{}.{}",
            "e".repeat(size / 2),
            "f".repeat(size / 2),
            "g".repeat(43)
        );
        let reply = api.bearer(&token).await;
        assert_eq!(reply.status, 401, "{size}");
        assert_json_4xx(&reply);
        let reply = api
            .post_json("/api/token/verify/", &format!(r#"{{"token":"{token}"}}"#))
            .await;
        assert_json_4xx(&reply);
    }
}

#[tokio::test]
async fn empty_and_duplicated_authorization_headers() {
    let api = api();
    api.get_user(Some(""))
        .await
        .assert_401(r#"{"detail":"Authentication credentials were not provided."}"#);
    let (_, access) = api.login().await;
    let bearer = format!("Bearer {access}");
    let reply = api
        .request(
            Method::GET,
            "/api/user/",
            &[("authorization", &bearer), ("authorization", &bearer)],
            b"",
        )
        .await;
    reply.assert_401(
        r#"{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}"#,
    );
}

#[tokio::test]
async fn deeply_nested_json_is_a_parse_error() {
    let api = api();
    let deep = "[".repeat(60_000);
    let reply = api.post_json("/api/token/", &deep).await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error - ")
    );
    let deeper = "[".repeat(100_000);
    assert_json_4xx(&api.post_json("/api/token/", &deeper).await);
}

#[tokio::test]
async fn bodies_without_a_content_type_and_odd_media_types() {
    let api = api();
    let reply = api
        .request(Method::POST, "/api/token/", &[], br#"{"username":"alice"}"#)
        .await;
    reply.assert(
        415,
        r#"{"detail":"Unsupported media type \"\" in request."}"#,
    );
    for content_type in [
        "application/xml",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        ";;;",
    ] {
        let reply = api
            .request(
                Method::POST,
                "/api/token/",
                &[("content-type", content_type)],
                b"<a/>",
            )
            .await;
        assert_eq!(reply.status, 415, "{content_type}");
        assert_json_4xx(&reply);
    }
}

#[tokio::test]
async fn odd_accept_headers_never_fail_the_server() {
    let api = api();
    for accept in [
        ",,,",
        "application/json; indent=-3",
        "application/json; indent=99999999999999999999",
        "application/json;indent",
        "*/*;q=abc",
    ] {
        let reply = api
            .request(Method::GET, "/api/user/", &[("accept", accept)], b"")
            .await;
        assert_json_4xx(&reply);
    }
}

#[tokio::test]
async fn an_unsupported_media_type_is_415_whatever_the_size() {
    let api = api();
    let big = vec![b'x'; 70 * 1024];
    let reply = api
        .request(
            Method::POST,
            "/api/token/",
            &[("content-type", "text/plain")],
            &big,
        )
        .await;
    reply.assert(
        415,
        r#"{"detail":"Unsupported media type \"text/plain\" in request."}"#,
    );
}
