//! The shipped scenarios: parsed from the copies embedded at build time,
//! filtered by `--tags`, and marked skipped (with the reason) where the
//! target lacks what they test.

use std::path::PathBuf;

use cucumber::feature::Ext as _;
use cucumber::gherkin::{self, GherkinEnv, tagexpr::TagOperation};
use cucumber::tag::Ext as _;

use crate::world::{Context, EXPIRY_MARGIN};

pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// A step starting with this matches no definition, so cucumber skips the
/// scenario; the report reads the reason from the rest of the text.
pub const SKIP_PREFIX: &str = "the scenario is skipped: ";
/// Starts the panic message of a step whose answer cannot be judged; the
/// scenario is then reported as skipped with the rest of the message.
pub const INCONCLUSIVE_PREFIX: &str = "inconclusive: ";
/// Starts the panic message of a step that would wait longer than
/// `--max-wait`, found only while running: the scenario is then skipped, as
/// it is when the first login shows the wait in advance.
pub const OVER_MAX_WAIT_PREFIX: &str = "over --max-wait: ";

/// Why waiting `wait` seconds for the `which` token to expire is not done.
pub fn over_max_wait(which: &str, wait: f64, max_wait: std::time::Duration) -> String {
    format!(
        "waiting for the {which} token to expire takes about {}, over --max-wait {}",
        humantime::format_duration(std::time::Duration::from_secs(wait.max(0.0) as u64)),
        humantime::format_duration(max_wait)
    )
}

/// Every shipped feature, parsed; scenario names must be unique within a
/// feature, as snapshots are named after them.
pub fn features() -> Result<Vec<gherkin::Feature>, String> {
    let features = parse_all()?;
    for feature in &features {
        let mut seen = std::collections::HashSet::new();
        for scenario in &feature.scenarios {
            if !seen.insert(crate::snapshot::slug(&scenario.name)) {
                return Err(format!(
                    "{}:{}: another scenario of this feature has the same name {:?}",
                    feature
                        .path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    scenario.position.line,
                    scenario.name
                ));
            }
        }
    }
    Ok(features)
}

fn parse_all() -> Result<Vec<gherkin::Feature>, String> {
    embedded::FEATURES
        .iter()
        .map(|(path, text)| {
            let mut feature = gherkin::Feature::parse(text, GherkinEnv::default())
                .map_err(|e| format!("{path}: {e}"))?;
            feature.path = Some(PathBuf::from(path));
            feature
                .expand_examples()
                .map_err(|e| format!("{path}: {e}"))
        })
        .collect()
}

/// The tags of a scenario, its feature's included.
pub fn tags(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> Vec<String> {
    feature.tags.iter().chain(&scenario.tags).cloned().collect()
}

/// Keeps the scenarios `expr` selects; drops features left empty.
pub fn filter(
    features: Vec<gherkin::Feature>,
    expr: Option<&TagOperation>,
) -> Vec<gherkin::Feature> {
    features
        .into_iter()
        .filter_map(|mut feature| {
            let all = feature.scenarios.clone();
            feature.scenarios = all
                .into_iter()
                .filter(|s| expr.is_none_or(|e| e.eval(tags(&feature, s).iter())))
                .collect();
            (!feature.scenarios.is_empty()).then_some(feature)
        })
        .collect()
}

pub fn count(features: &[gherkin::Feature]) -> usize {
    features.iter().map(|f| f.scenarios.len()).sum()
}

/// Why a scenario with these tags cannot run against this target, if so.
pub fn skip_reason(ctx: &Context, tags: &[String]) -> Option<String> {
    let has = |t: &str| tags.iter().any(|tag| tag == t);
    let target = if has("rotation") {
        ctx.rotation.as_ref().unwrap_or(&ctx.main)
    } else {
        &ctx.main
    };
    let d = &target.detected;
    let max_wait = ctx.settings.max_wait.as_secs_f64();
    if has("verify") && !d.verify {
        return Some("the verify endpoint answered 404 (verify is optional)".into());
    }
    if has("blacklist") && !d.blacklist {
        return Some("the blacklist endpoint answered 404 (blacklisting is optional)".into());
    }
    if has("rotation") && !d.rotation {
        return Some("refresh answers no new refresh token (rotation is off)".into());
    }
    if has("blacklist-after-rotation") && !d.blacklist_after_rotation {
        return Some(
            "a replaced refresh token still works (blacklist after rotation is off)".into(),
        );
    }
    if has("without-blacklist-after-rotation") && d.blacklist_after_rotation {
        return Some("blacklist after rotation is on, which changes this answer".into());
    }
    if has("signed") && ctx.settings.signing_key.is_none() {
        return Some("needs the target's HS256 key to sign broken claims: --signing-key".into());
    }
    if has("embedded-users") && ctx.embedded.is_none() {
        return Some(
            "changes accounts on the server, which only the embedded server allows".into(),
        );
    }
    if has("inactive") && ctx.settings.inactive.is_none() {
        return Some(
            "needs an inactive account: --inactive-username and --inactive-password".into(),
        );
    }
    for (tag, lifetime, which) in [
        ("expiry", d.access_lifetime, "access"),
        ("refresh-expiry", d.refresh_lifetime, "refresh"),
    ] {
        if let Some(lifetime) = lifetime.filter(|_| has(tag)) {
            let wait = lifetime + EXPIRY_MARGIN;
            if wait > max_wait {
                return Some(over_max_wait(which, wait, ctx.settings.max_wait));
            }
        }
    }
    None
}

/// Puts a first step that matches nothing into every scenario that must be
/// skipped, carrying the reason.
pub fn mark_skips(ctx: &Context, features: &mut [gherkin::Feature]) {
    for feature in features.iter_mut() {
        let feature_tags = feature.tags.clone();
        for scenario in &mut feature.scenarios {
            let tags: Vec<String> = feature_tags.iter().chain(&scenario.tags).cloned().collect();
            if let Some(reason) = skip_reason(ctx, &tags)
                && let Some(first) = scenario.steps.first()
            {
                let mut marker = first.clone();
                marker.keyword = "Given ".into();
                marker.ty = gherkin::StepType::Given;
                marker.value = format!("{SKIP_PREFIX}{reason}");
                marker.docstring = None;
                marker.table = None;
                marker.position.line = scenario.position.line;
                scenario.steps.insert(0, marker);
            }
        }
    }
}

/// `--list`: every scenario with its place and tags.
pub fn list(features: &[gherkin::Feature]) -> String {
    let mut out = String::new();
    for feature in features {
        let path = feature
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        for scenario in &feature.scenarios {
            let tags: Vec<String> = tags(feature, scenario)
                .iter()
                .map(|t| format!("@{t}"))
                .collect();
            out.push_str(&format!(
                "{path}:{}  {}  [{}]\n",
                scenario.position.line,
                scenario.name,
                tags.join(" ")
            ));
        }
    }
    out
}

/// Hands the prepared features to cucumber.
pub struct Prepared(pub Vec<gherkin::Feature>);

impl<I> cucumber::Parser<I> for Prepared {
    type Cli = cucumber::cli::Empty;
    type Output =
        futures::stream::Iter<std::vec::IntoIter<cucumber::parser::Result<gherkin::Feature>>>;

    fn parse(self, _: I, _: Self::Cli) -> Self::Output {
        futures::stream::iter(self.0.into_iter().map(Ok).collect::<Vec<_>>())
    }
}
