//! The command line: every option also reads `JWT_CONFORMANCE_<OPTION>` (on/off
//! options take 1/0, true/false, yes/no or on/off there).

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{Parser, ValueEnum};
use jwt_reference_server::Compat;

/// Exit codes, documented in `--help` and the README.
pub const AFTER_HELP: &str = "\
Exit codes:
  0  every required check passed (warnings allowed unless --strict)
  1  at least one required check failed (timeouts and a target dying mid-run included)
  2  usage or configuration error: bad option, credentials refused, token path not found,
     --tags matching nothing, unwritable snapshot folder
  3  the target cannot be reached or does not speak HTTP (or the embedded server failed)

Without --base-url the runner starts the reference server in-process (plus a second
instance with refresh-token rotation) and runs every scenario against it.";

#[derive(Debug, Parser)]
#[command(name = "jwt-conformance", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// The implementation to test, e.g. http://127.0.0.1:8000 (a path prefix is kept).
    /// Without it, the embedded reference server is started and tested.
    #[arg(long, env = "JWT_CONFORMANCE_BASE_URL", value_parser = parse_base_url)]
    pub base_url: Option<String>,

    /// The SimpleJWT generation the embedded server imitates (without --base-url);
    /// the shipped snapshots of that generation are enforced.
    #[arg(long, env = "JWT_CONFORMANCE_EMBEDDED_COMPAT", value_enum, default_value_t = Compat::SimpleJwt5, conflicts_with = "base_url")]
    pub embedded_compat: Compat,

    /// The account to log in with.
    #[arg(long, env = "JWT_CONFORMANCE_USERNAME", default_value = "alice")]
    pub username: String,

    /// Its password.
    #[arg(
        long,
        env = "JWT_CONFORMANCE_PASSWORD",
        default_value = "Ab12345678",
        hide_env_values = true
    )]
    pub password: String,

    /// The name of the login field (SimpleJWT follows the user model's USERNAME_FIELD).
    #[arg(
        long,
        env = "JWT_CONFORMANCE_USERNAME_FIELD",
        default_value = "username"
    )]
    pub username_field: String,

    /// Where logins go, appended to the base URL.
    #[arg(
        long,
        env = "JWT_CONFORMANCE_TOKEN_PATH",
        default_value = "/api/token/"
    )]
    pub token_path: String,

    /// Where refresh tokens are exchanged.
    #[arg(
        long,
        env = "JWT_CONFORMANCE_REFRESH_PATH",
        default_value = "/api/token/refresh/"
    )]
    pub refresh_path: String,

    /// The verify endpoint (optional: a 404 there skips its scenarios).
    #[arg(
        long,
        env = "JWT_CONFORMANCE_VERIFY_PATH",
        default_value = "/api/token/verify/"
    )]
    pub verify_path: String,

    /// The blacklist endpoint (optional: a 404 there skips its scenarios).
    #[arg(
        long,
        env = "JWT_CONFORMANCE_BLACKLIST_PATH",
        default_value = "/api/token/blacklist/"
    )]
    pub blacklist_path: String,

    /// The endpoint answering {"id","username"} for a Bearer access token.
    #[arg(long, env = "JWT_CONFORMANCE_USER_PATH", default_value = "/api/user/")]
    pub user_path: String,

    /// An account that exists but is inactive (enables the inactive-login scenario).
    #[arg(
        long,
        env = "JWT_CONFORMANCE_INACTIVE_USERNAME",
        requires = "inactive_password"
    )]
    pub inactive_username: Option<String>,

    /// The inactive account's password.
    #[arg(
        long,
        env = "JWT_CONFORMANCE_INACTIVE_PASSWORD",
        requires = "inactive_username"
    )]
    pub inactive_password: Option<String>,

    /// The target's HS256 signing key. With it, the @signed scenarios forge validly
    /// signed tokens with broken claims; without it they are skipped. Prefer the
    /// environment variable to keep the key out of shell history.
    #[arg(long, env = "JWT_CONFORMANCE_SIGNING_KEY", hide_env_values = true)]
    pub signing_key: Option<String>,

    /// Run only the scenarios matching this tag expression, e.g. "@core and not @expiry".
    #[arg(long, env = "JWT_CONFORMANCE_TAGS")]
    pub tags: Option<String>,

    /// Treat a missed recommendation as a failure.
    #[arg(long, env = "JWT_CONFORMANCE_STRICT", value_parser = BoolishValueParser::new())]
    pub strict: bool,

    /// How many scenarios run at once [default: 16, fewer when the target's
    /// logins are slow for its access lifetime].
    #[arg(long, env = "JWT_CONFORMANCE_CONCURRENCY",
          value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: Option<u16>,

    /// Stop at the first failed scenario.
    #[arg(long, env = "JWT_CONFORMANCE_FAIL_FAST", value_parser = BoolishValueParser::new())]
    pub fail_fast: bool,

    /// The longest wait for a token to expire; longer waits skip their scenario.
    #[arg(long, env = "JWT_CONFORMANCE_MAX_WAIT", default_value = "10m", value_parser = humantime::parse_duration)]
    pub max_wait: Duration,

    /// The longest time one request may take.
    #[arg(long, env = "JWT_CONFORMANCE_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,

    /// Retry the first login for up to this long while the target starts: refused
    /// connections, and 502, 503 or 504 from a proxy (off by default).
    #[arg(long, env = "JWT_CONFORMANCE_WAIT_FOR_TARGET", value_parser = humantime::parse_duration)]
    pub wait_for_target: Option<Duration>,

    /// Write a JUnit XML report here.
    #[arg(long, env = "JWT_CONFORMANCE_JUNIT")]
    pub junit: Option<PathBuf>,

    /// Write a Cucumber JSON report here.
    #[arg(long, env = "JWT_CONFORMANCE_JSON")]
    pub json: Option<PathBuf>,

    /// Enforce the snapshots in this folder (recorded with --update-snapshots).
    #[arg(
        long,
        env = "JWT_CONFORMANCE_SNAPSHOTS",
        conflicts_with = "update_snapshots"
    )]
    pub snapshots: Option<PathBuf>,

    /// Record the target's normalised answers into this folder.
    #[arg(long, env = "JWT_CONFORMANCE_UPDATE_SNAPSHOTS")]
    pub update_snapshots: Option<PathBuf>,

    /// Accept any TLS certificate (https targets).
    #[arg(long, env = "JWT_CONFORMANCE_INSECURE", value_parser = BoolishValueParser::new())]
    pub insecure: bool,

    /// Trust this PEM certificate as well (https targets).
    #[arg(long, env = "JWT_CONFORMANCE_CA_CERT")]
    pub ca_cert: Option<PathBuf>,

    /// Print every request and response (secrets masked) on stderr.
    #[arg(long, env = "JWT_CONFORMANCE_VERBOSE", value_parser = BoolishValueParser::new())]
    pub verbose: bool,

    /// Print the scenarios with their tags and exit.
    #[arg(long, env = "JWT_CONFORMANCE_LIST", value_parser = BoolishValueParser::new())]
    pub list: bool,

    /// Colour on the terminal (NO_COLOR is honoured with auto).
    #[arg(long, env = "JWT_CONFORMANCE_COLOR", value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// An http or https URL with a host; anything else is a usage error, not an
/// unreachable target.
fn parse_base_url(text: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(text)
        .map_err(|e| format!("{e} (expected e.g. http://127.0.0.1:8000)"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(
            "expected an http:// or https:// URL with a host, e.g. http://127.0.0.1:8000".into(),
        );
    }
    Ok(text.to_string())
}
