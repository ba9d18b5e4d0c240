//! Issuing and verifying tokens the way SimpleJWT does.
//!
//! jsonwebtoken checks the algorithm and the signature; everything SimpleJWT
//! decides after that (time claims, `jti`, `token_type`, the blacklist) is
//! checked here, because jsonwebtoken's own claim validation is looser than
//! the contract (see STACK.md: rounded float `exp`, 60 s default leeway).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Validation;
use serde_json::{Map, Value};

use crate::config::{Compat, Config, Keys};

/// Longer tokens are refused unread. Real ones are a few hundred bytes; this
/// leaves room for RSA signatures and extra claims.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// What a token is for, as written in its `token_type` claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenType {
    Access,
    Refresh,
}

impl TokenType {
    pub fn claim(self) -> &'static str {
        match self {
            TokenType::Access => "access",
            TokenType::Refresh => "refresh",
        }
    }
}

/// Why a token was refused. The text each reason shows depends on the
/// SimpleJWT generation being imitated, see [`TokenError::message`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Signature, algorithm, encoding or a malformed claim.
    Invalid,
    /// A validly signed token whose `exp` has passed.
    Expired,
    MissingExp,
    MissingJti,
    MissingType,
    WrongType,
    Blacklisted,
}

impl TokenError {
    pub fn message(self, compat: Compat) -> &'static str {
        match (self, compat) {
            (TokenError::Invalid | TokenError::Expired, Compat::SimpleJwt4) => {
                "Token is invalid or expired"
            }
            (TokenError::Invalid, Compat::SimpleJwt5) => "Token is invalid",
            (TokenError::Expired, Compat::SimpleJwt5) => "Token is expired",
            (TokenError::MissingExp, _) => "Token has no 'exp' claim",
            (TokenError::MissingJti, _) => "Token has no id",
            (TokenError::MissingType, _) => "Token has no type",
            (TokenError::WrongType, _) => "Token has wrong type",
            (TokenError::Blacklisted, _) => "Token is blacklisted",
        }
    }
}

/// The claims of a token that passed every check.
#[derive(Clone, Debug)]
pub struct Verified {
    pub claims: Map<String, Value>,
    pub jti: String,
    pub exp: i64,
}

impl Verified {
    pub fn get(&self, claim: &str) -> Option<&Value> {
        self.claims.get(claim)
    }
}

/// Signs, checks and revokes tokens for one server configuration.
pub struct TokenService {
    keys: Keys,
    validation: Validation,
    header: String,
    access_ttl: Duration,
    refresh_ttl: Duration,
    leeway: i64,
    issuer: Option<String>,
    audience: Option<String>,
    compat: Compat,
    user_id_claim: String,
    blacklist: Mutex<Blacklist>,
}

impl TokenService {
    pub fn new(config: &Config) -> TokenService {
        let algorithm = config.keys.algorithm();
        let mut validation = Validation::new(algorithm);
        // Time claims are checked by `check_time_claims`, strictly.
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        // `iss` and `aud` are checked by `check_issuer_and_audience`: when
        // configured they are required, which jsonwebtoken does not insist on.
        validation.validate_aud = false;
        let alg = format!("{algorithm:?}");
        let header = match config.compat {
            Compat::SimpleJwt5 => format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#),
            Compat::SimpleJwt4 => format!(r#"{{"typ":"JWT","alg":"{alg}"}}"#),
        };
        TokenService {
            keys: config.keys.clone(),
            validation,
            header: URL_SAFE_NO_PAD.encode(header),
            access_ttl: config.access_ttl,
            refresh_ttl: config.refresh_ttl,
            leeway: config.leeway.as_secs() as i64,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            compat: config.compat,
            user_id_claim: config.user_id_claim.clone(),
            blacklist: Mutex::new(Blacklist::default()),
        }
    }

    pub fn compat(&self) -> Compat {
        self.compat
    }

    pub fn user_id_claim(&self) -> &str {
        &self.user_id_claim
    }

    /// A new token of `kind` for the user with this id.
    pub fn issue(&self, kind: TokenType, user_id: i64) -> String {
        let user_id = match self.compat {
            Compat::SimpleJwt5 => Value::String(user_id.to_string()),
            Compat::SimpleJwt4 => Value::from(user_id),
        };
        self.issue_with(kind, &user_id)
    }

    /// A new access token carrying the same user as a verified refresh token.
    pub fn access_from(&self, refresh: &Verified) -> String {
        let user_id = refresh
            .get(&self.user_id_claim)
            .cloned()
            .unwrap_or(Value::Null);
        self.issue_with(TokenType::Access, &user_id)
    }

    /// A replacement for a verified refresh token: new `jti`, `exp` and `iat`.
    pub fn rotate(&self, refresh: &Verified) -> String {
        let user_id = refresh
            .get(&self.user_id_claim)
            .cloned()
            .unwrap_or(Value::Null);
        self.issue_with(TokenType::Refresh, &user_id)
    }

    fn issue_with(&self, kind: TokenType, user_id: &Value) -> String {
        let now = now();
        let ttl = match kind {
            TokenType::Access => self.access_ttl,
            TokenType::Refresh => self.refresh_ttl,
        };
        let mut claims = Map::new();
        claims.insert("token_type".into(), kind.claim().into());
        claims.insert("exp".into(), ((now + ttl).as_secs() as i64).into());
        if self.compat == Compat::SimpleJwt5 {
            claims.insert("iat".into(), (now.as_secs() as i64).into());
        }
        claims.insert("jti".into(), new_jti().into());
        claims.insert(self.user_id_claim.clone(), user_id.clone());
        if let Some(audience) = &self.audience {
            claims.insert("aud".into(), audience.clone().into());
        }
        if let Some(issuer) = &self.issuer {
            claims.insert("iss".into(), issuer.clone().into());
        }
        let payload = serde_json::to_vec(&claims).expect("a JSON map always serialises");
        let message = format!("{}.{}", self.header, URL_SAFE_NO_PAD.encode(payload));
        let signature = jsonwebtoken::crypto::sign(
            message.as_bytes(),
            self.keys.encoding(),
            self.keys.algorithm(),
        )
        .expect("the signing key was checked against the algorithm at start-up");
        format!("{message}.{signature}")
    }

    /// Checks a token as SimpleJWT's token classes do. `expected` is `None`
    /// for the verify endpoint, which accepts either type.
    pub fn verify(&self, token: &str, expected: Option<TokenType>) -> Result<Verified, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Invalid);
        }
        let claims = self.decode(token)?;
        let now = now().as_secs() as i64;
        let exp = check_time_claims(&claims, now, self.leeway)?;
        self.check_issuer_and_audience(&claims)?;
        let jti = match claims.get("jti") {
            None => return Err(TokenError::MissingJti),
            Some(Value::String(jti)) if !jti.is_empty() => jti.clone(),
            Some(_) => return Err(TokenError::Invalid),
        };
        if expected == Some(TokenType::Refresh) && self.is_blacklisted(&jti) {
            return Err(TokenError::Blacklisted);
        }
        if let Some(expected) = expected {
            match claims.get("token_type") {
                None => return Err(TokenError::MissingType),
                Some(Value::String(kind)) if kind == expected.claim() => {}
                Some(_) => return Err(TokenError::WrongType),
            }
        }
        Ok(Verified { claims, jti, exp })
    }

    /// With an issuer configured, `iss` must be that string; with an audience,
    /// `aud` must be it or a list holding it (as PyJWT checks them).
    fn check_issuer_and_audience(&self, claims: &Map<String, Value>) -> Result<(), TokenError> {
        if let Some(issuer) = &self.issuer
            && claims.get("iss").and_then(Value::as_str) != Some(issuer.as_str())
        {
            return Err(TokenError::Invalid);
        }
        if let Some(audience) = &self.audience {
            let listed = match claims.get("aud") {
                Some(Value::String(aud)) => aud == audience,
                Some(Value::Array(auds)) => auds
                    .iter()
                    .any(|aud| aud.as_str() == Some(audience.as_str())),
                _ => false,
            };
            if !listed {
                return Err(TokenError::Invalid);
            }
        }
        Ok(())
    }

    fn decode(&self, token: &str) -> Result<Map<String, Value>, TokenError> {
        // The key always comes from the configuration: `jwk`, `jku`, `x5u`
        // and `kid` in the header are never used to find one.
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.crit.is_some() {
            // No extension is understood, so any `crit` entry is unknown (RFC 7515 4.1.11).
            return Err(TokenError::Invalid);
        }
        let data = jsonwebtoken::decode::<Map<String, Value>>(
            token,
            self.keys.decoding(),
            &self.validation,
        )
        .map_err(|_| TokenError::Invalid)?;
        Ok(data.claims)
    }

    /// Revokes a verified refresh token until it would have expired anyway.
    /// Checking and revoking are one step, so of two requests racing with the
    /// same token only one succeeds; the other gets `Blacklisted`.
    pub fn blacklist(&self, token: &Verified) -> Result<(), TokenError> {
        let now = now().as_secs() as i64;
        let mut blacklist = self.blacklist.lock().expect("blacklist lock poisoned");
        blacklist.prune(now - self.leeway);
        match blacklist.insert(token.jti.clone(), token.exp) {
            true => Ok(()),
            false => Err(TokenError::Blacklisted),
        }
    }

    pub fn is_blacklisted(&self, jti: &str) -> bool {
        let blacklist = self.blacklist.lock().expect("blacklist lock poisoned");
        blacklist.contains(jti)
    }

    #[cfg(test)]
    fn blacklist_len(&self) -> usize {
        self.blacklist.lock().unwrap().len()
    }
}

/// `exp` must be present; `exp`, `nbf` and `iat` must be integers when
/// present. A token is expired from the second its `exp` names, plus leeway.
fn check_time_claims(
    claims: &Map<String, Value>,
    now: i64,
    leeway: i64,
) -> Result<i64, TokenError> {
    let integer = |name: &str| match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(TokenError::Invalid),
        Some(_) => Err(TokenError::Invalid),
    };
    let exp = integer("exp")?;
    let nbf = integer("nbf")?;
    integer("iat")?;
    if nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(TokenError::Invalid);
    }
    let exp = exp.ok_or(TokenError::MissingExp)?;
    if exp.saturating_add(leeway) <= now {
        return Err(TokenError::Expired);
    }
    Ok(exp)
}

fn now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// 32 lowercase hex digits, as Python's `uuid4().hex`.
fn new_jti() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Revoked `jti`s with their `exp`, forgotten once they could no longer be used.
#[derive(Default)]
struct Blacklist {
    entries: HashMap<String, i64>,
    by_expiry: BinaryHeap<Reverse<(i64, String)>>,
}

impl Blacklist {
    /// False when the `jti` was already there.
    fn insert(&mut self, jti: String, exp: i64) -> bool {
        if self.entries.contains_key(&jti) {
            return false;
        }
        self.entries.insert(jti.clone(), exp);
        self.by_expiry.push(Reverse((exp, jti)));
        true
    }

    fn contains(&self, jti: &str) -> bool {
        self.entries.contains_key(jti)
    }

    /// Drops every entry whose `exp` is at or before `cutoff`.
    fn prune(&mut self, cutoff: i64) {
        while let Some(Reverse((exp, _))) = self.by_expiry.peek() {
            if *exp > cutoff {
                break;
            }
            let Reverse((_, jti)) = self.by_expiry.pop().expect("peeked");
            self.entries.remove(&jti);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests;
