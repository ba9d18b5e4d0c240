//! Reading tokens (never verifying them: the runner has no key) and forging
//! the broken ones the contract says a server must refuse.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value, json};

/// base64url, accepting padding or none, writing none.
const B64: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A token as received, with its decoded header and payload when readable.
#[derive(Clone, Debug)]
pub struct Jwt {
    pub raw: String,
    pub segments: usize,
    pub header: Option<Map<String, Value>>,
    pub payload: Option<Map<String, Value>>,
    pub signature_len: Option<usize>,
}

impl Jwt {
    pub fn parse(raw: &str) -> Jwt {
        let parts: Vec<&str> = raw.split('.').collect();
        let object = |part: Option<&&str>| {
            let bytes = B64.decode(part?).ok()?;
            match serde_json::from_slice::<Value>(&bytes).ok()? {
                Value::Object(map) => Some(map),
                _ => None,
            }
        };
        Jwt {
            raw: raw.to_string(),
            segments: parts.len(),
            header: object(parts.first()),
            payload: object(parts.get(1)),
            signature_len: parts
                .get(2)
                .and_then(|s| B64.decode(s).ok())
                .map(|s| s.len()),
        }
    }

    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.payload.as_ref()?.get(name)
    }

    /// `exp` as whole seconds, when it is an integer.
    pub fn exp(&self) -> Option<i64> {
        self.claim("exp")?.as_i64()
    }

    pub fn iat(&self) -> Option<i64> {
        self.claim("iat")?.as_i64()
    }

    /// `user_id` as text, whether written as a number or a string (both valid).
    pub fn user_id_text(&self) -> Option<String> {
        match self.claim("user_id")? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// Seconds from `now` until `exp` (negative once passed).
    pub fn seconds_left(&self, now: f64) -> Option<f64> {
        Some(self.exp()? as f64 - now)
    }
}

/// Seconds since the Unix epoch, with fractions.
pub fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// What is left to show of a token in output: never the whole of it. The
/// start (which every token of a target shares) and the last characters of
/// the signature, enough to tell tokens apart and useless to replay.
pub fn mask_token(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    if chars.len() <= 16 {
        return "…".into();
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 6..].iter().collect();
    format!("{head}…{tail}")
}

fn encode_json(value: &Value) -> String {
    B64.encode(serde_json::to_vec(value).expect("JSON values serialise"))
}

fn encode_bytes(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// HMAC-SHA256 written out here because forging needs an empty key, which
/// jsonwebtoken refuses; checked against RFC 4231 in the tests below.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&sha256(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    inner.extend_from_slice(message);
    let mut outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    outer.extend_from_slice(&sha256(&inner));
    sha256(&outer)
}

fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for chunk in message.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in chunk.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (slot, value) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *slot = slot.wrapping_add(value);
        }
    }
    let mut out = [0u8; 32];
    for (i, word) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// Signs `header.payload` with HS256 under `key`.
fn sign_hs256(header: &Value, payload: &Value, key: &[u8]) -> String {
    let input = format!("{}.{}", encode_json(header), encode_json(payload));
    let signature = hmac_sha256(key, input.as_bytes());
    format!("{input}.{}", encode_bytes(&signature))
}

/// Signs `header.payload` with HS512 under a non-empty `key`.
fn sign_hs512(header: &Value, payload: &Value, key: &[u8]) -> String {
    let input = format!("{}.{}", encode_json(header), encode_json(payload));
    let key = jsonwebtoken::EncodingKey::from_secret(key).expect("a non-empty HMAC key");
    let signature =
        jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::HS512)
            .expect("HMAC signs any message");
    format!("{input}.{signature}")
}

/// A validly signed token (under the target's own `key`) whose claims or
/// header are wrong in the way `kind` names; `None` for an unknown kind.
/// `"as is"` re-signs the token unchanged: the control that proves the key.
/// `now` is the target's time, in seconds.
pub fn forge_signed(kind: &str, valid: &Jwt, key: &[u8], now: f64) -> Option<String> {
    let mut header = Value::Object(valid.header.clone()?);
    let mut payload = Value::Object(valid.payload.clone()?);
    let now = now as i64;
    let exp = valid.exp().unwrap_or(now + 60);
    let claims = payload.as_object_mut().expect("an object");
    match kind {
        "as is" => {}
        "without exp" => {
            claims.remove("exp");
        }
        "with a string exp" => {
            claims.insert("exp".into(), json!("9999999999"));
        }
        "with a float exp" => {
            claims.insert("exp".into(), json!(exp as f64 + 0.5));
        }
        "with a null exp" => {
            claims.insert("exp".into(), Value::Null);
        }
        "with an object exp" => {
            claims.insert("exp".into(), json!({"seconds": exp}));
        }
        "with a passed exp" => {
            claims.insert("exp".into(), json!(now - 30));
        }
        "with a future nbf" => {
            claims.insert("nbf".into(), json!(now + 3600));
        }
        "with a string nbf" => {
            claims.insert("nbf".into(), json!(now.to_string()));
        }
        "with a string iat" => {
            claims.insert("iat".into(), json!(now.to_string()));
        }
        "with a float iat" => {
            claims.insert("iat".into(), json!(now as f64 + 0.5));
        }
        "with a null iat" => {
            claims.insert("iat".into(), Value::Null);
        }
        "without jti" => {
            claims.remove("jti");
        }
        "with a numeric jti" => {
            claims.insert("jti".into(), json!(12345));
        }
        "without token_type" => {
            claims.remove("token_type");
        }
        "with a numeric token_type" => {
            claims.insert("token_type".into(), json!(1));
        }
        "without user_id" => {
            claims.remove("user_id");
        }
        "with an object user_id" => {
            claims.insert("user_id".into(), json!({"id": 1}));
        }
        "with the user_id of nobody" => {
            let nobody = if claims.get("user_id").is_some_and(Value::is_string) {
                json!("987654321")
            } else {
                json!(987654321)
            };
            claims.insert("user_id".into(), nobody);
        }
        "with an unknown crit extension" => {
            header["crit"] = json!(["x-must-understand"]);
            header["x-must-understand"] = json!(true);
        }
        "with alg HS512" => {
            header["alg"] = json!("HS512");
            return Some(sign_hs512(&header, &payload, key));
        }
        _ => return None,
    }
    Some(sign_hs256(&header, &payload, key))
}

/// The kinds of broken token a server must refuse, made from a valid one.
pub fn forge(kind: &str, valid: &Jwt, other: Option<&Jwt>) -> Option<String> {
    let parts: Vec<&str> = valid.raw.split('.').collect();
    if parts.len() != 3 {
        return None;
    }
    let payload = Value::Object(valid.payload.clone()?);
    let header = Value::Object(valid.header.clone()?);
    let with_header = |extra: Value| {
        let mut h = header.clone();
        if let (Value::Object(h), Value::Object(extra)) = (&mut h, extra) {
            h.extend(extra);
        }
        h
    };
    let forged = match kind {
        "tampered" => {
            // Flip one bit of the first signature byte: same length, wrong value.
            let mut signature = B64.decode(parts[2]).ok()?;
            *signature.first_mut()? ^= 0x01;
            format!("{}.{}.{}", parts[0], parts[1], encode_bytes(&signature))
        }
        "truncated" => {
            let keep = parts[2].len() / 2;
            format!("{}.{}.{}", parts[0], parts[1], &parts[2][..keep])
        }
        "unsigned" => format!("{}.{}.", parts[0], parts[1]),
        "edited" => {
            let mut edited = payload.clone();
            let id = valid.user_id_text().unwrap_or_default();
            let other_id = if id == "2" { json!(3) } else { json!(2) };
            edited["user_id"] = if valid.claim("user_id").is_some_and(Value::is_string) {
                Value::String(other_id.to_string())
            } else {
                other_id
            };
            format!("{}.{}.{}", parts[0], encode_json(&edited), parts[2])
        }
        "extended" => {
            let mut edited = payload.clone();
            edited["exp"] = json!(valid.exp()? + 3600);
            format!("{}.{}.{}", parts[0], encode_json(&edited), parts[2])
        }
        _ if kind.starts_with("alg ") => {
            // "alg none", "alg None, capitalised": the spelling is the word after "alg".
            let alg = kind["alg ".len()..]
                .split([',', ' '])
                .next()
                .unwrap_or("none");
            let h = json!({"alg": alg, "typ": "JWT"});
            format!("{}.{}.", encode_json(&h), encode_json(&payload))
        }
        "two-segment" => format!("{}.{}", parts[0], parts[1]),
        "garbage" => "garbage".to_string(),
        "not base64" => "%%%.@@@.!!!".to_string(),
        "not JSON" => format!(
            "{}.{}.{}",
            encode_bytes(b"not json"),
            encode_bytes(b"{\"token_type\":"),
            parts[2]
        ),
        "other signature" => {
            let other: Vec<&str> = other?.raw.split('.').collect();
            format!("{}.{}.{}", parts[0], parts[1], other.get(2)?)
        }
        "empty key" => sign_hs256(&header, &payload, b""),
        "guessed key" => sign_hs256(&header, &payload, b"secret"),
        "HS512" => {
            let h = with_header(json!({"alg": "HS512"}));
            sign_hs512(&h, &payload, b"secret")
        }
        "embedded jwk" => {
            let key = b"attacker-chosen-key";
            let h = with_header(json!({"jwk": {"kty": "oct", "k": encode_bytes(key)}}));
            sign_hs256(&h, &payload, key)
        }
        "jku" => {
            let h = with_header(json!({"jku": "http://127.0.0.1:9/jwks.json"}));
            sign_hs256(&h, &payload, b"secret")
        }
        "x5u" => {
            let h = with_header(json!({"x5u": "http://127.0.0.1:9/cert.pem"}));
            sign_hs256(&h, &payload, b"secret")
        }
        "kid" => {
            let h = with_header(json!({"kid": "../../../../dev/null"}));
            sign_hs256(&h, &payload, b"")
        }
        "oversized" => {
            let mut big = payload.clone();
            big["padding"] = Value::String("A".repeat(48 * 1024));
            format!("{}.{}.{}", parts[0], encode_json(&big), parts[2])
        }
        _ => return None,
    };
    Some(forged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_matches_the_published_test_vectors() {
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn parses_header_payload_and_signature() {
        let token = sign_hs256(
            &json!({"alg": "HS256", "typ": "JWT"}),
            &json!({"exp": 5, "user_id": "1"}),
            b"k",
        );
        let jwt = Jwt::parse(&token);
        assert_eq!(jwt.segments, 3);
        assert_eq!(jwt.exp(), Some(5));
        assert_eq!(jwt.user_id_text().as_deref(), Some("1"));
        assert_eq!(jwt.signature_len, Some(32));
    }
}
