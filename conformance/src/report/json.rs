//! Cucumber JSON, the format most CI dashboards read: features, their
//! scenarios ("elements") and steps with a result each. Warnings, notes and
//! skip reasons go into the `output` of the step they belong to.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{ScenarioResult, Status};
use crate::snapshot::slug;

pub fn cucumber_json(results: &[ScenarioResult]) -> String {
    let mut by_feature: BTreeMap<&str, Vec<&ScenarioResult>> = BTreeMap::new();
    for r in results {
        by_feature.entry(r.path.as_str()).or_default().push(r);
    }
    let features: Vec<Value> = by_feature
        .into_iter()
        .map(|(path, mut scenarios)| {
            scenarios.sort_by_key(|r| r.line);
            let feature = &scenarios[0].feature;
            let elements: Vec<Value> = scenarios.iter().map(|r| element(r)).collect();
            json!({
                "uri": path,
                "id": slug(feature),
                "keyword": "Feature",
                "name": feature,
                "description": "",
                "line": 1,
                "elements": elements,
            })
        })
        .collect();
    serde_json::to_string_pretty(&Value::Array(features)).expect("JSON values serialise")
}

fn element(r: &ScenarioResult) -> Value {
    let last_run = r.steps.iter().rposition(|s| s.status.is_some());
    let steps: Vec<Value> = r
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let status = s.status.unwrap_or(Status::Skipped);
            let mut result = json!({
                "status": status.word(),
                "duration": s.duration.as_nanos() as u64,
            });
            if let Some(error) = &s.error {
                result["error_message"] = json!(error);
            }
            let mut step = json!({
                "keyword": format!("{} ", s.keyword),
                "name": s.text,
                "line": s.line,
                "result": result,
            });
            if Some(i) == last_run {
                let mut output: Vec<String> = Vec::new();
                output.extend(r.skip_reason.iter().map(|s| format!("skipped: {s}")));
                output.extend(
                    r.notes
                        .warnings
                        .iter()
                        .map(|w| format!("warning (recommended): {w}")),
                );
                output.extend(r.notes.info.iter().map(|i| format!("note: {i}")));
                if r.steps.iter().all(|s| s.error.is_none())
                    && let Some(failure) = &r.failure
                {
                    output.push(format!("failed: {failure}"));
                }
                if !output.is_empty() {
                    step["output"] = json!(output);
                }
            }
            step
        })
        .collect();
    let tags: Vec<Value> = r
        .tags
        .iter()
        .map(|t| json!({"name": format!("@{t}"), "line": r.line.saturating_sub(1)}))
        .collect();
    json!({
        "id": format!("{};{}", slug(&r.feature), slug(&r.name)),
        "keyword": "Scenario",
        "type": "scenario",
        "name": r.name,
        "description": "",
        "line": r.line,
        "tags": tags,
        "steps": steps,
    })
}
