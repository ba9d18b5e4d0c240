//! Steps that talk to the target: logging in, refreshing, and sending any
//! request a scenario spells out.

use cucumber::{given, when};
use regex::Regex;
use std::sync::LazyLock;

use crate::http::Request;
use crate::world::{ApiWorld, tokens_of};

/// Logs in; the answer is then checked by the steps that follow.
#[when(regex = r"^I log in$")]
async fn log_in(world: &mut ApiWorld) {
    let settings = world.settings();
    let (username, password) = (settings.username.clone(), settings.password.clone());
    world.log_in_as(&username, &password).await;
}

/// Logs in as a precondition: anything but two tokens fails the scenario.
#[given(regex = r"^I have logged in$")]
async fn logged_in(world: &mut ApiWorld) {
    log_in(world).await;
    if tokens_of(world.response()).is_none() {
        world.fail("logging in with the configured account did not answer 200 with two tokens");
    }
}

#[given(regex = r"^I have logged in (\d+) times$")]
async fn log_in_times(world: &mut ApiWorld, times: usize) {
    for _ in 0..times {
        logged_in(world).await;
    }
}

#[when(regex = r"^I refresh the tokens$")]
async fn refresh(world: &mut ApiWorld) {
    let path = world.settings().paths.refresh.clone();
    let request = json_request("POST", &path, r#"{"refresh": "{refresh}"}"#);
    let previous = world.live.clone();
    let response = world.send(request).await.clone();
    let Some((old_access, old_refresh)) = previous else {
        return;
    };
    // The tokens actually sent may have been renewed on the way.
    let sent_refresh = world
        .last()
        .used
        .get("refresh")
        .cloned()
        .unwrap_or(old_refresh);
    let body = response.json.as_ref();
    let new_access = body.and_then(|b| b.get("access")).and_then(|a| a.as_str());
    let Some(new_access) = (response.status == 200).then_some(new_access).flatten() else {
        return;
    };
    let access = crate::jwt::Jwt::parse(new_access);
    let refresh = match tokens_of(&response) {
        Some((_, rotated)) => {
            world
                .kept
                .insert("replaced_refresh".into(), sent_refresh.clone());
            rotated
        }
        None => sent_refresh,
    };
    world.kept.insert("previous_access".into(), old_access);
    world.live = Some((access, refresh));
    world.live_refreshed = true;
}

#[given(regex = r"^I keep the (access|refresh) token as (\w+)$")]
#[when(regex = r"^I keep the (access|refresh) token as (\w+)$")]
async fn keep(world: &mut ApiWorld, which: String, name: String) {
    let (access, refresh) = world.live().clone();
    let token = if which == "access" { access } else { refresh };
    world.kept.insert(name, token);
}

#[when(regex = r"^I log in as the inactive user$")]
async fn log_in_inactive(world: &mut ApiWorld) {
    let Some((username, password)) = world.settings().inactive.clone() else {
        world.fail("this scenario needs --inactive-username and --inactive-password");
    };
    world.log_in_as(&username, &password).await;
}

#[when(regex = r"^I send ([A-Z]+) to (.+)$")]
async fn send(world: &mut ApiWorld, method: String, rest: String) {
    let request = match parse_request(world, &method, &rest) {
        Ok(request) => request,
        Err(message) => panic!("the step cannot be read: {message}"),
    };
    world.send(request).await;
}

fn json_request(method: &str, path: &str, body: &str) -> Request {
    Request::json(method, path, body.into())
}

static DESTINATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(?:the (\w+) endpoint( without its trailing slash)?|the path "([^"]*)")"#)
        .expect("valid")
});
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^ (?:with|and) the header "([^":]+): ?([^"]*)""#).expect("valid")
});
static BODY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^ (?:with|and) (?:the (JSON|form) body (.*)|the body (.*) as "([^"]+)")$"#)
        .expect("valid")
});

/// Reads "the user endpoint with the header "A: b" and the JSON body {...}".
fn parse_request(world: &ApiWorld, method: &str, text: &str) -> Result<Request, String> {
    let paths = &world.settings().paths;
    let caps = DESTINATION
        .captures(text)
        .ok_or("expected `the NAME endpoint` or `the path \"P\"`")?;
    let path = match (caps.get(1), caps.get(3)) {
        (Some(endpoint), _) => {
            let path = paths
                .of(endpoint.as_str())
                .ok_or_else(|| format!("there is no {} endpoint", endpoint.as_str()))?;
            if caps.get(2).is_some() {
                path.trim_end_matches('/').to_string()
            } else {
                path.to_string()
            }
        }
        (None, Some(path)) => path.as_str().to_string(),
        (None, None) => unreachable!("the pattern has two branches"),
    };
    let mut rest = &text[caps.get(0).expect("whole match").end()..];
    let mut headers: Vec<(String, String)> = Vec::new();
    while let Some(caps) = HEADER.captures(rest) {
        headers.push((caps[1].to_string(), caps[2].to_string()));
        rest = &rest[caps.get(0).expect("whole match").end()..];
    }
    let mut body = None;
    let mut content_type = None;
    if !rest.is_empty() {
        let caps = BODY
            .captures(rest)
            .ok_or_else(|| format!("cannot read {rest:?}"))?;
        match (caps.get(1), caps.get(3)) {
            (Some(kind), _) => {
                body = Some(caps[2].to_string());
                content_type = Some(if kind.as_str() == "JSON" {
                    "application/json"
                } else {
                    "application/x-www-form-urlencoded"
                });
            }
            (None, Some(text)) => {
                body = Some(text.as_str().to_string());
                content_type = Some(caps.get(4).expect("with the body").as_str());
            }
            (None, None) => unreachable!("the pattern has two branches"),
        }
    }
    let has = |name: &str, headers: &[(String, String)]| {
        headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    if let Some(content_type) = content_type
        && !has("Content-Type", &headers)
    {
        headers.insert(0, ("Content-Type".into(), content_type.into()));
    }
    if !has("Accept", &headers) {
        headers.push(("Accept".into(), "application/json".into()));
    }
    Ok(Request {
        method: method.into(),
        path,
        headers,
        body,
    })
}
