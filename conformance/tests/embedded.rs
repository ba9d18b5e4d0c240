//! The whole suite against the embedded reference server, in both compat
//! modes, with the shipped snapshots enforced.

mod support;

use support::run;

/// The last two lines: the counts, then the warnings.
fn closing(stdout: &str) -> (String, String) {
    let lines: Vec<&str> = stdout.lines().collect();
    let n = lines.len();
    assert!(n >= 2, "no summary in:\n{stdout}");
    (lines[n - 2].to_string(), lines[n - 1].to_string())
}

#[tokio::test]
async fn the_embedded_default_mode_passes_and_writes_both_reports() {
    let dir = std::env::temp_dir().join(format!("jwt-conformance-reports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (junit, json) = (dir.join("junit.xml"), dir.join("cucumber.json"));
    let run = run(&[
        "--junit",
        junit.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ])
    .await;

    assert_eq!(run.code, 0, "{}", run.shown());
    let (counts, warnings) = closing(&run.stdout);
    assert!(counts.ends_with(" passed, 0 failed, 0 skipped"), "{counts}");
    assert_eq!(warnings, "0 warnings");
    let passed: usize = counts.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 80, "only {passed} scenarios ran");

    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), passed, "{xml}");
    assert!(!xml.contains('\u{1b}'), "colour codes in the JUnit report");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let scenarios: usize = report
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["elements"].as_array().unwrap().len())
        .sum();
    assert_eq!(scenarios, passed);
    assert!(!run.stdout.contains("Ab12345678") && !run.stderr.contains("Ab12345678"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_embedded_simplejwt4_mode_passes_its_own_snapshots() {
    let run = run(&["--embedded-compat", "simplejwt4"]).await;

    assert_eq!(run.code, 0, "{}", run.shown());
    let (counts, _) = closing(&run.stdout);
    assert!(counts.ends_with(" passed, 0 failed, 0 skipped"), "{counts}");
}

#[tokio::test]
async fn the_other_generation_s_snapshots_fail_the_run() {
    let snapshots = concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/simplejwt5");
    let run = run(&[
        "--embedded-compat",
        "simplejwt4",
        "--snapshots",
        snapshots,
        "--tags",
        "@core and not @expiry",
    ])
    .await;

    assert_eq!(run.code, 1, "{}", run.shown());
    assert!(
        run.stdout.contains("differs from snapshot"),
        "{}",
        run.shown()
    );
    assert!(
        run.stdout
            .contains("+        \"message\": \"Token is invalid or expired\"")
    );
}

#[tokio::test]
async fn list_prints_every_scenario_with_its_tags() {
    let run = run(&["--list"]).await;

    assert_eq!(run.code, 0, "{}", run.shown());
    assert!(run.stdout.contains("features/seed.feature:"));
    assert!(run.stdout.contains("[@core @expiry]"));
}
