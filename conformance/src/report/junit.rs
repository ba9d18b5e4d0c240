//! JUnit XML: one testsuite per feature, one testcase per scenario.

use std::collections::BTreeMap;

use super::{ScenarioResult, Status};

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters (colour codes included) are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

pub fn junit_xml(results: &[ScenarioResult]) -> String {
    let mut by_feature: BTreeMap<&str, Vec<&ScenarioResult>> = BTreeMap::new();
    for r in results {
        by_feature.entry(r.path.as_str()).or_default().push(r);
    }
    let count = |rs: &[&ScenarioResult], s: Status| rs.iter().filter(|r| r.status == s).count();
    let all: Vec<&ScenarioResult> = results.iter().collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"jwt-conformance\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
        all.len(),
        count(&all, Status::Failed),
        count(&all, Status::Skipped)
    ));
    for (path, mut scenarios) in by_feature {
        scenarios.sort_by_key(|r| r.line);
        let time: f64 = scenarios.iter().map(|r| r.duration.as_secs_f64()).sum();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{time:.3}\">\n",
            escape(&scenarios[0].feature),
            scenarios.len(),
            count(&scenarios, Status::Failed),
            count(&scenarios, Status::Skipped)
        ));
        for r in scenarios {
            out.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{:.3}\">\n",
                escape(&r.name),
                escape(path),
                escape(path),
                r.line,
                r.duration.as_secs_f64()
            ));
            match r.status {
                Status::Passed => {}
                Status::Failed => {
                    let failure = r.failure.as_deref().unwrap_or("failed");
                    out.push_str(&format!(
                        "      <failure message=\"{}\" type=\"required check failed\">{}</failure>\n",
                        escape(failure.lines().next().unwrap_or("")),
                        escape(failure)
                    ));
                }
                Status::Skipped => out.push_str(&format!(
                    "      <skipped message=\"{}\"/>\n",
                    escape(r.skip_reason.as_deref().unwrap_or(""))
                )),
            }
            let mut output = String::new();
            for w in &r.notes.warnings {
                output.push_str(&format!("warning (recommended): {w}\n"));
            }
            for i in &r.notes.info {
                output.push_str(&format!("note: {i}\n"));
            }
            if !output.is_empty() {
                out.push_str(&format!(
                    "      <system-out>{}</system-out>\n",
                    escape(&output)
                ));
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
