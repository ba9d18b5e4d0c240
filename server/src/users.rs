//! The user store and password hashing.
//!
//! Passwords are kept only as argon2id PHC strings. Checking a password for
//! an unknown user still runs one hash, as Django does, so the answer's
//! timing does not reveal which usernames exist.

use std::collections::HashSet;
use std::fmt;
use std::sync::{OnceLock, RwLock};

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::Deserialize;

/// An account that can log in.
#[derive(Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub active: bool,
    password_hash: String,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

impl User {
    /// An active user whose password is hashed now.
    pub fn new(id: i64, username: &str, password: &str) -> User {
        User {
            id,
            username: username.into(),
            active: true,
            password_hash: hash_password(password),
        }
    }

    /// The same user, made inactive (it exists, but cannot log in or refresh).
    pub fn inactive(mut self) -> User {
        self.active = false;
        self
    }

    fn with_hash(
        id: i64,
        username: String,
        password_hash: String,
        active: bool,
    ) -> Result<User, String> {
        check_hash(&password_hash)?;
        Ok(User {
            id,
            username,
            active,
            password_hash,
        })
    }

    fn password_matches(&self, password: &str) -> bool {
        verify(password, &self.password_hash)
    }
}

/// The argon2id hash of `password` as a PHC string, at OWASP's recommended
/// strength (19 MiB, 2 passes, 1 lane).
pub fn hash_password(password: &str) -> String {
    argon2()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters cannot fail")
        .to_string()
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

fn verify(password: &str, hash: &str) -> bool {
    argon2().verify_password(password.as_bytes(), hash).is_ok()
}

/// Only argon2id hashes at least as costly as OWASP's weakest recommended
/// setting (7 MiB with 5 passes) are accepted from a users file.
fn check_hash(hash: &str) -> Result<(), String> {
    let params: Vec<&str> = hash.split('$').collect();
    if params.len() != 6 || params[1] != "argon2id" {
        return Err("password_hash must be an argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash); make one with `jwt-reference-server hash-password`".into());
    }
    let cost = |key: &str| {
        params[3]
            .split(',')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse::<u64>().ok())
    };
    let (Some(m), Some(t)) = (cost("m"), cost("t")) else {
        return Err("password_hash has no m= and t= parameters".into());
    };
    if m < 7 * 1024 || m.saturating_mul(t) < 7 * 1024 * 5 {
        return Err(format!(
            "password_hash is weaker than OWASP's minimum for argon2id (m={m}, t={t}); hash it again with `jwt-reference-server hash-password`"
        ));
    }
    let p = cost("p").unwrap_or(1);
    if m > 256 * 1024 || t > 16 || p > 16 {
        return Err(format!(
            "password_hash is so costly (m={m}, t={t}, p={p}) that every login would stall the server; the most accepted is m=262144 (256 MiB), t=16, p=16"
        ));
    }
    Ok(())
}

/// The accounts a running server knows. Tests and embedding programs can
/// deactivate or remove users while it runs.
pub struct UserStore {
    users: RwLock<Vec<User>>,
}

impl UserStore {
    pub fn new(users: Vec<User>) -> UserStore {
        UserStore {
            users: RwLock::new(users),
        }
    }

    /// The active user with these credentials, as Django's `authenticate`.
    /// Runs one argon2 hash whatever the outcome; call it off the async runtime.
    pub fn authenticate(&self, username: &str, password: &str) -> Option<User> {
        let user = self.by_username(username);
        match user {
            Some(user) if user.password_matches(password) && user.active => Some(user),
            Some(_) => None,
            None => {
                verify(password, dummy_hash());
                None
            }
        }
    }

    pub fn by_username(&self, username: &str) -> Option<User> {
        self.read().iter().find(|u| u.username == username).cloned()
    }

    pub fn by_id(&self, id: i64) -> Option<User> {
        self.read().iter().find(|u| u.id == id).cloned()
    }

    /// Marks a user active or inactive; false if there is no such user.
    pub fn set_active(&self, username: &str, active: bool) -> bool {
        let mut users = self.users.write().expect("user store lock poisoned");
        match users.iter_mut().find(|u| u.username == username) {
            Some(user) => {
                user.active = active;
                true
            }
            None => false,
        }
    }

    /// Deletes a user; false if there is no such user.
    pub fn remove(&self, username: &str) -> bool {
        let mut users = self.users.write().expect("user store lock poisoned");
        let before = users.len();
        users.retain(|u| u.username != username);
        users.len() != before
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<User>> {
        self.users.read().expect("user store lock poisoned")
    }
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("not the password of anybody"))
}

/// A users file that cannot be used, with the reason.
#[derive(Debug)]
pub struct UsersFileError(String);

impl fmt::Display for UsersFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    #[serde(default)]
    user: Vec<UserEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    username: String,
    password_hash: String,
    id: Option<i64>,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

/// Reads `[[user]]` tables; users without an `id` get the next free one.
pub fn parse_users_file(text: &str) -> Result<Vec<User>, UsersFileError> {
    let file: UsersFile =
        toml::from_str(text).map_err(|e| UsersFileError(one_line(&e.to_string())))?;
    if file.user.is_empty() {
        return Err(UsersFileError("no [[user]] table".into()));
    }
    let mut next_id = file.user.iter().filter_map(|u| u.id).max().unwrap_or(0);
    let mut users = Vec::new();
    for entry in file.user {
        check_username(&entry.username).map_err(UsersFileError)?;
        let id = match entry.id {
            Some(id) => id,
            None => {
                next_id = next_id.checked_add(1).ok_or_else(|| {
                    UsersFileError(format!("no id is left for user {:?}", entry.username))
                })?;
                next_id
            }
        };
        let user = User::with_hash(
            id,
            entry.username.clone(),
            entry.password_hash,
            entry.active,
        )
        .map_err(|e| UsersFileError(format!("user {:?}: {e}", entry.username)))?;
        users.push(user);
    }
    Ok(users)
}

/// A username a login can reach: logins trim surrounding whitespace (as
/// DRF's `CharField` does) and refuse NUL characters.
pub fn check_username(username: &str) -> Result<(), String> {
    check_login_text("username", username)
}

/// A password a login can reach, for the same reasons as [`check_username`].
pub fn check_password(password: &str) -> Result<(), String> {
    check_login_text("password", password)
}

fn check_login_text(what: &str, text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(format!("a {what} cannot be empty"));
    }
    if text.trim() != text {
        return Err(format!(
            "a {what} with leading or trailing whitespace could never log in: logins trim it, as DRF does"
        ));
    }
    if text.contains('\0') {
        return Err(format!(
            "a {what} with a NUL character could never log in: DRF refuses those"
        ));
    }
    Ok(())
}

/// Two users with one name or one id would make logins ambiguous.
pub fn check_unique(users: &[User]) -> Result<(), UsersFileError> {
    let mut names = HashSet::new();
    let mut ids = HashSet::new();
    for user in users {
        if !names.insert(user.username.as_str()) {
            return Err(UsersFileError(format!(
                "the username {:?} is given twice",
                user.username
            )));
        }
        if !ids.insert(user.id) {
            return Err(UsersFileError(format!("the id {} is given twice", user.id)));
        }
    }
    Ok(())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_at_owasp_strength() {
        let hash = hash_password("Ab12345678");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify("Ab12345678", &hash));
        assert!(!verify("Ab12345679", &hash));
    }

    #[test]
    fn inactive_users_do_not_authenticate() {
        let store = UserStore::new(vec![
            User::new(1, "alice", "pw"),
            User::new(2, "bob", "pw").inactive(),
        ]);
        assert_eq!(store.authenticate("alice", "pw").map(|u| u.id), Some(1));
        assert!(store.authenticate("alice", "wrong").is_none());
        assert!(store.authenticate("bob", "pw").is_none());
        assert!(store.authenticate("carol", "pw").is_none());
    }

    #[test]
    fn users_file_assigns_free_ids_and_reads_active() {
        let hash = hash_password("pw");
        let text = format!(
            "[[user]]\nusername = \"alice\"\npassword_hash = \"{hash}\"\nid = 7\n\n[[user]]\nusername = \"bob\"\npassword_hash = \"{hash}\"\nactive = false\n"
        );
        let users = parse_users_file(&text).unwrap();
        assert_eq!(
            users.iter().map(|u| (u.id, u.active)).collect::<Vec<_>>(),
            [(7, true), (8, false)]
        );
    }

    #[test]
    fn users_file_rejects_weak_or_foreign_hashes() {
        let md5 = "[[user]]\nusername = \"a\"\npassword_hash = \"md5$abc$def\"\n";
        assert!(
            parse_users_file(md5)
                .unwrap_err()
                .to_string()
                .contains("argon2id")
        );
        let weak = "[[user]]\nusername = \"a\"\npassword_hash = \"$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g\"\n";
        assert!(
            parse_users_file(weak)
                .unwrap_err()
                .to_string()
                .contains("weaker")
        );
    }

    #[test]
    fn duplicate_names_are_refused() {
        let users = [User::new(1, "a", "x"), User::new(2, "a", "y")];
        assert!(check_unique(&users).is_err());
    }
}
