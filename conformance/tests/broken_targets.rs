//! Proof that the suite can fail: for each fault, a target that has it makes
//! the run exit 1 and name the scenario that caught it.

mod support;

use support::{Fault, faulty_target, run};

/// Runs the suite against a target with `fault`; the run must fail and list
/// `scenario` among its failures.
async fn caught(fault: Fault, scenario: &str) {
    let url = faulty_target(fault).await;
    // The refresh-expiry scenario waits 6 s and no fault here needs it.
    let run = run(&["--base-url", &url, "--max-wait", "4s"]).await;

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

/// Not a fault: a login costing half a second, one at a time, with the token
/// aged by the wait before it arrives. Tokens expiring on the way must be
/// renewed, never reported as failures.
#[tokio::test]
async fn a_slow_login_causes_no_false_failure() {
    let url = faulty_target(Fault::SlowLogin).await;
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
        run.stdout.contains(" passed, 0 failed, 5 skipped"),
        "{}",
        run.shown()
    );
}
