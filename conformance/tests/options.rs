//! Options read from the environment, and what `--verbose` may show.

mod support;

use regex::Regex;
use support::{run, run_with_env};

#[tokio::test]
async fn options_come_from_jwt_conformance_variables() {
    let run = run_with_env(&[], &[("JWT_CONFORMANCE_TAGS", "@no-such-tag")]).await;

    assert_eq!(run.code, 2, "{}", run.shown());
    assert!(run.stderr.contains("@no-such-tag"), "{}", run.shown());
}

#[tokio::test]
async fn on_off_options_take_1_from_the_environment() {
    let run = run_with_env(&[], &[("JWT_CONFORMANCE_LIST", "1")]).await;

    assert_eq!(run.code, 0, "{}", run.shown());
    assert!(
        run.stdout.contains("features/seed.feature:"),
        "{}",
        run.shown()
    );
}

#[tokio::test]
async fn verbose_output_shows_no_password_and_no_whole_token() {
    let run = run(&[
        "--verbose",
        "--tags",
        "@core and not @expiry and not @signed",
    ])
    .await;

    assert_eq!(run.code, 0, "{}", run.shown());
    assert!(
        run.stderr.contains("> POST /api/token/"),
        "no exchanges shown"
    );
    assert!(
        run.stderr.contains("[password]"),
        "the password is not shown masked"
    );
    let everything = format!("{}{}", run.stdout, run.stderr);
    assert!(!everything.contains("Ab12345678"), "the password was shown");
    let whole_token = Regex::new(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.").unwrap();
    assert!(
        !whole_token.is_match(&everything),
        "a whole token was shown: {:?}",
        whole_token.find(&everything)
    );
}
