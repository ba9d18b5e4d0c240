//! Proof that the suite can fail: for each fault, a target that has it makes
//! the run exit 1 and name the scenario that caught it.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::{Fault, SIGNING_KEY, faulty_target, run};

/// Runs the suite against a target with `fault`; the run must fail and list
/// `scenario` among its failures.
async fn caught(fault: Fault, scenario: &str) {
    let url = faulty_target(fault).await;
    // The refresh-expiry scenario waits 6 s and no fault here needs it.
    let run = run(&[
        "--base-url",
        &url,
        "--max-wait",
        "4s",
        "--signing-key",
        SIGNING_KEY,
    ])
    .await;

    assert_eq!(run.code, 1, "{fault:?} was not caught:\n{}", run.shown());
    let failed = run.failed();
    assert!(
        failed.iter().any(|f| f.ends_with(scenario)),
        "{fault:?}: {scenario:?} not among the failures {failed:#?}\n{}",
        run.shown()
    );
    assert!(run.stdout.contains(" failed, "), "{}", run.shown());
}

#[tokio::test]
async fn missing_www_authenticate() {
    caught(
        Fault::NoWwwAuthenticate,
        "No Authorization header is refused",
    )
    .await;
}

#[tokio::test]
async fn forbidden_instead_of_unauthorized() {
    caught(
        Fault::ForbiddenInsteadOfUnauthorized,
        "Another scheme is treated as no credentials",
    )
    .await;
}

#[tokio::test]
async fn expired_access_token_accepted() {
    caught(
        Fault::AcceptsExpiredAccess,
        "An expired access token is refused",
    )
    .await;
}

#[tokio::test]
async fn refresh_token_accepted_as_access() {
    caught(
        Fault::AcceptsRefreshAsAccess,
        "A refresh token is not an access token",
    )
    .await;
}

#[tokio::test]
async fn access_token_accepted_by_refresh() {
    caught(
        Fault::RefreshAcceptsAccess,
        "An access token is refused by the refresh endpoint",
    )
    .await;
}

#[tokio::test]
async fn alg_none_accepted() {
    caught(
        Fault::AcceptsAlgNone,
        "Access token forged as alg None, capitalised is refused by the user endpoint",
    )
    .await;
}

#[tokio::test]
async fn wrong_status_on_bad_login() {
    caught(Fault::BadLoginIs400, "A wrong password is refused").await;
}

#[tokio::test]
async fn wrong_refresh_body() {
    caught(
        Fault::WrongRefreshBody,
        "A valid refresh token gives a new access token",
    )
    .await;
}

#[tokio::test]
async fn json_labelled_text_html() {
    caught(
        Fault::JsonAsHtml,
        "Errors and successes alike are application/json",
    )
    .await;
}

#[tokio::test]
async fn user_endpoint_names_the_wrong_user() {
    caught(Fault::WrongUser, "A valid access token names its user").await;
}

#[tokio::test]
async fn garbage_token_crashes_the_server() {
    caught(
        Fault::GarbageIs500,
        "Access token forged as garbage is refused by the user endpoint",
    )
    .await;
}

#[tokio::test]
async fn a_signed_string_exp_crashes_the_server() {
    caught(
        Fault::StringExpIs500,
        "An access token signed with a string exp is refused by the user endpoint",
    )
    .await;
}

/// A missed recommendation is a warning: shown, counted, reported, and the
/// run still passes, unless --strict.
#[tokio::test]
async fn a_missed_recommendation_warns_and_fails_only_with_strict() {
    let url = faulty_target(Fault::NoRealm).await;
    let dir = std::env::temp_dir().join(format!("jwt-conformance-warn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (junit, json) = (dir.join("junit.xml"), dir.join("report.json"));
    let tags = "@core and not @expiry";
    let lenient = run(&[
        "--base-url",
        &url,
        "--tags",
        tags,
        "--junit",
        junit.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ])
    .await;

    assert_eq!(lenient.code, 0, "{}", lenient.shown());
    let last = lenient
        .stdout
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    let warnings: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(
        warnings > 0 && last.ends_with("warnings"),
        "{}",
        lenient.shown()
    );
    assert!(
        lenient
            .stdout
            .contains("WWW-Authenticate: Bearer realm=\"api\"")
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("warning (recommended)"), "{xml}");
    let report = std::fs::read_to_string(&json).unwrap();
    assert!(report.contains("warning (recommended)"), "{report}");

    let strict = run(&["--base-url", &url, "--tags", tags, "--strict"]).await;
    assert_eq!(strict.code, 1, "{}", strict.shown());
    assert!(
        strict
            .failed()
            .iter()
            .any(|f| f.ends_with("No Authorization header is refused"))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Optional endpoints that answer 404 skip their scenarios, with the reason,
/// and never fail the run, --strict included.
#[tokio::test]
async fn absent_optional_endpoints_are_skipped_not_failed() {
    let url = faulty_target(Fault::NoOptionalEndpoints).await;
    let run = run(&["--base-url", &url, "--strict", "--max-wait", "4s"]).await;

    assert_eq!(run.code, 0, "{}", run.shown());
    assert!(
        run.stdout.contains("the verify endpoint answered 404"),
        "{}",
        run.shown()
    );
    assert!(
        run.stdout.contains("the blacklist endpoint answered 404"),
        "{}",
        run.shown()
    );
    assert!(
        run.stdout.contains(" passed, 0 failed, "),
        "{}",
        run.shown()
    );
}

/// A target that stops answering mid-run fails the run (exit 1).
#[tokio::test]
async fn a_target_that_dies_mid_run_fails_the_run() {
    let (endpoint, _users) =
        jwt_reference_server::app(support::config(jwt_reference_server::Compat::SimpleJwt5));
    let seen = Arc::new(AtomicUsize::new(0));
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let counting = support::Counting {
        inner: endpoint,
        seen: seen.clone(),
    };
    let url = support::serve_until(counting, stopped).await;
    let runner = tokio::spawn(async move { run(&["--base-url", &url]).await });
    // Past the checks before the run, well into the scenarios.
    while seen.load(Ordering::SeqCst) < 40 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(()).unwrap();
    let run = runner.await.unwrap();

    assert_eq!(run.code, 1, "{}", run.shown());
    assert!(run.stdout.contains("got no answer"), "{}", run.shown());
}

/// Not a fault: a target whose clock is 20 s behind the runner's. Waits and
/// freshness follow the target's clock (from its Date header), so expired
/// tokens are refused when sent and fresh ones are not judged stale.
#[tokio::test]
async fn a_target_clock_behind_ours_causes_no_false_verdict() {
    let url = faulty_target(Fault::ClockBehind).await;
    let run = run(&["--base-url", &url, "--signing-key", SIGNING_KEY]).await;

    assert_eq!(run.code, 0, "{}", run.shown());
    assert!(
        run.stderr.contains("its clock is -20s from ours"),
        "{}",
        run.shown()
    );
    assert!(
        run.stdout.contains(" passed, 0 failed, "),
        "{}",
        run.shown()
    );
}

/// Not a fault: a login costing half a second, one at a time, with the token
/// aged by the wait before it arrives. Tokens expiring on the way must be
/// renewed, never reported as failures.
#[tokio::test]
async fn a_slow_login_causes_no_false_failure() {
    let url = faulty_target(Fault::SlowLogin).await;
    // No --signing-key: the @signed scenarios (35 more logins, nothing new
    // about expiry) are skipped to keep this test near a minute.
    let run = run(&[
        "--base-url",
        &url,
        "--inactive-username",
        support::INACTIVE.0,
        "--inactive-password",
        support::INACTIVE.1,
    ])
    .await;

    assert_eq!(run.code, 0, "{}", run.shown());
    assert!(
        run.stdout.contains(" passed, 0 failed, "),
        "{}",
        run.shown()
    );
}

#[tokio::test]
async fn answers_judged_only_after_expiry_are_inconclusive_not_failed() {
    let url = faulty_target(Fault::SlowUser).await;
    let run = run(&[
        "--base-url",
        &url,
        "--tags",
        "@core and not @signed and not @expiry",
    ])
    .await;

    assert_eq!(run.code, 0, "{}", run.shown());
    assert!(
        run.stdout.contains(" passed, 0 failed, "),
        "{}",
        run.shown()
    );
    assert!(
        run.stdout
            .contains("A valid access token names its user (inconclusive at "),
        "{}",
        run.shown()
    );
    assert!(
        run.stdout.contains("could not be judged (inconclusive)"),
        "{}",
        run.shown()
    );
}

#[tokio::test]
async fn strict_fails_answers_judged_only_after_expiry() {
    let url = faulty_target(Fault::SlowUser).await;
    let run = run(&[
        "--base-url",
        &url,
        "--strict",
        "--tags",
        "@core and not @signed and not @expiry",
    ])
    .await;

    assert_eq!(run.code, 1, "{}", run.shown());
    assert!(
        run.failed()
            .iter()
            .any(|f| f.ends_with("A valid access token names its user")),
        "{}",
        run.shown()
    );
}

#[tokio::test]
async fn refreshed_tokens_refused_are_never_checked_with_a_login_token() {
    let url = faulty_target(Fault::RefreshedRefusedLate).await;
    let run = run(&[
        "--base-url",
        &url,
        "--strict",
        "--max-wait",
        "4s",
        "--tags",
        "@core and not @signed",
    ])
    .await;

    assert_eq!(run.code, 1, "{}", run.shown());
    let failed = run.failed();
    assert!(
        failed
            .iter()
            .any(|f| f.ends_with("The refreshed access token works at the user endpoint")),
        "{failed:#?}\n{}",
        run.shown()
    );
}

#[tokio::test]
async fn a_wait_over_max_wait_found_while_running_skips_not_fails() {
    let url = faulty_target(Fault::LongerLifetimeLater).await;
    let run = run(&[
        "--base-url",
        &url,
        "--tags",
        "@expiry and not @refresh-expiry",
        "--max-wait",
        "10s",
    ])
    .await;

    assert_eq!(run.code, 0, "{}", run.shown());
    assert!(run.failed().is_empty(), "{}", run.shown());
    assert!(
        run.stdout.contains("to expire takes about 1m"),
        "{}",
        run.shown()
    );
    assert!(
        run.stdout
            .contains("over --max-wait 10s; found while running, at features/"),
        "{}",
        run.shown()
    );
}

#[tokio::test]
async fn a_lowercase_bearer_challenge_is_a_warning_not_a_failure() {
    let url = faulty_target(Fault::LowercaseChallenge).await;
    let run = run(&["--base-url", &url, "--tags", "@core and not @expiry"]).await;

    assert_eq!(run.code, 0, "{}", run.shown());
    assert!(run.stdout.contains(" 0 failed, "), "{}", run.shown());
    assert!(!run.stdout.contains("\n0 warnings"), "{}", run.shown());
}
