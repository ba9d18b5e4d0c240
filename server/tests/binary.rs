//! The `jwt-reference-server` binary over real sockets: start-up, settings,
//! the seed's curl session, key files, users files, logs and shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_jwt-reference-server");

fn keys() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keys")
}

/// A server process on an ephemeral loopback port, killed on drop.
struct Running {
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Running {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut child = Command::new(BIN)
            .args(["--bind", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (found, addr) = mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let addr = line
                    .split("listening on http://")
                    .nth(1)
                    .map(|rest| rest.split_whitespace().next().unwrap().to_string());
                lines.lock().unwrap().push(line);
                if let Some(addr) = addr {
                    let _ = found.send(addr);
                }
            }
        });
        let addr = addr
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| {
                panic!("the server did not start: {:?}", log.lock().unwrap());
            });
        Running { child, addr, log }
    }

    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Http {
        http(&self.addr, method, path, headers, body)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP/1.1 answer as it came off the wire.
#[derive(Debug)]
struct Http {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Http {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Http {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request += &format!("{name}: {value}\r\n");
    }
    if !body.is_empty() {
        request += &format!("Content-Length: {}\r\n", body.len());
    }
    request += "\r\n";
    request += body;
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    Http {
        status,
        headers,
        body: body.to_string(),
    }
}

fn decode(segment: &str) -> String {
    String::from_utf8(URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
}

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const JSON: (&str, &str) = ("Content-Type", "application/json");

/// The six steps of seed-transcript.md, against `--compat simplejwt4`
/// (with a 2-second lifetime instead of five minutes).
#[test]
fn the_seed_session_replays_in_simplejwt4_mode() {
    let server = Running::start(&["--compat", "simplejwt4", "--access-ttl", "2s"], &[]);
    let accept = ("accept", "application/json");

    let step1 = server.request("GET", "/api/user/", &[accept], "");
    assert_eq!(step1.status, 401);
    assert_eq!(step1.header("Content-Type"), Some("application/json"));
    assert_eq!(
        step1.header("WWW-Authenticate"),
        Some("Bearer realm=\"api\"")
    );
    assert_eq!(step1.header("Allow"), Some("GET, HEAD, OPTIONS"));
    assert_eq!(
        step1.body,
        r#"{"detail":"Authentication credentials were not provided."}"#
    );
    for (name, value) in [
        ("Vary", "Accept"),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
    ] {
        assert_eq!(step1.header(name), Some(value), "{name}");
    }
    assert_eq!(step1.header("Cross-Origin-Opener-Policy"), None);

    let body = r#"{"username": "alice", "password": "Ab12345678"}"#;
    let step2 = server.request(
        "POST",
        "/api/token/",
        &[JSON, ("accept", "application/json; indent=4")],
        body,
    );
    assert_eq!(step2.status, 200);
    assert_eq!(step2.header("Content-Type"), Some("application/json"));
    assert_eq!(step2.header("Allow"), Some("POST, OPTIONS"));
    let lines: Vec<&str> = step2.body.lines().collect();
    assert_eq!(lines.len(), 4, "{}", step2.body);
    assert_eq!((lines[0], lines[3]), ("{", "}"));
    assert!(lines[1].starts_with("    \"refresh\": \"") && lines[1].ends_with("\","));
    assert!(lines[2].starts_with("    \"access\": \"") && lines[2].ends_with('"'));
    let tokens = step2.json();
    let access = tokens["access"].as_str().unwrap();
    let refresh = tokens["refresh"].as_str().unwrap();
    for (token, kind) in [(access, "access"), (refresh, "refresh")] {
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(decode(parts[0]), r#"{"typ":"JWT","alg":"HS256"}"#);
        let payload: Value = serde_json::from_str(&decode(parts[1])).unwrap();
        let keys: Vec<&String> = payload.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["token_type", "exp", "jti", "user_id"]);
        assert_eq!(
            (payload["token_type"].as_str(), payload["user_id"].as_i64()),
            (Some(kind), Some(1))
        );
    }

    let bearer = format!("Bearer {access}");
    let step3 = server.request(
        "GET",
        "/api/user/",
        &[accept, ("Authorization", &bearer)],
        "",
    );
    assert_eq!(
        (step3.status, step3.body.as_str()),
        (200, r#"{"id":1,"username":"alice"}"#)
    );
    assert_eq!(step3.header("Allow"), Some("GET, HEAD, OPTIONS"));

    std::thread::sleep(Duration::from_millis(3100));
    let step4 = server.request(
        "GET",
        "/api/user/",
        &[accept, ("Authorization", &bearer)],
        "",
    );
    assert_eq!(step4.status, 401);
    assert_eq!(
        step4.header("WWW-Authenticate"),
        Some("Bearer realm=\"api\"")
    );
    assert_eq!(
        step4.body,
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid or expired"}]}"#
    );

    let step5 = server.request(
        "POST",
        "/api/token/refresh/",
        &[JSON, accept],
        &format!(r#"{{"refresh": "{refresh}"}}"#),
    );
    assert_eq!(step5.status, 200);
    assert_eq!(step5.header("Allow"), Some("POST, OPTIONS"));
    let new_access = step5.json()["access"].as_str().unwrap().to_string();
    assert_eq!(step5.body, format!(r#"{{"access":"{new_access}"}}"#));

    let bearer = format!("Bearer {new_access}");
    let step6 = server.request(
        "GET",
        "/api/user/",
        &[accept, ("Authorization", &bearer)],
        "",
    );
    assert_eq!(
        (step6.status, step6.body.as_str()),
        (200, r#"{"id":1,"username":"alice"}"#)
    );

    let log = server.log();
    assert!(
        log.contains("GET") && log.contains("/api/user/") && log.contains("401"),
        "{log}"
    );
    assert!(
        !log.contains("Ab12345678\"") && !log.contains(access) && !log.contains(refresh),
        "{log}"
    );
}

#[test]
fn the_bound_address_and_the_demo_account_are_announced() {
    let server = Running::start(&[], &[]);
    assert!(!server.addr.ends_with(":0"));
    let log = server.log();
    assert!(log.contains("demo account: alice / Ab12345678"), "{log}");
    assert!(log.contains("signing key: random"), "{log}");
}

#[test]
fn invalid_settings_stop_start_up_with_one_line_and_exit_2() {
    let cases: &[&[&str]] = &[
        &["--access-ttl", "banana"],
        &["--access-ttl", "0s"],
        &["--algorithm", "HS999"],
        &["--algorithm", "RS256"],
        &["--users-file", "/nonexistent/users.toml"],
        &["--user", "no-colon"],
        &["--user", "a:1", "--user", "a:2"],
        &["--signing-key", ""],
        &["--user-id-claim", "exp"],
        &["--compat", "simplejwt3"],
        &["--bind", "not-an-address"],
        &["--no-such-flag"],
        &["--access-ttl", "9223372036854775807s"],
        &["--leeway", "10000000000000d"],
        &["--signing-key-file", "/dev/zero"],
        &["--signing-key-file", "/"],
        &["--user", " padded:Ab12345678"],
        &["--user", "alice: padded "],
        &["--user", ":nameless"],
        &["--auth-header-types", "a\"b"],
    ];
    for args in cases {
        let (code, _, stderr) = run(args, "");
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error:"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_mismatched_key_pair_is_refused() {
    let (private, public) = (
        keys().join("es256-private.pem"),
        keys().join("rs256-public.pem"),
    );
    let args = [
        "--algorithm",
        "ES256",
        "--signing-key-file",
        private.to_str().unwrap(),
    ];
    let (code, _, stderr) = run(
        &[
            &args[..],
            &["--verifying-key-file", public.to_str().unwrap()],
        ]
        .concat(),
        "",
    );
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn settings_are_read_from_the_environment() {
    let server = Running::start(
        &[],
        &[
            ("JWT_REFERENCE_ACCESS_TTL", "7s"),
            ("JWT_REFERENCE_COMPAT", "simplejwt4"),
            ("JWT_REFERENCE_ROTATE_REFRESH_TOKENS", "1"),
        ],
    );
    let reply = server.request(
        "POST",
        "/api/token/",
        &[JSON],
        r#"{"username":"alice","password":"Ab12345678"}"#,
    );
    let access = reply.json()["access"].as_str().unwrap().to_string();
    let payload: Value = serde_json::from_str(&decode(access.split('.').nth(1).unwrap())).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (payload["exp"].as_i64().unwrap() - now - 7).abs() <= 1,
        "{payload}"
    );
    assert!(payload.get("iat").is_none());

    let refresh = reply.json()["refresh"].as_str().unwrap().to_string();
    let rotated = server.request(
        "POST",
        "/api/token/refresh/",
        &[JSON],
        &format!(r#"{{"refresh":"{refresh}"}}"#),
    );
    assert!(
        rotated.json()["refresh"].is_string(),
        "{:?}",
        rotated.json()
    );
}

#[test]
fn public_key_algorithms_work_with_pem_files() {
    for (alg, name) in [("RS256", "rs256"), ("ES256", "es256"), ("EdDSA", "eddsa")] {
        let private = keys().join(format!("{name}-private.pem"));
        let public = keys().join(format!("{name}-public.pem"));
        let server = Running::start(
            &[
                "--algorithm",
                alg,
                "--signing-key-file",
                private.to_str().unwrap(),
                "--verifying-key-file",
                public.to_str().unwrap(),
            ],
            &[],
        );
        let reply = server.request(
            "POST",
            "/api/token/",
            &[JSON],
            r#"{"username":"alice","password":"Ab12345678"}"#,
        );
        assert_eq!(reply.status, 200, "{alg}: {reply:?}");
        let access = reply.json()["access"].as_str().unwrap().to_string();
        assert_eq!(
            decode(access.split('.').next().unwrap()),
            format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#)
        );
        let bearer = format!("Bearer {access}");
        let user = server.request("GET", "/api/user/", &[("Authorization", &bearer)], "");
        assert_eq!(
            (user.status, user.body.as_str()),
            (200, r#"{"id":1,"username":"alice"}"#),
            "{alg}"
        );
    }
}

#[test]
fn hashed_passwords_from_a_users_file_replace_the_demo_account() {
    let (code, hash, stderr) = run(&["hash-password"], "s3cret pass\n");
    assert_eq!(code, 0, "{stderr}");
    let hash = hash.trim();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    let dir = std::env::temp_dir().join(format!("jwt-reference-users-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("users.toml");
    std::fs::write(
        &file,
        format!("[[user]]\nusername = \"carol\"\npassword_hash = \"{hash}\"\nid = 42\n\n[[user]]\nusername = \"dave\"\npassword_hash = \"{hash}\"\nactive = false\n"),
    )
    .unwrap();
    let server = Running::start(
        &[
            "--users-file",
            file.to_str().unwrap(),
            "--user",
            "erin:e:with:colons",
        ],
        &[],
    );
    let login = |body: &str| server.request("POST", "/api/token/", &[JSON], body);
    let reply = login(r#"{"username":"carol","password":"s3cret pass"}"#);
    assert_eq!(reply.status, 200, "{reply:?}");
    let bearer = format!("Bearer {}", reply.json()["access"].as_str().unwrap());
    let user = server.request("GET", "/api/user/", &[("Authorization", &bearer)], "");
    assert_eq!(user.body, r#"{"id":42,"username":"carol"}"#);
    assert_eq!(
        login(r#"{"username":"dave","password":"s3cret pass"}"#).status,
        401
    );
    assert_eq!(
        login(r#"{"username":"alice","password":"Ab12345678"}"#).status,
        401
    );
    assert_eq!(
        login(r#"{"username":"erin","password":"e:with:colons"}"#).status,
        200
    );
    assert!(!server.log().contains("demo account"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut server = Running::start(&[], &[]);
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let code = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status.code();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, Some(0));
    std::thread::sleep(Duration::from_millis(100));
    assert!(server.log().contains("stopped"), "{}", server.log());
}

#[test]
fn oversized_headers_over_a_real_socket_get_a_4xx() {
    let server = Running::start(&[], &[]);
    for size in [10 * 1024, 100 * 1024] {
        let bearer = format!("Bearer {}", "x".repeat(size));
        let reply = server.request("GET", "/api/user/", &[("Authorization", &bearer)], "");
        assert!((400..500).contains(&reply.status), "{size}: {reply:?}");
        assert_eq!(
            reply.header("Content-Type"),
            Some("application/json"),
            "{size}: {reply:?}"
        );
    }
    let reply = server.request("HEAD", "/api/user/", &[], "");
    assert_eq!(reply.header("Content-Length"), Some("58"));
}

#[test]
fn the_openapi_command_prints_the_committed_document() {
    let (code, stdout, _) = run(&["openapi"], "");
    assert_eq!(code, 0);
    assert_eq!(stdout, jwt_reference_server::openapi_yaml());
}

#[tokio::test]
async fn silent_connections_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = jwt_reference_server::Config {
        idle_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let server = jwt_reference_server::Server::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(b"GET /api/user/ HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "the half-sent request was still open after 5 s"
    );
    server.stop().await.unwrap();
}

#[test]
fn unusable_users_files_stop_start_up_with_one_line() {
    let dir = std::env::temp_dir().join(format!("jwt-reference-bad-users-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (_, hash, _) = run(&["hash-password"], "pw-for-the-file\n");
    let hash = hash.trim();
    let costly =
        "$argon2id$v=19$m=2000000,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA";
    let cases = [
        format!(
            "[[user]]\nusername = \"a\"\npassword_hash = \"{hash}\"\nid = 9223372036854775807\n[[user]]\nusername = \"b\"\npassword_hash = \"{hash}\"\n"
        ),
        format!("[[user]]\nusername = \" a\"\npassword_hash = \"{hash}\"\n"),
        format!("[[user]]\nusername = \"a\"\npassword_hash = \"{costly}\"\n"),
        "[[user]]\nusername = \"a\"\n".to_string(),
        "not toml at all".to_string(),
    ];
    for (i, text) in cases.iter().enumerate() {
        let file = dir.join(format!("users-{i}.toml"));
        std::fs::write(&file, text).unwrap();
        let (code, _, stderr) = run(&["--users-file", file.to_str().unwrap()], "");
        assert_eq!(code, 2, "case {i}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "case {i}: {stderr}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn hash_password_refuses_passwords_no_login_could_match() {
    for input in ["  padded  \n", "\n", "nul\0inside\n"] {
        let (code, stdout, stderr) = run(&["hash-password"], input);
        assert_eq!((code, stdout.as_str()), (2, ""), "{input:?}: {stderr}");
    }
}
