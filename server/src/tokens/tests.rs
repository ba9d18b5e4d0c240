//! One test per verification rule, on tokens signed with the service's own key.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use super::*;
use crate::config::{Config, Keys};

const SECRET: &[u8] = b"a test secret of thirty-two bytes";

fn service(edit: impl FnOnce(&mut Config)) -> TokenService {
    let mut config = Config {
        users: vec![],
        ..Config::default()
    };
    config.keys = Keys::hmac(Algorithm::HS256, SECRET).unwrap();
    edit(&mut config);
    TokenService::new(&config)
}

fn now_secs() -> i64 {
    now().as_secs() as i64
}

/// Signs any header and payload with `secret` as HS256 would.
fn forge(header: Value, payload: Value, secret: &[u8]) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let key = jsonwebtoken::EncodingKey::from_secret(secret).unwrap();
    let alg = match header["alg"].as_str() {
        Some("HS512") => Algorithm::HS512,
        Some("HS384") => Algorithm::HS384,
        _ => Algorithm::HS256,
    };
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, alg).unwrap();
    format!("{message}.{signature}")
}

fn access_claims() -> Value {
    json!({"token_type": "access", "exp": now_secs() + 60, "iat": now_secs(), "jti": "0123456789abcdef0123456789abcdef", "user_id": "1"})
}

fn hs256() -> Value {
    json!({"alg": "HS256", "typ": "JWT"})
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

fn verdict(service: &TokenService, token: &str) -> Result<(), TokenError> {
    service.verify(token, Some(TokenType::Access)).map(|_| ())
}

#[test]
fn issued_tokens_verify_and_carry_the_contract_claims() {
    let service = service(|_| {});
    let token = service.issue(TokenType::Access, 1);
    let verified = service.verify(&token, Some(TokenType::Access)).unwrap();
    assert_eq!(verified.get("user_id"), Some(&json!("1")));
    assert_eq!(verified.jti.len(), 32);
    assert!(
        verified
            .jti
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    let exp_minus_iat = verified.exp - verified.get("iat").unwrap().as_i64().unwrap();
    assert_eq!(exp_minus_iat, 300);
}

#[test]
fn simplejwt4_tokens_have_no_iat_and_an_integer_user_id() {
    let service = service(|c| c.compat = Compat::SimpleJwt4);
    let token = service.issue(TokenType::Refresh, 7);
    let header = URL_SAFE_NO_PAD
        .decode(token.split('.').next().unwrap())
        .unwrap();
    assert_eq!(header, br#"{"typ":"JWT","alg":"HS256"}"#);
    let verified = service.verify(&token, Some(TokenType::Refresh)).unwrap();
    assert_eq!(verified.get("user_id"), Some(&json!(7)));
    assert!(verified.get("iat").is_none());
}

#[test]
fn exp_is_required() {
    let service = service(|_| {});
    let token = forge(hs256(), without(access_claims(), "exp"), SECRET);
    assert_eq!(verdict(&service, &token), Err(TokenError::MissingExp));
}

#[test]
fn jti_is_required_and_must_be_a_string() {
    let service = service(|_| {});
    let token = forge(hs256(), without(access_claims(), "jti"), SECRET);
    assert_eq!(verdict(&service, &token), Err(TokenError::MissingJti));
    let token = forge(hs256(), with(access_claims(), "jti", json!(12)), SECRET);
    assert_eq!(verdict(&service, &token), Err(TokenError::Invalid));
}

#[test]
fn token_type_is_required_and_must_match() {
    let service = service(|_| {});
    let token = forge(hs256(), without(access_claims(), "token_type"), SECRET);
    assert_eq!(verdict(&service, &token), Err(TokenError::MissingType));
    let token = forge(
        hs256(),
        with(access_claims(), "token_type", json!("refresh")),
        SECRET,
    );
    assert_eq!(verdict(&service, &token), Err(TokenError::WrongType));
    let token = forge(
        hs256(),
        with(access_claims(), "token_type", json!(["access"])),
        SECRET,
    );
    assert_eq!(verdict(&service, &token), Err(TokenError::WrongType));
}

#[test]
fn only_the_configured_algorithm_is_accepted() {
    let service = service(|_| {});
    let token = forge(
        json!({"alg": "HS512", "typ": "JWT"}),
        access_claims(),
        SECRET,
    );
    assert_eq!(verdict(&service, &token), Err(TokenError::Invalid));
    for none in ["none", "None", "NONE", "nOnE"] {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": none, "typ": "JWT"}).to_string());
        let payload = URL_SAFE_NO_PAD.encode(access_claims().to_string());
        assert_eq!(
            verdict(&service, &format!("{header}.{payload}.")),
            Err(TokenError::Invalid),
            "{none}"
        );
    }
}

#[test]
fn signatures_must_be_made_with_the_configured_key() {
    let service = service(|_| {});
    let good = forge(hs256(), access_claims(), SECRET);
    assert_eq!(verdict(&service, &good), Ok(()));
    // HMAC pads keys with zeros, so b"\0" signs exactly as an empty key would
    // (jsonwebtoken refuses to sign with an empty one).
    for key in [&b"secret"[..], b"\0", b"a test secret of thirty-two byte"] {
        let token = forge(hs256(), access_claims(), key);
        assert_eq!(
            verdict(&service, &token),
            Err(TokenError::Invalid),
            "{key:?}"
        );
    }
    let (message, signature) = good.rsplit_once('.').unwrap();
    let other = forge(
        hs256(),
        with(access_claims(), "user_id", json!("2")),
        SECRET,
    );
    let other_signature = other.rsplit_once('.').unwrap().1;
    assert_eq!(
        verdict(&service, &format!("{message}.{other_signature}")),
        Err(TokenError::Invalid)
    );
    assert_eq!(
        verdict(&service, &format!("{message}.")),
        Err(TokenError::Invalid)
    );
    assert_eq!(
        verdict(&service, &format!("{message}.{}", &signature[..20])),
        Err(TokenError::Invalid)
    );
    let edited = forge(
        hs256(),
        with(access_claims(), "user_id", json!("2")),
        b"other",
    );
    let edited_payload = edited.split('.').nth(1).unwrap();
    let header = good.split('.').next().unwrap();
    assert_eq!(
        verdict(&service, &format!("{header}.{edited_payload}.{signature}")),
        Err(TokenError::Invalid)
    );
}

#[test]
fn keys_named_in_the_header_are_never_used() {
    let service = service(|_| {});
    let attacker = b"attacker key";
    for header in [
        json!({"alg": "HS256", "typ": "JWT", "kid": "attacker"}),
        json!({"alg": "HS256", "typ": "JWT", "jku": "http://127.0.0.1:1/jwks.json"}),
        json!({"alg": "HS256", "typ": "JWT", "x5u": "http://127.0.0.1:1/cert.pem"}),
        json!({"alg": "HS256", "typ": "JWT", "jwk": {"kty": "oct", "k": URL_SAFE_NO_PAD.encode(attacker)}}),
    ] {
        let token = forge(header.clone(), access_claims(), attacker);
        assert_eq!(
            verdict(&service, &token),
            Err(TokenError::Invalid),
            "{header}"
        );
    }
}

#[test]
fn unknown_critical_extensions_are_refused() {
    let service = service(|_| {});
    let token = forge(
        json!({"alg": "HS256", "typ": "JWT", "crit": ["exp"], "exp": 1}),
        access_claims(),
        SECRET,
    );
    assert_eq!(verdict(&service, &token), Err(TokenError::Invalid));
}

#[test]
fn time_claims_must_be_integers() {
    let service = service(|_| {});
    let future = now_secs() + 60;
    for claim in ["exp", "nbf", "iat"] {
        for bad in [
            json!(future.to_string()),
            json!(null),
            json!(future as f64 + 0.5),
            json!({}),
            json!(1e12),
        ] {
            let token = forge(hs256(), with(access_claims(), claim, bad.clone()), SECRET);
            assert_eq!(
                verdict(&service, &token),
                Err(TokenError::Invalid),
                "{claim} = {bad}"
            );
        }
    }
}

#[test]
fn a_string_exp_far_in_the_future_is_refused() {
    let service = service(|_| {});
    let token = forge(
        hs256(),
        with(access_claims(), "exp", json!("9999999999")),
        SECRET,
    );
    assert_eq!(verdict(&service, &token), Err(TokenError::Invalid));
}

#[test]
fn nbf_in_the_future_is_refused() {
    let service = service(|_| {});
    let token = forge(
        hs256(),
        with(access_claims(), "nbf", json!(now_secs() + 30)),
        SECRET,
    );
    assert_eq!(verdict(&service, &token), Err(TokenError::Invalid));
    let token = forge(
        hs256(),
        with(access_claims(), "nbf", json!(now_secs() - 1)),
        SECRET,
    );
    assert_eq!(verdict(&service, &token), Ok(()));
}

#[test]
fn a_token_is_expired_from_the_second_exp_names() {
    let service = service(|_| {});
    let token = forge(
        hs256(),
        with(access_claims(), "exp", json!(now_secs())),
        SECRET,
    );
    assert_eq!(verdict(&service, &token), Err(TokenError::Expired));
    let token = forge(
        hs256(),
        with(access_claims(), "exp", json!(now_secs() + 2)),
        SECRET,
    );
    assert_eq!(verdict(&service, &token), Ok(()));
}

#[test]
fn leeway_is_honoured_and_defaults_to_none() {
    let strict = service(|_| {});
    let lenient = service(|c| c.leeway = Duration::from_secs(30));
    let token = forge(
        hs256(),
        with(access_claims(), "exp", json!(now_secs() - 10)),
        SECRET,
    );
    assert_eq!(verdict(&strict, &token), Err(TokenError::Expired));
    assert_eq!(verdict(&lenient, &token), Ok(()));
    let token = forge(
        hs256(),
        with(access_claims(), "exp", json!(now_secs() - 31)),
        SECRET,
    );
    assert_eq!(verdict(&lenient, &token), Err(TokenError::Expired));
}

#[test]
fn issuer_and_audience_are_checked_when_configured() {
    let service = service(|c| {
        c.issuer = Some("https://issuer.test".into());
        c.audience = Some("api".into());
    });
    let issued = service.issue(TokenType::Access, 1);
    assert_eq!(verdict(&service, &issued), Ok(()));
    let claims = with(
        with(access_claims(), "iss", json!("https://issuer.test")),
        "aud",
        json!("api"),
    );
    assert_eq!(
        verdict(&service, &forge(hs256(), claims.clone(), SECRET)),
        Ok(())
    );
    let wrong_iss = with(claims.clone(), "iss", json!("https://evil.test"));
    assert_eq!(
        verdict(&service, &forge(hs256(), wrong_iss, SECRET)),
        Err(TokenError::Invalid)
    );
    let wrong_aud = with(claims, "aud", json!("other"));
    assert_eq!(
        verdict(&service, &forge(hs256(), wrong_aud, SECRET)),
        Err(TokenError::Invalid)
    );
    for (name, value) in [
        ("iss", json!(null)),
        ("iss", json!(["https://issuer.test"])),
        ("aud", json!(null)),
        ("aud", json!(["other"])),
    ] {
        let claims = with(
            with(access_claims(), "iss", json!("https://issuer.test")),
            "aud",
            json!(["x", "api"]),
        );
        assert_eq!(
            verdict(&service, &forge(hs256(), claims.clone(), SECRET)),
            Ok(())
        );
        let edited = with(claims.clone(), name, value.clone());
        assert_eq!(
            verdict(&service, &forge(hs256(), edited, SECRET)),
            Err(TokenError::Invalid),
            "{name}={value}"
        );
        let missing = without(claims, name);
        assert_eq!(
            verdict(&service, &forge(hs256(), missing, SECRET)),
            Err(TokenError::Invalid),
            "no {name}"
        );
    }
    // Without an audience configured, `aud` is ignored, as in SimpleJWT.
    let plain = self::service(|_| {});
    let any_aud = with(access_claims(), "aud", json!("whatever"));
    assert_eq!(verdict(&plain, &forge(hs256(), any_aud, SECRET)), Ok(()));
}

#[test]
fn validly_signed_but_oversized_tokens_are_refused() {
    let service = service(|_| {});
    let padded = with(access_claims(), "padding", json!("x".repeat(MAX_TOKEN_LEN)));
    assert_eq!(
        verdict(&service, &forge(hs256(), padded, SECRET)),
        Err(TokenError::Invalid)
    );
    let small = with(access_claims(), "padding", json!("x".repeat(1000)));
    assert_eq!(verdict(&service, &forge(hs256(), small, SECRET)), Ok(()));
}

#[test]
fn concurrent_revocations_of_one_token_let_only_one_through() {
    let service = std::sync::Arc::new(service(|_| {}));
    let token = service.issue(TokenType::Refresh, 1);
    let verified = service.verify(&token, Some(TokenType::Refresh)).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (service, verified) = (service.clone(), verified.clone());
            std::thread::spawn(move || service.blacklist(&verified).is_ok())
        })
        .collect();
    let successes = threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|&ok| ok)
        .count();
    assert_eq!(successes, 1);
}

#[test]
fn malformed_segments_are_invalid() {
    let service = service(|_| {});
    for token in [
        "",
        "garbage",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "!!!.???.***",
        "e30.e30.e30",
    ] {
        assert_eq!(
            verdict(&service, token),
            Err(TokenError::Invalid),
            "{token:?}"
        );
    }
    let big = format!(
        "{}.{}.{}",
        "A".repeat(50_000),
        "B".repeat(50_000),
        "C".repeat(100)
    );
    assert_eq!(verdict(&service, &big), Err(TokenError::Invalid));
}

#[test]
fn blacklisted_refresh_tokens_are_refused_and_pruned_after_expiry() {
    let service = service(|c| c.refresh_ttl = Duration::from_secs(1));
    let token = service.issue(TokenType::Refresh, 1);
    let verified = service.verify(&token, Some(TokenType::Refresh)).unwrap();
    assert_eq!(service.blacklist(&verified), Ok(()));
    assert_eq!(
        service.blacklist(&verified),
        Err(TokenError::Blacklisted),
        "revoking twice"
    );
    assert_eq!(
        service
            .verify(&token, Some(TokenType::Refresh))
            .unwrap_err(),
        TokenError::Blacklisted
    );
    assert_eq!(service.blacklist_len(), 1);
    std::thread::sleep(Duration::from_millis(2100));
    let other = service
        .verify(
            &service.issue(TokenType::Refresh, 1),
            Some(TokenType::Refresh),
        )
        .unwrap();
    service.blacklist(&other).unwrap();
    assert_eq!(service.blacklist_len(), 1, "the expired entry is pruned");
}

#[test]
fn the_blacklist_prunes_in_expiry_order() {
    let mut blacklist = Blacklist::default();
    blacklist.insert("late".into(), 30);
    blacklist.insert("early".into(), 10);
    blacklist.insert("middle".into(), 20);
    blacklist.prune(20);
    assert!(blacklist.contains("late"));
    assert!(!blacklist.contains("middle") && !blacklist.contains("early"));
}

#[test]
fn messages_follow_the_generation() {
    assert_eq!(
        TokenError::Expired.message(Compat::SimpleJwt5),
        "Token is expired"
    );
    assert_eq!(
        TokenError::Invalid.message(Compat::SimpleJwt5),
        "Token is invalid"
    );
    assert_eq!(
        TokenError::Expired.message(Compat::SimpleJwt4),
        "Token is invalid or expired"
    );
    assert_eq!(
        TokenError::Invalid.message(Compat::SimpleJwt4),
        "Token is invalid or expired"
    );
    assert_eq!(
        TokenError::WrongType.message(Compat::SimpleJwt4),
        "Token has wrong type"
    );
}
