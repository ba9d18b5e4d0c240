//! https targets: the reference server behind a TLS front on loopback, with a
//! certificate signed by the test authority in `tests/tls/` (test data, not a
//! secret).

mod support;

use std::sync::Arc;

use jwt_reference_server::Compat;
use support::{config, run, serve};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

const TLS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tls");
const TAGS: &str = "@core and not @expiry";

/// Serves the reference server over https on 127.0.0.1; answers its URL.
async fn serve_https() -> String {
    let (endpoint, _users) = jwt_reference_server::app(config(Compat::SimpleJwt5));
    let plain = serve(endpoint).await;
    let inner = plain.trim_start_matches("http://").to_string();

    let chain = CertificateDer::pem_file_iter(format!("{TLS}/localhost.pem"))
        .expect("the test certificate is readable")
        .collect::<Result<Vec<_>, _>>()
        .expect("the test certificate is PEM");
    let key =
        PrivateKeyDer::from_pem_file(format!("{TLS}/localhost.key")).expect("the test key is PEM");
    let tls = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("the test certificate matches its key");
    let acceptor = TlsAcceptor::from(Arc::new(tls));

    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free loopback port");
    let url = format!("https://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let inner = inner.clone();
            tokio::spawn(async move {
                // A handshake the client aborts is part of some tests.
                let Ok(mut outer) = acceptor.accept(socket).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(&inner).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut outer, &mut plain).await;
            });
        }
    });
    url
}

#[tokio::test]
async fn an_https_target_passes_with_its_authority_given() {
    let url = serve_https().await;
    let ca = format!("{TLS}/ca.pem");
    let run = run(&["--base-url", &url, "--ca-cert", &ca, "--tags", TAGS]).await;

    assert_eq!(run.code, 0, "{}", run.shown());
    assert!(run.stdout.contains(" 0 failed"), "{}", run.shown());
}

#[tokio::test]
async fn an_untrusted_certificate_exits_3_and_says_so() {
    let url = serve_https().await;
    let run = run(&["--base-url", &url, "--tags", TAGS]).await;

    assert_eq!(run.code, 3, "{}", run.shown());
    assert!(run.stderr.contains("--ca-cert"), "{}", run.shown());
    assert!(!run.stderr.contains("panicked"), "{}", run.shown());
}

#[tokio::test]
async fn https_to_a_plain_http_target_exits_3_and_says_so() {
    let (endpoint, _users) = jwt_reference_server::app(config(Compat::SimpleJwt5));
    let plain = serve(endpoint).await;
    let url = plain.replace("http://", "https://");
    let run = run(&["--base-url", &url, "--tags", TAGS]).await;

    assert_eq!(run.code, 3, "{}", run.shown());
    assert!(run.stderr.contains("without TLS"), "{}", run.shown());
}

#[tokio::test]
async fn insecure_accepts_an_untrusted_certificate() {
    let url = serve_https().await;
    let run = run(&["--base-url", &url, "--insecure", "--tags", TAGS]).await;

    assert_eq!(run.code, 0, "{}", run.shown());
}

#[tokio::test]
async fn a_ca_cert_that_is_not_a_certificate_exits_2() {
    let url = serve_https().await;
    let not_pem = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let run = run(&["--base-url", &url, "--ca-cert", not_pem, "--tags", TAGS]).await;

    assert_eq!(run.code, 2, "{}", run.shown());
    assert!(run.stderr.contains("--ca-cert"), "{}", run.shown());
}

#[tokio::test]
async fn a_missing_ca_cert_exits_2() {
    let missing = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tls/no-such.pem");
    let run = run(&["--ca-cert", missing, "--tags", TAGS]).await;

    assert_eq!(run.code, 2, "{}", run.shown());
    assert!(run.stderr.contains("no-such.pem"), "{}", run.shown());
}
