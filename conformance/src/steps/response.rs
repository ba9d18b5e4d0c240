//! Checks of the last answer: status, headers, body.

use std::collections::BTreeSet;

use cucumber::then;
use serde_json::Value;

use crate::verdict::Level;
use crate::world::ApiWorld;

#[then(regex = r"^the status (must|should) be (\d{3})$")]
async fn status(world: &mut ApiWorld, level: String, expected: u16) {
    let actual = world.response().status;
    world.check(
        Level::parse(&level),
        actual == expected,
        &format!("status {expected}"),
        &format!("status {actual}"),
    );
}

#[then(regex = r"^the status (must|should) be one of ([\d, or]+)$")]
async fn status_one_of(world: &mut ApiWorld, level: String, list: String) {
    let allowed: Vec<u16> = list
        .split([',', ' '])
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let actual = world.response().status;
    world.check(
        Level::parse(&level),
        allowed.contains(&actual),
        &format!("status one of {list}"),
        &format!("status {actual}"),
    );
}

#[then(regex = r#"^the header "([^"]+)" (must|should) be "(.*)"$"#)]
async fn header_is(world: &mut ApiWorld, name: String, level: String, expected: String) {
    let actual = world.response().header(&name).map(str::to_string);
    world.check(
        Level::parse(&level),
        actual.as_deref() == Some(expected.as_str()),
        &format!("{name}: {expected}"),
        &shown_header(&name, actual.as_deref()),
    );
}

#[then(regex = r#"^the header "([^"]+)" (must|should) start with "(.*)"$"#)]
async fn header_starts(world: &mut ApiWorld, name: String, level: String, prefix: String) {
    let actual = world.response().header(&name).map(str::to_string);
    world.check(
        Level::parse(&level),
        // Used for authentication schemes, whose names are case-insensitive.
        actual.as_deref().is_some_and(|v| {
            v.get(..prefix.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(&prefix))
        }),
        &format!("{name} starting with {prefix:?} (in any case)"),
        &shown_header(&name, actual.as_deref()),
    );
}

#[then(regex = r#"^the header "([^"]+)" (must|should) list (.+)$"#)]
async fn header_lists(world: &mut ApiWorld, name: String, level: String, expected: String) {
    let items = |text: &str| -> BTreeSet<String> {
        text.split(',')
            .map(|s| s.trim().to_ascii_uppercase())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let actual = world.response().header(&name).map(str::to_string);
    world.check(
        Level::parse(&level),
        actual
            .as_deref()
            .is_some_and(|v| items(v) == items(&expected)),
        &format!("{name} listing {expected}"),
        &shown_header(&name, actual.as_deref()),
    );
}

/// A redirect to the same endpoint with its slash, relative or absolute.
#[then(regex = r#"^the header "Location" (must|should) point to the (\w+) endpoint$"#)]
async fn location(world: &mut ApiWorld, level: String, endpoint: String) {
    let path = world
        .settings()
        .paths
        .of(&endpoint)
        .unwrap_or("?")
        .to_string();
    let actual = world.response().header("location").map(str::to_string);
    world.check(
        Level::parse(&level),
        actual.as_deref().is_some_and(|v| v.ends_with(&path)),
        &format!("Location ending in {path}"),
        &shown_header("Location", actual.as_deref()),
    );
}

fn shown_header(name: &str, value: Option<&str>) -> String {
    match value {
        Some(value) => format!("{name}: {value}"),
        None => format!("no {name} header"),
    }
}

#[then(regex = r#"^the media type (must|should) be "(.+)"$"#)]
async fn media_type(world: &mut ApiWorld, level: String, expected: String) {
    let actual = world.response().media_type();
    world.check(
        Level::parse(&level),
        actual.as_deref() == Some(expected.as_str()),
        &format!("media type {expected}"),
        &format!(
            "{:?}",
            world.response().header("content-type").unwrap_or("none")
        ),
    );
}

#[then(regex = r"^the body (must|should) be (\{.*\}|\[.*\])$")]
async fn body_is(world: &mut ApiWorld, level: String, expected: String) {
    let expected: Value = serde_json::from_str(&expected).expect("the scenario's JSON is valid");
    let actual = world.response().json.clone();
    let shown = actual.as_ref().map_or_else(
        || {
            format!(
                "a body that is not JSON: {:?}",
                crate::http::shorten(&world.response().text, 200)
            )
        },
        |v| world.settings().masker.mask(&v.to_string()),
    );
    world.check(
        Level::parse(&level),
        actual.as_ref() == Some(&expected),
        &format!("the body {expected}"),
        &shown,
    );
}

#[then(regex = r"^the body (must|should) have exactly the keys? (.+)$")]
async fn body_keys(world: &mut ApiWorld, level: String, list: String) {
    let expected = key_list(world, &list);
    check_keys(
        world,
        Level::parse(&level),
        world.response().json.clone(),
        expected,
        "the body",
    );
}

#[then(regex = r#"^the body's "([^"]+)" (must|should) have exactly the keys? (.+)$"#)]
async fn nested_keys(world: &mut ApiWorld, path: String, level: String, list: String) {
    let expected = key_list(world, &list);
    let value = body_at(world, &path);
    check_keys(
        world,
        Level::parse(&level),
        value,
        expected,
        &format!("{path:?}"),
    );
}

/// The keys the refresh answer has: `access`, plus `refresh` with rotation on.
#[then(regex = r"^the body must have the keys of a refresh answer$")]
async fn refresh_keys(world: &mut ApiWorld) {
    let mut expected = BTreeSet::from(["access".to_string()]);
    if world.target().detected.rotation {
        expected.insert("refresh".into());
    }
    check_keys(
        world,
        Level::Required,
        world.response().json.clone(),
        expected,
        "the body",
    );
}

/// `"a", "b"` into a set, with `{username_field}` filled in.
fn key_list(world: &ApiWorld, list: &str) -> BTreeSet<String> {
    let field = &world.settings().username_field;
    list.split(',')
        .map(|k| {
            k.trim()
                .trim_matches('"')
                .replace("{username_field}", field)
        })
        .collect()
}

fn check_keys(
    world: &mut ApiWorld,
    level: Level,
    value: Option<Value>,
    expected: BTreeSet<String>,
    what: &str,
) {
    let actual: Option<BTreeSet<String>> = value
        .as_ref()
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect());
    world.check(
        level,
        actual.as_ref() == Some(&expected),
        &format!("{what} as an object with the keys {expected:?}"),
        &match actual {
            Some(keys) => format!("the keys {keys:?}"),
            None => format!(
                "not a JSON object: {:?}",
                crate::http::shorten(&world.response().text, 200)
            ),
        },
    );
}

/// `a.0.b` into a JSON value.
/// The value at `path` in the last answer's JSON body, if any.
fn body_at(world: &ApiWorld, path: &str) -> Option<Value> {
    world
        .response()
        .json
        .as_ref()
        .and_then(|b| at(b, path))
        .cloned()
}

fn at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(value, |v, part| match part.parse::<usize>() {
            Ok(i) => v.get(i),
            Err(_) => v.get(part),
        })
}

/// Reads `"a" or "b" or 3`: JSON values separated by "or".
fn alternatives(text: &str) -> Vec<Value> {
    let mut values = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) => {
                values.push(value);
                rest = rest[stream.byte_offset()..].trim_start();
                rest = rest.strip_prefix("or").unwrap_or(rest).trim_start();
            }
            _ => panic!("the scenario's expected value {text:?} is not JSON"),
        }
    }
    values
}

#[then(regex = r#"^the body's "([^"]+)" (must|should) be (.+)$"#)]
async fn value_is(world: &mut ApiWorld, path: String, level: String, expected: String) {
    let actual = body_at(world, &path);
    // `an integer` asks for the type alone; anything else lists JSON values.
    let ok = if expected == "an integer" {
        actual.as_ref().is_some_and(|a| a.is_i64() || a.is_u64())
    } else {
        let options = alternatives(&expected);
        actual.as_ref().is_some_and(|a| options.contains(a))
    };
    world.check(
        Level::parse(&level),
        ok,
        &format!("{path:?} = {expected}"),
        &actual.map_or_else(
            || format!("no {path:?} in the body"),
            |a| format!("{path:?} = {a}"),
        ),
    );
}

#[then(regex = r#"^the body's "([^"]+)" (must|should) start with "(.*)"$"#)]
async fn value_starts(world: &mut ApiWorld, path: String, level: String, prefix: String) {
    let actual = body_at(world, &path);
    world.check(
        Level::parse(&level),
        actual
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|s| s.starts_with(&prefix)),
        &format!("{path:?} starting with {prefix:?}"),
        &actual.map_or_else(
            || format!("no {path:?} in the body"),
            |a| format!("{path:?} = {a}"),
        ),
    );
}

#[then(regex = r"^the body (must|should) be compact JSON$")]
async fn compact(world: &mut ApiWorld, level: String) {
    let response = world.response().clone();
    let compact = response.json.as_ref().map(Value::to_string);
    world.check(
        Level::parse(&level),
        compact.as_deref() == Some(response.text.as_str()),
        "compact JSON, no spaces",
        &format!("{:?}", world.settings().masker.mask(&response.text)),
    );
}

#[then(regex = r"^the body (must|should) be indented by (\d+) spaces$")]
async fn indented(world: &mut ApiWorld, level: String, width: usize) {
    let response = world.response().clone();
    let second_line = response.text.lines().nth(1).unwrap_or("");
    let indent = second_line.len() - second_line.trim_start_matches(' ').len();
    world.check(
        Level::parse(&level),
        response.json.is_some() && indent == width && response.text.contains('\n'),
        &format!("JSON indented by {width} spaces"),
        &format!("{:?}", world.settings().masker.mask(&response.text)),
    );
}

#[then(regex = r#"^the body's "id" must match the access token's user_id$"#)]
async fn id_matches(world: &mut ApiWorld) {
    let token = world.last().used.get("access").cloned();
    let expected = token.as_ref().and_then(|t| t.user_id_text());
    let actual = world
        .response()
        .json
        .as_ref()
        .and_then(|b| b.get("id"))
        .cloned();
    let actual_text = match &actual {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    world.check(
        Level::Required,
        expected.is_some() && actual_text == expected,
        &format!(
            "\"id\" equal to the token's user_id, {} (as text); the token's claims: {}",
            super::tokens::shown(expected.clone()),
            token
                .as_ref()
                .map_or_else(|| "no token".into(), super::tokens::claim_names)
        ),
        &format!("\"id\" = {}", super::tokens::shown(actual)),
    );
}

#[then(regex = r#"^the body's "username" must name the user who logged in$"#)]
async fn username_matches(world: &mut ApiWorld) {
    if world.settings().username_field != "username" {
        world.notes.info.push(
            "the login field is not `username`, so the answer's username is not compared".into(),
        );
        return;
    }
    let expected = world.settings().username.clone();
    let actual = world
        .response()
        .json
        .as_ref()
        .and_then(|b| b.get("username"))
        .cloned();
    world.check(
        Level::Required,
        actual.as_ref().and_then(Value::as_str) == Some(expected.as_str()),
        &format!("\"username\" = {expected:?}"),
        &format!("\"username\" = {actual:?}"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_alternatives() {
        let values = alternatives(r#""Token is expired" or "Token is invalid or expired""#);
        assert_eq!(values.len(), 2);
        assert_eq!(values[1], Value::from("Token is invalid or expired"));
    }

    #[test]
    fn walks_paths() {
        let body = serde_json::json!({"messages": [{"message": "x"}]});
        assert_eq!(at(&body, "messages.0.message"), Some(&Value::from("x")));
    }
}
