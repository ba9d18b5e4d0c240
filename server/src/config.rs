//! Flags and environment into a validated [`Config`].
//!
//! Every flag has an environment variable `JWT_REFERENCE_<FLAG>` (on/off flags
//! take 1/0, true/false, yes/no or on/off there). Whatever cannot work (a key
//! that does not match its algorithm, an unreadable users file, a zero
//! lifetime) is refused here, before anything listens.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};

use crate::users::{User, UsersFileError};

/// Which SimpleJWT generation the server imitates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Compat {
    /// SimpleJWT 5.5.1 on Django 5: `iat`, string `user_id`, "Token is expired".
    #[default]
    #[value(name = "simplejwt5")]
    SimpleJwt5,
    /// SimpleJWT 4.8 on Django 3.2: no `iat`, integer `user_id`, "Token is invalid or expired".
    #[value(name = "simplejwt4")]
    SimpleJwt4,
}

/// Everything the server needs to run. `Config::default()` is the demo set-up:
/// HS256 with a random key, 5-minute access and 1-day refresh tokens, and the
/// demo account `alice` / `Ab12345678`.
#[derive(Clone)]
pub struct Config {
    pub keys: Keys,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// Grace after `exp` (and before `nbf`); SimpleJWT's default is none.
    pub leeway: Duration,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub rotate_refresh_tokens: bool,
    pub blacklist_after_rotation: bool,
    /// Accepted `Authorization` schemes; the first one is named in `WWW-Authenticate`.
    pub auth_header_types: Vec<String>,
    pub user_id_claim: String,
    pub compat: Compat,
    pub users: Vec<User>,
    /// A connection silent this long is closed, so half-sent requests
    /// cannot hold sockets forever.
    pub idle_timeout: Duration,
}

const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The demo account that exists when no users are configured.
pub const DEMO_USERNAME: &str = "alice";
/// The demo account's password: public test data, not a secret.
pub const DEMO_PASSWORD: &str = "Ab12345678";

impl Default for Config {
    fn default() -> Config {
        Config {
            keys: Keys::random_hs256(),
            access_ttl: Duration::from_secs(5 * 60),
            refresh_ttl: Duration::from_secs(24 * 60 * 60),
            leeway: Duration::ZERO,
            issuer: None,
            audience: None,
            rotate_refresh_tokens: false,
            blacklist_after_rotation: false,
            auth_header_types: vec!["Bearer".into()],
            user_id_claim: "user_id".into(),
            compat: Compat::SimpleJwt5,
            users: vec![User::new(1, DEMO_USERNAME, DEMO_PASSWORD)],
            idle_timeout: IDLE_TIMEOUT,
        }
    }
}

/// The signing and verifying keys with the one algorithm they serve.
#[derive(Clone)]
pub struct Keys {
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    random: bool,
}

impl Keys {
    /// An HMAC key (HS256, HS384 or HS512) from the secret itself.
    pub fn hmac(algorithm: Algorithm, secret: &[u8]) -> Result<Keys, ConfigError> {
        if algorithm.family() != AlgorithmFamily::Hmac {
            return Err(ConfigError::new(format!(
                "--signing-key is an HMAC secret, but {algorithm:?} needs --signing-key-file and --verifying-key-file (PEM)"
            )));
        }
        if secret.is_empty() {
            return Err(ConfigError::new("the signing key is empty"));
        }
        let encoding = EncodingKey::from_secret(secret).map_err(ConfigError::from_jwt)?;
        let decoding = DecodingKey::from_secret(secret).map_err(ConfigError::from_jwt)?;
        Keys::checked(algorithm, encoding, decoding)
    }

    /// A fresh random HS256 key: tokens stop working when the process ends.
    pub fn random_hs256() -> Keys {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system's random source failed");
        let mut keys =
            Keys::hmac(Algorithm::HS256, &secret).expect("32 random bytes are a valid HS256 key");
        keys.random = true;
        keys
    }

    /// An RSA, ECDSA or EdDSA key pair from PEM text.
    pub fn pem(
        algorithm: Algorithm,
        private_pem: &[u8],
        public_pem: &[u8],
    ) -> Result<Keys, ConfigError> {
        let bad = |what: &str, err: jsonwebtoken::errors::Error| {
            ConfigError::new(format!(
                "the {what} key is not a valid {algorithm:?} PEM key: {err}"
            ))
        };
        let (encoding, decoding) = match algorithm.family() {
            AlgorithmFamily::Hmac => {
                return Err(ConfigError::new(format!(
                    "{algorithm:?} takes the secret itself (--signing-key), not key files"
                )));
            }
            AlgorithmFamily::Rsa => (
                EncodingKey::from_rsa_pem(private_pem).map_err(|e| bad("signing", e))?,
                DecodingKey::from_rsa_pem(public_pem).map_err(|e| bad("verifying", e))?,
            ),
            AlgorithmFamily::Ec => (
                EncodingKey::from_ec_pem(private_pem).map_err(|e| {
                    let mut err = bad("signing", e);
                    if private_pem.starts_with(b"-----BEGIN EC PRIVATE KEY") {
                        err.0 +=
                            " (a PKCS#8 key is needed: `openssl pkcs8 -topk8 -nocrypt -in KEY`)";
                    }
                    err
                })?,
                DecodingKey::from_ec_pem(public_pem).map_err(|e| bad("verifying", e))?,
            ),
            AlgorithmFamily::Ed => (
                EncodingKey::from_ed_pem(private_pem).map_err(|e| bad("signing", e))?,
                DecodingKey::from_ed_pem(public_pem).map_err(|e| bad("verifying", e))?,
            ),
        };
        Keys::checked(algorithm, encoding, decoding)
    }

    /// Signs and verifies a probe, so a mismatched pair fails at start-up.
    fn checked(
        algorithm: Algorithm,
        encoding: EncodingKey,
        decoding: DecodingKey,
    ) -> Result<Keys, ConfigError> {
        let probe = b"jwt-reference-server key check";
        let signature = jsonwebtoken::crypto::sign(probe, &encoding, algorithm).map_err(|e| {
            ConfigError::new(format!(
                "the signing key cannot sign with {algorithm:?}: {e}"
            ))
        })?;
        let verified =
            jsonwebtoken::crypto::verify(&signature, probe, &decoding, algorithm).unwrap_or(false);
        if !verified {
            return Err(ConfigError::new(format!(
                "the verifying key does not verify what the signing key signs with {algorithm:?}"
            )));
        }
        Ok(Keys {
            algorithm,
            encoding,
            decoding,
            random: false,
        })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// True when the key was generated at start-up rather than configured.
    pub fn is_random(&self) -> bool {
        self.random
    }

    pub(crate) fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }

    pub(crate) fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }
}

/// A setting that cannot work, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(String);

impl ConfigError {
    pub fn new(message: impl Into<String>) -> ConfigError {
        ConfigError(message.into())
    }

    fn from_jwt(err: jsonwebtoken::errors::Error) -> ConfigError {
        ConfigError(err.to_string())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl From<UsersFileError> for ConfigError {
    fn from(err: UsersFileError) -> ConfigError {
        ConfigError(err.to_string())
    }
}

/// The command line of `jwt-reference-server`.
#[derive(Debug, Parser)]
#[command(
    name = "jwt-reference-server",
    version,
    about = "Reference server for the SimpleJWT token login API"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read a password from standard input and print its argon2id hash for a users file.
    HashPassword,
    /// Print the OpenAPI document.
    Openapi {
        /// Print JSON instead of YAML.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "JWT_REFERENCE_BIND", default_value = "127.0.0.1:7000")]
    pub bind: SocketAddr,
    /// Access token lifetime, e.g. 5m, 30s.
    #[arg(long, env = "JWT_REFERENCE_ACCESS_TTL", default_value = "5m", value_parser = parse_duration)]
    pub access_ttl: Duration,
    /// Refresh token lifetime, e.g. 1d, 12h.
    #[arg(long, env = "JWT_REFERENCE_REFRESH_TTL", default_value = "1d", value_parser = parse_duration)]
    pub refresh_ttl: Duration,
    /// The HMAC secret itself (default: random for each start).
    #[arg(
        long,
        env = "JWT_REFERENCE_SIGNING_KEY",
        hide_env_values = true,
        conflicts_with = "signing_key_file"
    )]
    pub signing_key: Option<String>,
    /// File holding the HMAC secret, or the private key in PEM for RS*, PS*, ES* and EdDSA.
    #[arg(long, env = "JWT_REFERENCE_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,
    /// Public key in PEM for RS*, PS*, ES* and EdDSA.
    #[arg(long, env = "JWT_REFERENCE_VERIFYING_KEY_FILE")]
    pub verifying_key_file: Option<PathBuf>,
    /// Signing algorithm: HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA.
    #[arg(long, env = "JWT_REFERENCE_ALGORITHM", default_value = "HS256", value_parser = parse_algorithm)]
    pub algorithm: Algorithm,
    /// Grace allowed after `exp` and before `nbf`.
    #[arg(long, env = "JWT_REFERENCE_LEEWAY", default_value = "0s", value_parser = parse_duration_or_zero)]
    pub leeway: Duration,
    /// Write this `iss` into tokens and require it.
    #[arg(long, env = "JWT_REFERENCE_ISSUER")]
    pub issuer: Option<String>,
    /// Write this `aud` into tokens and require it.
    #[arg(long, env = "JWT_REFERENCE_AUDIENCE")]
    pub audience: Option<String>,
    /// Answer refresh with a new refresh token too.
    #[arg(long, env = "JWT_REFERENCE_ROTATE_REFRESH_TOKENS", value_parser = BoolishValueParser::new())]
    pub rotate_refresh_tokens: bool,
    /// Blacklist a refresh token once it has been rotated.
    #[arg(long, env = "JWT_REFERENCE_BLACKLIST_AFTER_ROTATION", value_parser = BoolishValueParser::new())]
    pub blacklist_after_rotation: bool,
    /// Accepted Authorization schemes, comma-separated; the first is named in WWW-Authenticate.
    #[arg(
        long,
        env = "JWT_REFERENCE_AUTH_HEADER_TYPES",
        default_value = "Bearer",
        value_delimiter = ','
    )]
    pub auth_header_types: Vec<String>,
    /// Claim holding the user's id.
    #[arg(long, env = "JWT_REFERENCE_USER_ID_CLAIM", default_value = "user_id")]
    pub user_id_claim: String,
    /// Which SimpleJWT generation to imitate.
    #[arg(long, env = "JWT_REFERENCE_COMPAT", value_enum, default_value_t = Compat::SimpleJwt5)]
    pub compat: Compat,
    /// A user as NAME:PASSWORD (repeatable); replaces the demo account.
    #[arg(
        long = "user",
        env = "JWT_REFERENCE_USER",
        hide_env_values = true,
        value_name = "NAME:PASSWORD"
    )]
    pub users: Vec<String>,
    /// TOML file of [[user]] tables (username, password_hash, optional id and active); replaces the demo account.
    #[arg(long, env = "JWT_REFERENCE_USERS_FILE")]
    pub users_file: Option<PathBuf>,
}

impl ServeArgs {
    /// Checks every setting and builds the configuration they describe.
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let keys = self.keys()?;
        if self.access_ttl < Duration::from_secs(1) {
            return Err(ConfigError::new("--access-ttl must be at least 1s"));
        }
        if self.refresh_ttl < Duration::from_secs(1) {
            return Err(ConfigError::new("--refresh-ttl must be at least 1s"));
        }
        if self.auth_header_types.is_empty()
            || self
                .auth_header_types
                .iter()
                .any(|t| t.is_empty() || !t.bytes().all(is_token_char))
        {
            return Err(ConfigError::new(
                "--auth-header-types must list one or more schemes without spaces, e.g. Bearer,JWT",
            ));
        }
        if matches!(
            self.user_id_claim.as_str(),
            "" | "token_type" | "exp" | "iat" | "jti" | "nbf" | "aud" | "iss"
        ) {
            return Err(ConfigError::new(match self.user_id_claim.as_str() {
                "" => "--user-id-claim cannot be empty".to_string(),
                claim => format!(
                    "--user-id-claim cannot be {claim:?}: the token uses that claim for itself"
                ),
            }));
        }
        let users = self.users()?;
        Ok(Config {
            keys,
            access_ttl: self.access_ttl,
            refresh_ttl: self.refresh_ttl,
            leeway: self.leeway,
            issuer: self.issuer,
            audience: self.audience,
            rotate_refresh_tokens: self.rotate_refresh_tokens,
            blacklist_after_rotation: self.blacklist_after_rotation,
            auth_header_types: self.auth_header_types,
            user_id_claim: self.user_id_claim,
            compat: self.compat,
            users,
            idle_timeout: IDLE_TIMEOUT,
        })
    }

    fn keys(&self) -> Result<Keys, ConfigError> {
        let hmac = self.algorithm.family() == AlgorithmFamily::Hmac;
        if hmac && self.verifying_key_file.is_some() {
            return Err(ConfigError::new(format!(
                "--verifying-key-file is for public-key algorithms; {:?} uses the signing key alone",
                self.algorithm
            )));
        }
        match (&self.signing_key, &self.signing_key_file) {
            (Some(secret), _) => Keys::hmac(self.algorithm, secret.as_bytes()),
            (None, Some(path)) if hmac => {
                let secret = read_file(path, "--signing-key-file")?;
                Keys::hmac(self.algorithm, strip_newline(&secret))
            }
            (None, Some(path)) => {
                let Some(public) = &self.verifying_key_file else {
                    return Err(ConfigError::new(format!(
                        "{:?} needs --verifying-key-file (the public key in PEM) as well",
                        self.algorithm
                    )));
                };
                Keys::pem(
                    self.algorithm,
                    &read_file(path, "--signing-key-file")?,
                    &read_file(public, "--verifying-key-file")?,
                )
            }
            (None, None) if hmac => {
                let mut keys = Keys::random_hs256();
                if self.algorithm != Algorithm::HS256 {
                    let mut secret = [0u8; 64];
                    getrandom::fill(&mut secret)
                        .expect("the operating system's random source failed");
                    keys = Keys::hmac(self.algorithm, &secret)?;
                    keys.random = true;
                }
                Ok(keys)
            }
            (None, None) => Err(ConfigError::new(format!(
                "{:?} needs --signing-key-file and --verifying-key-file (PEM)",
                self.algorithm
            ))),
        }
    }

    fn users(&self) -> Result<Vec<User>, ConfigError> {
        if self.users.is_empty() && self.users_file.is_none() {
            return Ok(vec![User::new(1, DEMO_USERNAME, DEMO_PASSWORD)]);
        }
        let mut users = match &self.users_file {
            Some(path) => crate::users::parse_users_file(&read_text(path, "--users-file")?)
                .map_err(|e| ConfigError::new(format!("{}: {e}", path.display())))?,
            None => Vec::new(),
        };
        for spec in &self.users {
            let Some((name, password)) = spec.split_once(':') else {
                return Err(ConfigError::new(format!(
                    "--user {:?} must be NAME:PASSWORD",
                    mask(spec)
                )));
            };
            crate::users::check_username(name)
                .and_then(|()| crate::users::check_password(password))
                .map_err(|e| ConfigError::new(format!("--user {:?}: {e}", mask(spec))))?;
            let id = users
                .iter()
                .map(|u| u.id)
                .max()
                .unwrap_or(0)
                .checked_add(1)
                .ok_or_else(|| {
                    ConfigError::new(format!("--user {:?}: no id is left", mask(spec)))
                })?;
            users.push(User::new(id, name, password));
        }
        crate::users::check_unique(&users)?;
        Ok(users)
    }
}

/// Never echo a whole password in an error.
fn mask(spec: &str) -> String {
    match spec.split_once(':') {
        Some((name, _)) => format!("{name}:…"),
        None => spec.to_string(),
    }
}

/// Key and users files are small; anything larger (or endless, like
/// `/dev/zero`) is refused rather than read.
const MAX_FILE: u64 = 1024 * 1024;

fn read_file(path: &Path, flag: &str) -> Result<Vec<u8>, ConfigError> {
    use std::io::Read;
    let fail = |e: std::io::Error| ConfigError::new(format!("{flag} {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(fail)?;
    if !file.metadata().map_err(fail)?.is_file() {
        return Err(ConfigError::new(format!(
            "{flag} {}: not a regular file",
            path.display()
        )));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(ConfigError::new(format!(
            "{flag} {}: larger than 1 MiB",
            path.display()
        )));
    }
    Ok(bytes)
}

fn read_text(path: &Path, flag: &str) -> Result<String, ConfigError> {
    String::from_utf8(read_file(path, flag)?)
        .map_err(|_| ConfigError::new(format!("{flag} {}: not UTF-8 text", path.display())))
}

fn strip_newline(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = parse_duration_or_zero(text)?;
    if duration.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(duration)
}

fn parse_duration_or_zero(text: &str) -> Result<Duration, String> {
    if text.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    let duration = humantime::parse_duration(text.trim())
        .map_err(|e| format!("{e} (examples: 2s, 5m, 1h, 1d)"))?;
    if duration > MAX_DURATION {
        return Err("must be at most 10 years".into());
    }
    Ok(duration)
}

/// Lifetimes and leeway are capped at ten years: beyond that, timestamps
/// stop meaning anything (and eventually overflow).
const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 24 * 60 * 60);

fn parse_algorithm(text: &str) -> Result<Algorithm, String> {
    match text.parse::<Algorithm>() {
        Ok(algorithm) => Ok(algorithm),
        Err(_) => Err("expected HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA".into()),
    }
}

/// RFC 9110 `tchar`: what an authentication scheme name may be made of.
fn is_token_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}
