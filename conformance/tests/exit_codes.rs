//! Exit codes 2 (usage or configuration) and 3 (target unreachable), and the
//! suite passing against a separately served reference server.

mod support;

use jwt_reference_server::Compat;
use support::{INACTIVE, config, run, serve};

#[tokio::test]
async fn refused_credentials_exit_2() {
    let run = run(&["--password", "not-the-password", "--tags", "@core"]).await;

    assert_eq!(run.code, 2, "{}", run.shown());
    assert!(
        run.stderr.contains("refused the credentials"),
        "{}",
        run.shown()
    );
    assert!(
        !run.stderr.contains("not-the-password"),
        "the password was shown"
    );
}

#[tokio::test]
async fn a_wrong_token_path_exits_2() {
    let run = run(&["--token-path", "/api/nothing/"]).await;

    assert_eq!(run.code, 2, "{}", run.shown());
    assert!(
        run.stderr.contains("token path is wrong"),
        "{}",
        run.shown()
    );
}

#[tokio::test]
async fn tags_matching_nothing_exit_2() {
    let run = run(&["--tags", "@no-such-tag"]).await;

    assert_eq!(run.code, 2, "{}", run.shown());
    assert!(
        run.stderr.contains("matches no scenario"),
        "{}",
        run.shown()
    );
}

#[tokio::test]
async fn a_bad_option_exits_2() {
    let run = run(&["--concurrency", "0"]).await;

    assert_eq!(run.code, 2, "{}", run.shown());
}

#[tokio::test]
async fn an_unwritable_snapshot_folder_exits_2() {
    let file = std::env::temp_dir().join(format!("jwt-conformance-file-{}", std::process::id()));
    std::fs::write(&file, b"a file, not a folder").unwrap();
    let inside = file.join("snapshots");
    let run = run(&["--update-snapshots", inside.to_str().unwrap()]).await;

    assert_eq!(run.code, 2, "{}", run.shown());
    assert!(run.stderr.contains("cannot be written"), "{}", run.shown());
    std::fs::remove_file(&file).unwrap();
}

#[tokio::test]
async fn a_closed_port_exits_3() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let run = run(&["--base-url", &url]).await;

    assert_eq!(run.code, 3, "{}", run.shown());
    assert!(run.stderr.contains("cannot connect"), "{}", run.shown());
}

#[tokio::test]
async fn a_target_that_does_not_speak_http_exits_3() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = [0u8; 1024];
            let _ = socket.read(&mut buffer).await;
            let _ = socket.write_all(b"SSH-2.0-not-http\r\n\r\n").await;
        }
    });
    let run = run(&["--base-url", &url]).await;

    assert_eq!(run.code, 3, "{}", run.shown());
}

#[tokio::test]
async fn a_separate_simplejwt4_server_passes_with_its_snapshots_enforced() {
    let (endpoint, _users) = jwt_reference_server::app(config(Compat::SimpleJwt4));
    let url = serve(endpoint).await;
    let snapshots = concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/simplejwt4");
    let run = run(&[
        "--base-url",
        &url,
        "--inactive-username",
        INACTIVE.0,
        "--inactive-password",
        INACTIVE.1,
        "--snapshots",
        snapshots,
    ])
    .await;

    assert_eq!(run.code, 0, "{}", run.shown());
    // Rotation is off on this server: those scenarios are skipped, with why.
    assert!(run.stdout.contains("rotation is off"), "{}", run.shown());
}

#[tokio::test]
async fn recording_then_enforcing_own_snapshots() {
    let (endpoint, _users) = jwt_reference_server::app(config(Compat::SimpleJwt5));
    let url = serve(endpoint).await;
    let dir = std::env::temp_dir().join(format!("jwt-conformance-own-{}", std::process::id()));
    let tags = "@core and not @expiry";

    let recorded = run(&[
        "--base-url",
        &url,
        "--tags",
        tags,
        "--update-snapshots",
        dir.to_str().unwrap(),
    ])
    .await;
    assert_eq!(recorded.code, 0, "{}", recorded.shown());
    assert!(
        recorded.stderr.contains("recorded ") && recorded.stderr.contains(" snapshots into "),
        "{}",
        recorded.shown()
    );
    let enforced = run(&[
        "--base-url",
        &url,
        "--tags",
        tags,
        "--snapshots",
        dir.to_str().unwrap(),
    ])
    .await;
    assert_eq!(enforced.code, 0, "{}", enforced.shown());

    let one = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("no_authorization_header"))
        .expect("a recorded snapshot");
    let text = std::fs::read_to_string(&one).unwrap();
    std::fs::write(&one, text.replace("status: 401", "status: 418")).unwrap();
    let changed = run(&[
        "--base-url",
        &url,
        "--tags",
        tags,
        "--snapshots",
        dir.to_str().unwrap(),
    ])
    .await;
    assert_eq!(changed.code, 1, "{}", changed.shown());
    assert!(
        changed.stdout.contains("-status: 418"),
        "{}",
        changed.shown()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_wrong_refresh_path_exits_2() {
    let (endpoint, _users) = jwt_reference_server::app(config(Compat::SimpleJwt5));
    let url = serve(endpoint).await;
    let run = run(&["--base-url", &url, "--refresh-path", "/api/nothing/"]).await;

    assert_eq!(run.code, 2, "{}", run.shown());
    assert!(
        run.stderr.contains("refresh path is wrong"),
        "{}",
        run.shown()
    );
}

#[tokio::test]
async fn a_base_url_without_a_scheme_exits_2() {
    let run = run(&["--base-url", "127.0.0.1:8000"]).await;

    assert_eq!(run.code, 2, "{}", run.shown());
}

#[tokio::test]
async fn a_target_refusing_its_own_tokens_is_not_blamed_on_the_signing_key() {
    let mut config = config(Compat::SimpleJwt5);
    config.auth_header_types = vec!["JWT".into()];
    let (endpoint, _users) = jwt_reference_server::app(config);
    let url = serve(endpoint).await;
    let run = run(&[
        "--base-url",
        &url,
        "--signing-key",
        support::SIGNING_KEY,
        "--tags",
        "@core",
    ])
    .await;

    assert_eq!(run.code, 1, "{}", run.shown());
    assert!(
        !run.stderr.contains("is not the target's HS256 key"),
        "{}",
        run.shown()
    );
    assert!(
        run.stdout.contains("FAIL features/auth.feature"),
        "{}",
        run.shown()
    );
}

/// A separate reference server of either generation, judged without
/// `--snapshots`: no answer differs from the reference of its generation.
async fn no_differences_noted(compat: Compat) {
    let (endpoint, _users) = jwt_reference_server::app(config(compat));
    let url = serve(endpoint).await;
    let run = run(&["--base-url", &url, "--tags", "@core and not @expiry"]).await;

    assert_eq!(run.code, 0, "{}", run.shown());
    assert!(
        !run.stdout.contains("differ from the reference"),
        "{}",
        run.shown()
    );
}

#[tokio::test]
async fn a_separate_simplejwt5_server_differs_from_the_reference_nowhere() {
    no_differences_noted(Compat::SimpleJwt5).await;
}

#[tokio::test]
async fn a_separate_simplejwt4_server_is_compared_with_the_simplejwt4_reference() {
    no_differences_noted(Compat::SimpleJwt4).await;
}

/// The reference server behind a gateway that answers 503 until `ready`.
struct Starting<E> {
    inner: E,
    ready: std::time::Instant,
}

impl<E: poem::Endpoint> poem::Endpoint for Starting<E> {
    type Output = poem::Response;

    async fn call(&self, req: poem::Request) -> poem::Result<poem::Response> {
        if std::time::Instant::now() < self.ready {
            return Ok(poem::Response::builder()
                .status(poem::http::StatusCode::SERVICE_UNAVAILABLE)
                .body("starting"));
        }
        Ok(self.inner.get_response(req).await)
    }
}

#[tokio::test]
async fn wait_for_target_waits_out_a_gateway_error() {
    let (endpoint, _users) = jwt_reference_server::app(config(Compat::SimpleJwt5));
    let ready = std::time::Instant::now() + std::time::Duration::from_millis(1500);
    let url = serve(Starting {
        inner: endpoint,
        ready,
    })
    .await;
    let tags = "@core and not @expiry";

    let waited = run(&[
        "--base-url",
        &url,
        "--tags",
        tags,
        "--wait-for-target",
        "20s",
    ])
    .await;
    assert_eq!(waited.code, 0, "{}", waited.shown());
    assert!(
        waited.stderr.contains("it answered 503"),
        "{}",
        waited.shown()
    );
}
