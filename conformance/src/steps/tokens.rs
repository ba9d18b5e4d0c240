//! Checks of the tokens themselves, at the levels of CONTRACT.md's token
//! table. The runner cannot verify signatures; it reads what is visible.

use cucumber::then;
use serde_json::Value;

use crate::jwt::Jwt;
use crate::verdict::Level;
use crate::world::ApiWorld;

/// The token named in a step: the live one, or one set aside.
fn token(world: &ApiWorld, which: &str) -> Jwt {
    match which {
        "access" => world.live().0.clone(),
        "refresh" => world.live().1.clone(),
        other => world
            .kept
            .get(other)
            .cloned()
            .unwrap_or_else(|| world.fail(&format!("the scenario never kept a {other} token"))),
    }
}

#[then(regex = r"^the (access|refresh) token (must|should) (.+)$")]
async fn token_property(world: &mut ApiWorld, which: String, level: String, property: String) {
    let jwt = token(world, &which);
    let level = Level::parse(&level);
    let header = jwt.header.clone().unwrap_or_default();
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let (ok, actual): (bool, String) = match property.as_str() {
        "have three base64url segments" => (
            jwt.segments == 3 && jwt.header.is_some() && jwt.payload.is_some(),
            format!(
                "{} segments, header and payload readable: {}",
                jwt.segments,
                jwt.header.is_some() && jwt.payload.is_some()
            ),
        ),
        "not use alg none" => (
            !alg.is_empty() && !alg.eq_ignore_ascii_case("none"),
            format!("alg {alg:?}"),
        ),
        "have its own token_type" => {
            let actual = jwt.claim("token_type").cloned();
            (
                actual == Some(Value::from(which.as_str())),
                format!("token_type {actual:?}"),
            )
        }
        "have an integer exp in the future" => {
            // Seconds since the epoch: an `exp` in milliseconds would lie
            // thousands of years ahead, so more than ten years is refused.
            const TEN_YEARS: f64 = 10.0 * 366.0 * 24.0 * 3600.0;
            let exp = jwt.claim("exp").cloned();
            let now = world.target_now();
            let ok = jwt
                .exp()
                .is_some_and(|e| e as f64 > now - 1.0 && (e as f64) < now + TEN_YEARS)
                && exp.as_ref().is_some_and(|e| e.is_i64() || e.is_u64());
            (ok, format!("exp {} (now {now:.0})", shown(exp)))
        }
        "have a jti" => {
            let jti = jwt.claim("jti").cloned();
            (
                jti.as_ref()
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty()),
                format!("jti {}", shown(jti)),
            )
        }
        "have a user_id" => {
            let id = jwt.claim("user_id").cloned();
            (
                jwt.user_id_text().is_some(),
                format!("user_id {} (claims: {})", shown(id), claim_names(&jwt)),
            )
        }
        "use alg HS256 and typ JWT" => {
            let typ = header.get("typ").and_then(Value::as_str).unwrap_or("");
            (
                alg == "HS256" && typ == "JWT",
                format!("alg {alg:?}, typ {typ:?}"),
            )
        }
        "have a 32-byte signature" => (
            jwt.signature_len == Some(32),
            format!("{} bytes", shown(jwt.signature_len)),
        ),
        "have a jti of 32 lowercase hex digits" => {
            let jti = jwt
                .claim("jti")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let ok = jti.len() == 32
                && jti
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
            (ok, format!("jti {jti:?}"))
        }
        "carry the same user_id as before" => {
            let before = token(world, "previous_access").user_id_text();
            (
                before.is_some() && jwt.user_id_text() == before,
                format!(
                    "user_id {} after {}",
                    shown(jwt.user_id_text()),
                    shown(before)
                ),
            )
        }
        "have a new jti" => {
            let before = token(world, "previous_access").claim("jti").cloned();
            let now = jwt.claim("jti").cloned();
            (
                now.is_some() && now != before,
                format!("jti {} after {}", shown(now), shown(before)),
            )
        }
        "have an exp no earlier than before" => {
            let before = token(world, "previous_access").exp();
            (
                jwt.exp().is_some() && jwt.exp() >= before,
                format!("exp {} after {}", shown(jwt.exp()), shown(before)),
            )
        }
        other => {
            panic!("the scenario asks for a token property the runner does not know: {other:?}")
        }
    };
    world.check(
        level,
        ok,
        &format!("the {which} token to {property}"),
        &actual,
    );
}

#[then(regex = r"^every token's jti must be different$")]
async fn distinct_jtis(world: &mut ApiWorld) {
    let mut seen = world.jtis.clone();
    let count = seen.len();
    seen.sort();
    seen.dedup();
    world.check(
        Level::Required,
        count >= 2 && seen.len() == count,
        "a different jti in every token",
        &format!("{} distinct jti among {count} tokens", seen.len()),
    );
}

/// `exp - iat` of every login's access token within one second of one value;
/// without `iat` (SimpleJWT 4.x) there is nothing to compare.
#[then(regex = r"^every access token's lifetime should be the same within one second$")]
async fn same_lifetime(world: &mut ApiWorld) {
    let lifetimes: Vec<i64> = world
        .logins
        .iter()
        .filter_map(|t| Some(t.exp()? - t.iat()?))
        .collect();
    if lifetimes.is_empty() {
        world
            .notes
            .info
            .push("the tokens carry no iat, so lifetimes are not compared".into());
        return;
    }
    let (min, max) = (lifetimes.iter().min(), lifetimes.iter().max());
    world.check(
        Level::Recommended,
        max.zip(min).is_some_and(|(max, min)| max - min <= 1),
        "exp - iat within one second across logins",
        &format!("lifetimes {lifetimes:?} seconds"),
    );
}

#[then(regex = r"^the refresh lifetime should be longer than the access lifetime$")]
async fn refresh_outlives(world: &mut ApiWorld) {
    let (access, refresh) = world.live().clone();
    world.check(
        Level::Recommended,
        refresh.exp() > access.exp(),
        "the refresh token to expire after the access token",
        &format!(
            "access exp {}, refresh exp {}",
            shown(access.exp()),
            shown(refresh.exp())
        ),
    );
}

/// A value for a report: as it is, or "missing".
pub(crate) fn shown<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "missing".to_string(), |v| v.to_string())
}

/// The claims a token carries, to show what it has instead of the one sought.
pub(crate) fn claim_names(jwt: &crate::jwt::Jwt) -> String {
    jwt.payload
        .as_ref()
        .map(|p| p.keys().cloned().collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|| "unreadable payload".into())
}
