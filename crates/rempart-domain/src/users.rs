//! The people who use the company's books through the web app, and what each may do.
//!
//! A person's password is never stored: Argon2id stretches it, with a salt of the person's own,
//! into the seed of an Ed25519 key, and the log keeps only the public half. Logging in derives the
//! key again and compares. Power passes only from a key that holds it to a key that proves it
//! takes it: a `user.added` fact is signed by the new person's key (they chose the password) and,
//! but for the company's first owner, by the key of an owner who grants it. A device of the
//! company turned against it can record such a fact, but not forge an owner's signature: the
//! projection, alike on every node, admits only facts whose signatures hold.

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::facts::{Described, FactKind, Merge};

/// The shortest password accepted, in characters.
pub const PASSWORD_CHARS_MIN: usize = 10;
/// The longest password accepted, in bytes: Argon2 takes any length, a form post should not.
pub const PASSWORD_BYTES_MAX: usize = 1024;
/// The longest user name, in characters.
pub const USER_NAME_CHARS_MAX: usize = 64;

/// What a person may do. The web app's authorisation table says which pages each role opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including people and devices.
    Owner,
    /// The books and the reports; not people or devices.
    Accountant,
    /// The till; no books, reports or customer lists.
    Cashier,
    /// Quotes and draft invoices for customers and their vehicles.
    Mechanic,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Accountant, Role::Cashier, Role::Mechanic];

    /// The word the command line and forms take (`owner`, `accountant`, `cashier`, `mechanic`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Accountant => "accountant",
            Role::Cashier => "cashier",
            Role::Mechanic => "mechanic",
        }
    }

    pub fn parse(text: &str) -> Result<Role, UserError> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text.trim())
            .ok_or_else(|| UserError::UnknownRole { role: text.to_owned() })
    }
}

/// How hard Argon2id works on a password: memory in KiB and passes, one lane. Recorded with each
/// person, so that it can be raised for new passwords without losing the old ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfCost {
    pub memory_kib: u32,
    pub passes: u32,
}

/// The cost of new passwords: OWASP's Argon2id setting of 2024 (19 MiB, 2 passes, 1 lane).
pub const KDF_COST: KdfCost = KdfCost { memory_kib: 19 * 1024, passes: 2 };

/// The cost range accepted from the log: a hostile device must not make every login use
/// gigabytes, nor record a key any laptop could guess quickly.
const KDF_MEMORY_KIB: std::ops::RangeInclusive<u32> = 8 * 1024..=256 * 1024;
const KDF_PASSES: std::ops::RangeInclusive<u32> = 1..=10;

/// A person's key, derived from their password; it signs what they grant.
pub struct UserKey(SigningKey);

impl std::fmt::Debug for UserKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "UserKey({})", self.public_hex())
    }
}

impl UserKey {
    /// Argon2id of the password under the person's salt, as an Ed25519 seed.
    pub fn derive(password: &str, salt: &[u8; 16], cost: KdfCost) -> Result<UserKey, UserError> {
        if !KDF_MEMORY_KIB.contains(&cost.memory_kib) || !KDF_PASSES.contains(&cost.passes) {
            return Err(UserError::Cost { memory_kib: cost.memory_kib, passes: cost.passes });
        }
        if password.len() > PASSWORD_BYTES_MAX {
            return Err(UserError::PasswordTooLong { max: PASSWORD_BYTES_MAX });
        }
        let params = argon2::Params::new(cost.memory_kib, cost.passes, 1, Some(32))
            .map_err(|_| UserError::Cost { memory_kib: cost.memory_kib, passes: cost.passes })?;
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut seed = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(password.as_bytes(), salt, &mut seed[..])
            .map_err(|_| UserError::Cost { memory_kib: cost.memory_kib, passes: cost.passes })?;
        Ok(UserKey(SigningKey::from_bytes(&seed)))
    }

    pub fn public_hex(&self) -> String {
        hex_encode(self.0.verifying_key().as_bytes())
    }

    fn sign(&self, message: &[u8]) -> String {
        hex_encode(&self.0.sign(message).to_bytes())
    }
}

/// A password as typed: long enough, not too long.
pub fn check_password(password: &str) -> Result<(), UserError> {
    if password.chars().count() < PASSWORD_CHARS_MIN {
        return Err(UserError::PasswordTooShort { min: PASSWORD_CHARS_MIN });
    }
    if password.len() > PASSWORD_BYTES_MAX {
        return Err(UserError::PasswordTooLong { max: PASSWORD_BYTES_MAX });
    }
    Ok(())
}

/// A user name as typed: what the login form takes, 1 to 64 characters, no control characters,
/// no spaces at either end.
pub fn check_user_name(name: &str) -> Result<(), UserError> {
    let count = name.chars().count();
    if count == 0
        || count > USER_NAME_CHARS_MAX
        || name.trim() != name
        || name.chars().any(|c| c.is_control() || is_invisible(c))
    {
        return Err(UserError::BadName { name: name.to_owned() });
    }
    Ok(())
}

/// Characters that show nothing (zero-width, joiners, direction marks and overrides, the byte
/// order mark): a name holding one could pass for another.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}')
}

/// The key two names collide on: Unicode compatibility forms (NFKC), case and spaces do not make
/// another person (`José` composed or not, `ＯＷＮＥＲ`, `owner` are one).
pub fn user_name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let normal: String = name.nfkc().collect();
    normal.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// A person given access to the company's books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAdded {
    /// The person's id, which other facts name (`by`).
    pub user: String,
    /// The name they log in with.
    pub name: String,
    pub role: Role,
    /// The Argon2id salt, 16 bytes in hex.
    pub salt: String,
    pub cost: KdfCost,
    /// The public key their password derives, in hex.
    pub key: String,
    /// The owner who granted the access; none for the company's first owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_by: Option<String>,
    /// The new key's signature of the grant (`signed_body`): the person chose this password.
    pub proof: String,
    /// The granting owner's signature of the same body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<String>,
    /// The device (its node id in hex) on whose chain the grant is recorded: a copy recorded by
    /// another device admits nobody. Grants made before 2026-12-05 name none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

/// Where a fact about people is made and recorded: the company, and the device (node id in
/// hex) whose chain holds it. Both are under the fact's signatures, so that it holds nowhere
/// else: not in another company, not copied onto another device's chain (where a device could
/// place the copy earlier in the merge order than where it was made).
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub tenant: &'a str,
    pub node: &'a str,
}

/// What both signatures of a `UserAdded` cover: every field but the signatures, under a context
/// of its own.
#[derive(Serialize)]
struct SignedBody<'a> {
    context: &'static str,
    /// The company, so that a grant cannot be carried into another one.
    tenant: &'a str,
    user: &'a str,
    name: &'a str,
    role: Role,
    salt: &'a str,
    cost: KdfCost,
    key: &'a str,
    granted_by: Option<&'a str>,
    /// Absent from the bodies of grants made before it was signed, which sign as they did.
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<&'a str>,
}

impl UserAdded {
    /// A grant of `role`, made and recorded at `place`, to the person whose password gives
    /// `key`, signed by it and by the granting owner (none: the company's first owner, who
    /// grants it to themselves).
    pub fn new(
        place: Place<'_>,
        user: String,
        name: String,
        role: Role,
        salt: &[u8; 16],
        key: &UserKey,
        granter: Option<(&str, &UserKey)>,
    ) -> UserAdded {
        let mut fact = UserAdded {
            user,
            name,
            role,
            salt: hex_encode(salt),
            cost: KDF_COST,
            key: key.public_hex(),
            granted_by: granter.map(|(id, _)| id.to_owned()),
            proof: String::new(),
            grant: None,
            node: Some(place.node.to_owned()),
        };
        let body = fact.signed_body(place.tenant);
        fact.proof = key.sign(&body);
        fact.grant = granter.map(|(_, granting)| granting.sign(&body));
        fact
    }

    fn signed_body(&self, tenant: &str) -> Vec<u8> {
        let body = SignedBody {
            context: "rempart user grant v1",
            tenant,
            user: &self.user,
            name: &self.name,
            role: self.role,
            salt: &self.salt,
            cost: self.cost,
            key: &self.key,
            granted_by: self.granted_by.as_deref(),
            node: self.node.as_deref(),
        };
        // A struct of strings and integers: serialising it cannot fail.
        serde_json::to_vec(&body).expect("a body of strings and integers serialises")
    }

    /// The salt as bytes.
    pub fn salt_bytes(&self) -> Result<[u8; 16], UserError> {
        hex_decode::<16>(&self.salt).ok_or(UserError::BadSignature { user: self.user.clone() })
    }

    /// Whether the grant holds as recorded at `place`: on the device that made it (where it names
    /// one) in its company, the name is one, the cost within range,
    /// the new key signed it, and the one who granted it is an owner whose key signed it too
    /// (`owner_key` gives an owner's public key by id), or it is the company's first person, an
    /// owner, where `first` says a first owner may be named (nobody has access yet, and the fact
    /// is on the chain of the node that created the company).
    pub fn check(
        &self,
        place: Place<'_>,
        first: bool,
        owner_key: impl Fn(&str) -> Option<String>,
    ) -> Result<(), UserError> {
        if self.node.as_deref().is_some_and(|node| node != place.node) {
            return Err(UserError::Copied { user: self.name.clone() });
        }
        let tenant = place.tenant;
        check_user_name(&self.name)?;
        if !KDF_MEMORY_KIB.contains(&self.cost.memory_kib) || !KDF_PASSES.contains(&self.cost.passes) {
            return Err(UserError::Cost { memory_kib: self.cost.memory_kib, passes: self.cost.passes });
        }
        self.salt_bytes()?;
        let body = self.signed_body(tenant);
        if !verify(&self.key, &body, &self.proof) {
            return Err(UserError::BadSignature { user: self.user.clone() });
        }
        match (&self.granted_by, &self.grant) {
            (None, None) if first && self.role == Role::Owner => Ok(()),
            (None, _) => Err(UserError::GrantNeeded),
            (Some(granter), Some(grant)) => match owner_key(granter) {
                Some(key) if verify(&key, &body, grant) => Ok(()),
                Some(_) => Err(UserError::BadSignature { user: self.user.clone() }),
                None => Err(UserError::NotAnOwner { user: granter.clone() }),
            },
            (Some(_), None) => Err(UserError::BadSignature { user: self.user.clone() }),
        }
    }

    /// Whether `key` is the one this person's password gives.
    pub fn opens_with(&self, key: &UserKey) -> bool {
        key.public_hex() == self.key
    }

    /// The password the grant gives, as the log keeps it.
    pub fn credentials(&self) -> Credentials {
        Credentials { salt: self.salt.clone(), cost: self.cost, key: self.key.clone() }
    }
}

impl FactKind for UserAdded {
    const KIND: &'static str = "user.added";
    /// 2: the grant names the device that records it (`node`), under its signatures; a grant of
    /// version 1 names none and reads as before.
    const VERSION: u32 = 2;
    fn merge(&self) -> Merge<'_> {
        // Whether a grant holds depends on who was an owner before it, and the first of two
        // people given one name stands.
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.user_added").text("name", &self.name)
    }
}

/// A password as the log keeps it: the salt, the cost, and the public key they give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The Argon2id salt, 16 bytes in hex.
    pub salt: String,
    pub cost: KdfCost,
    /// The public key the password derives, in hex.
    pub key: String,
}

impl Credentials {
    /// The credentials of `key`, derived under `salt` at the cost of new passwords.
    pub fn new(salt: &[u8; 16], key: &UserKey) -> Credentials {
        Credentials { salt: hex_encode(salt), cost: KDF_COST, key: key.public_hex() }
    }

    /// The salt as bytes.
    pub fn salt_bytes(&self) -> Result<[u8; 16], UserError> {
        hex_decode::<16>(&self.salt).ok_or(UserError::BadCredentials)
    }

    /// Whether `key` is the one this password gives.
    pub fn opens_with(&self, key: &UserKey) -> bool {
        key.public_hex() == self.key
    }

    fn check(&self) -> Result<(), UserError> {
        if !KDF_MEMORY_KIB.contains(&self.cost.memory_kib) || !KDF_PASSES.contains(&self.cost.passes) {
            return Err(UserError::Cost { memory_kib: self.cost.memory_kib, passes: self.cost.passes });
        }
        self.salt_bytes().map(|_| ())
    }
}

/// What a `user.changed` fact changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserChange {
    /// A new password: chosen by the person (signed by the key of their old one), or set by an
    /// owner for a person who forgot theirs.
    Password(Credentials),
    /// Another role, given by an owner with a new password that the owner hands over.
    Role { role: Role, credentials: Credentials },
    /// Access taken away by an owner: no login, no grant from then on; the name stays the
    /// person's, so what they recorded still names them alone.
    Removed,
}

impl UserChange {
    fn credentials(&self) -> Option<&Credentials> {
        match self {
            UserChange::Password(credentials) | UserChange::Role { credentials, .. } => Some(credentials),
            UserChange::Removed => None,
        }
    }
}

/// A change of a person's password, role or access. Like a grant, it is signed by the key that
/// takes the power (the new password's, where there is one) and by one that held it: the
/// person's own key as it was, for their own password, else an owner's.
///
/// None applies twice, nor anywhere but on the person as its maker saw them, so that a device
/// holding old changes cannot bring one back by recording a copy, later or earlier in the merge
/// order: a change of one's own password is signed by the key it replaces (which it retires);
/// an owner's new password or role names the owner's change it follows (`after`); a removal
/// is final.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChanged {
    /// The change's own random id, which the next change by an owner names.
    pub id: String,
    /// The person changed, and their name (for reading: the id is what counts).
    pub user: String,
    pub name: String,
    pub change: UserChange,
    /// Who made and signed the change: an owner, or the person for their own password.
    pub signer: String,
    /// The new password's key's signature of the change, where it sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
    /// The signature of `signer`'s key as it was when the change was made.
    pub signature: String,
    /// For an owner's new password or role: the id of the owner's change that the person was
    /// left by (none if there was none yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// The device (node id in hex) on whose chain the change is recorded: a copy recorded by
    /// another device changes nobody.
    pub node: String,
}

/// What both signatures of a `UserChanged` cover.
#[derive(Serialize)]
struct ChangeBody<'a> {
    context: &'static str,
    tenant: &'a str,
    id: &'a str,
    user: &'a str,
    name: &'a str,
    change: &'a UserChange,
    signer: &'a str,
    after: Option<&'a str>,
    node: &'a str,
}

/// A person as the log says they are now, to check a change against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub name: String,
    pub role: Role,
    /// The public key their password gives now.
    pub key: String,
    pub removed: bool,
    /// The id of the last owner's change of their password or role applied, if any.
    pub last_change: Option<String>,
}

impl UserChanged {
    /// The change `change` of the person `user` (id and name), made by `by` (their id and the
    /// key their password gives) on the person as `after` left them (`Standing::last_change`,
    /// for an owner's change), with the new password's key where the change sets one.
    pub fn new(
        place: Place<'_>,
        id: String,
        (user, name): (String, String),
        change: UserChange,
        by: (&str, &UserKey),
        after: Option<String>,
        new_key: Option<&UserKey>,
    ) -> UserChanged {
        let mut fact = UserChanged {
            id,
            user,
            name,
            change,
            signer: by.0.to_owned(),
            proof: None,
            signature: String::new(),
            after,
            node: place.node.to_owned(),
        };
        let body = fact.signed_body(place.tenant);
        fact.proof = new_key.map(|key| key.sign(&body));
        fact.signature = by.1.sign(&body);
        fact
    }

    fn signed_body(&self, tenant: &str) -> Vec<u8> {
        let body = ChangeBody {
            context: "rempart user change v1",
            tenant,
            id: &self.id,
            user: &self.user,
            name: &self.name,
            change: &self.change,
            signer: &self.signer,
            after: self.after.as_deref(),
            node: &self.node,
        };
        // Strings, integers and an enum of them: serialising it cannot fail.
        serde_json::to_vec(&body).expect("a body of strings and integers serialises")
    }

    /// Whether the change holds as recorded at `place` (on the device that made it, in its
    /// company) on the person as they stand now
    /// (`person`), where `standing` gives anyone's standing by id: the person still has access
    /// and is the one named; a new password is well formed and its key signed the change; the
    /// person signed a change of their own password with their key as it is, and an owner with
    /// access signed any other change with theirs, a new password or role on the person as the
    /// owner's change it names left them.
    pub fn check(
        &self,
        place: Place<'_>,
        person: &Standing,
        standing: impl Fn(&str) -> Option<Standing>,
    ) -> Result<(), UserError> {
        if self.node != place.node {
            return Err(UserError::Copied { user: self.name.clone() });
        }
        let tenant = place.tenant;
        if person.removed {
            return Err(UserError::Removed { user: self.name.clone() });
        }
        if person.name != self.name {
            return Err(UserError::BadSignature { user: self.name.clone() });
        }
        let body = self.signed_body(tenant);
        if let Some(credentials) = self.change.credentials() {
            credentials.check()?;
            match &self.proof {
                Some(proof) if verify(&credentials.key, &body, proof) => {}
                _ => return Err(UserError::BadSignature { user: self.name.clone() }),
            }
        }
        let signer = if self.signer == self.user {
            if !matches!(self.change, UserChange::Password(_)) {
                return Err(UserError::OwnAccess);
            }
            person.key.clone()
        } else {
            let key = match standing(&self.signer) {
                Some(owner) if owner.role == Role::Owner && !owner.removed => owner.key,
                _ => return Err(UserError::NotAnOwner { user: self.signer.clone() }),
            };
            if self.change != UserChange::Removed && self.after != person.last_change {
                return Err(UserError::ChangedMeanwhile { user: self.name.clone() });
            }
            key
        };
        if !verify(&signer, &body, &self.signature) {
            return Err(UserError::BadSignature { user: self.name.clone() });
        }
        Ok(())
    }
}

impl FactKind for UserChanged {
    const KIND: &'static str = "user.changed";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        // Whether a change holds depends on the person's key and on who was an owner before it.
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        let change = match self.change {
            UserChange::Password(_) => "password",
            UserChange::Role { .. } => "role",
            UserChange::Removed => "removed",
        };
        Described::new("fact.user_changed").text("name", &self.name).text("change", change)
    }
}

fn verify(key_hex: &str, message: &[u8], signature_hex: &str) -> bool {
    let (Some(key), Some(signature)) = (hex_decode::<32>(key_hex), hex_decode::<64>(signature_hex)) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&key) else { return false };
    // Strict: a key of small order, which some signatures verify under for any message, is
    // refused.
    !key.is_weak() && key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&signature)).is_ok()
}

fn hex_encode(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

fn hex_decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).ok().map(|()| out)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("\"{role}\" is not a role: owner, accountant, cashier or mechanic")]
    UnknownRole { role: String },
    #[error("\"{name}\" is not a user name: 1 to 64 characters, no spaces at either end")]
    BadName { name: String },
    #[error("a user named {name} already exists")]
    NameTaken { name: String },
    #[error("the password is shorter than {min} characters")]
    PasswordTooShort { min: usize },
    #[error("the password is longer than {max} bytes")]
    PasswordTooLong { max: usize },
    #[error("the password cost {memory_kib} KiB × {passes} passes is outside what Rempart accepts")]
    Cost { memory_kib: u32, passes: u32 },
    #[error("the signatures of the access given to {user} do not hold")]
    BadSignature { user: String },
    #[error("{user} is not an owner of the company: only an owner gives access")]
    NotAnOwner { user: String },
    #[error("the company has users already: an owner must give the access")]
    GrantNeeded,
    #[error("the first user of a company is its owner")]
    FirstIsOwner,
    #[error("the first owner is named on the device that created the company")]
    FirstOwnerElsewhere,
    #[error("the user name or the password is wrong")]
    LoginRefused,
    #[error("user {user} does not exist")]
    Unknown { user: String },
    #[error("the access of {user} was taken away")]
    Removed { user: String },
    #[error("the name {name} belonged to a person whose access was taken away: choose another")]
    NameOfRemoved { name: String },
    #[error("a person changes their own password only; another owner changes their role or access")]
    OwnAccess,
    #[error("the stored password of a person cannot be read")]
    BadCredentials,
    #[error("{user} was changed meanwhile: look again and start over")]
    ChangedMeanwhile { user: String },
    #[error("the access of {user} was recorded by another device than the one that made it")]
    Copied { user: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: KdfCost = KdfCost { memory_kib: 8 * 1024, passes: 1 };

    fn key(password: &str, salt: u8) -> UserKey {
        UserKey::derive(password, &[salt; 16], CHEAP).unwrap()
    }

    const TENANT: &str = "0011223344556677";
    const NODE: &str = "aabbccdd";
    const PLACE: Place<'static> = Place { tenant: TENANT, node: NODE };
    const ELSEWHERE: Place<'static> = Place { tenant: "ffeeddccbbaa9988", node: NODE };

    fn grant(user: &str, role: Role, key: &UserKey, salt: u8, granter: Option<(&str, &UserKey)>) -> UserAdded {
        let mut fact = UserAdded::new(PLACE, user.into(), user.into(), role, &[salt; 16], key, granter);
        // Signed again at the cheap cost, so the test does not pay the product's.
        fact.cost = CHEAP;
        let body = fact.signed_body(TENANT);
        fact.proof = key.sign(&body);
        fact.grant = granter.map(|(_, granting)| granting.sign(&body));
        fact
    }

    #[test]
    fn the_same_password_and_salt_give_the_same_key_and_others_do_not() {
        let a = key("correct horse battery", 1);
        assert_eq!(a.public_hex(), key("correct horse battery", 1).public_hex());
        assert_ne!(a.public_hex(), key("correct horse batterz", 1).public_hex());
        assert_ne!(a.public_hex(), key("correct horse battery", 2).public_hex());
        assert!(matches!(
            UserKey::derive("x", &[0; 16], KdfCost { memory_kib: 1 << 30, passes: 1 }),
            Err(UserError::Cost { .. })
        ));
    }

    #[test]
    fn a_grant_holds_only_with_both_signatures_of_an_owner_and_the_new_key() {
        let owner = key("owner password", 1);
        let first = grant("anna", Role::Owner, &owner, 1, None);
        first.check(PLACE, true, |_| None).unwrap();
        // A grant made for one company holds in no other.
        assert!(matches!(first.check(ELSEWHERE, true, |_| None), Err(UserError::BadSignature { .. })));
        // Self-granted access is for the first person only, and only as owner.
        assert_eq!(first.check(PLACE, false, |_| None), Err(UserError::GrantNeeded));
        let cashier_key = key("cashier password", 2);
        let self_made = grant("eve", Role::Cashier, &cashier_key, 2, None);
        assert_eq!(self_made.check(PLACE, true, |_| None), Err(UserError::GrantNeeded));

        let owners = |id: &str| (id == "anna").then(|| owner.public_hex());
        let granted = grant("bob", Role::Cashier, &cashier_key, 2, Some(("anna", &owner)));
        granted.check(PLACE, false, owners).unwrap();
        // A copy recorded by another device admits nobody, nor one whose device was changed.
        let copied = Place { node: "99887766", ..PLACE };
        assert!(matches!(granted.check(copied, false, owners), Err(UserError::Copied { .. })));
        let mut moved = granted.clone();
        moved.node = Some("99887766".into());
        assert!(matches!(moved.check(copied, false, owners), Err(UserError::BadSignature { .. })));
        // A grant made before grants named their device holds wherever it is recorded, as it did.
        let mut before = UserAdded { node: None, ..granted.clone() };
        let body = before.signed_body(TENANT);
        before.proof = cashier_key.sign(&body);
        before.grant = Some(owner.sign(&body));
        before.check(copied, false, owners).unwrap();
        assert!(!String::from_utf8(body).unwrap().contains("node"), "its body signs as it did");
        assert!(granted.opens_with(&key("cashier password", 2)));
        assert!(!granted.opens_with(&key("cashier passwork", 2)));

        // A cashier cannot grant, and nobody can change a signed field.
        let by_cashier = grant("mallory", Role::Owner, &key("mallory's pass", 3), 3, Some(("bob", &cashier_key)));
        assert_eq!(by_cashier.check(PLACE, false, owners), Err(UserError::NotAnOwner { user: "bob".into() }));
        let mut promoted = granted.clone();
        promoted.role = Role::Owner;
        assert!(matches!(promoted.check(PLACE, false, owners), Err(UserError::BadSignature { .. })));
        let mut forged = granted.clone();
        forged.grant = Some(cashier_key.sign(&forged.signed_body(TENANT)));
        assert!(matches!(forged.check(PLACE, false, owners), Err(UserError::BadSignature { .. })));
        let mut other_key = granted;
        other_key.key = key("another one", 4).public_hex();
        assert!(matches!(other_key.check(PLACE, false, owners), Err(UserError::BadSignature { .. })));

        // The identity point as a key, with the signature (R = identity, s = 0) that a lax check
        // takes for any message: refused.
        let mut weak = first.clone();
        let identity = {
            let mut bytes = [0u8; 32];
            bytes[0] = 1;
            bytes
        };
        weak.key = hex::encode(identity);
        let mut signature = [0u8; 64];
        signature[0] = 1;
        weak.proof = hex::encode(signature);
        assert!(matches!(weak.check(PLACE, true, |_| None), Err(UserError::BadSignature { .. })));
    }

    fn credentials(key: &UserKey, salt: u8) -> Credentials {
        Credentials { salt: hex_encode(&[salt; 16]), cost: CHEAP, key: key.public_hex() }
    }

    #[test]
    fn a_change_holds_only_signed_by_the_new_key_and_by_the_person_or_an_owner() {
        let anna = key("anna's password", 1);
        let carl = key("carl's password", 2);
        let carl_new = key("carl's new one", 3);
        let stand = |name: &str, key: &UserKey, role| Standing {
            name: name.into(),
            role,
            key: key.public_hex(),
            removed: false,
            last_change: None,
        };
        let people = |id: &str| match id {
            "anna" => Some(stand("Anna", &anna, Role::Owner)),
            "carl" => Some(stand("Carl", &carl, Role::Cashier)),
            _ => None,
        };
        let carl_now = people("carl").unwrap();
        let change = |change: UserChange, by: (&str, &UserKey), new: Option<&UserKey>| {
            UserChanged::new(PLACE, "UC-1".into(), ("carl".into(), "Carl".into()), change, by, None, new)
        };
        // Carl's own password, signed by his old key and the new one.
        let own = change(UserChange::Password(credentials(&carl_new, 3)), ("carl", &carl), Some(&carl_new));
        own.check(PLACE, &carl_now, people).unwrap();
        assert!(matches!(own.check(ELSEWHERE, &carl_now, people), Err(UserError::BadSignature { .. })));
        // Without the new key's signature, or signed by a key Carl no longer has: refused.
        let unproven = change(UserChange::Password(credentials(&carl_new, 3)), ("carl", &carl), None);
        assert!(matches!(unproven.check(PLACE, &carl_now, people), Err(UserError::BadSignature { .. })));
        let moved_on = stand("Carl", &carl_new, Role::Cashier);
        assert!(matches!(own.check(PLACE, &moved_on, people), Err(UserError::BadSignature { .. })));
        // Carl cannot give himself another role, nor sign as an owner.
        let promoted = UserChange::Role { role: Role::Owner, credentials: credentials(&carl_new, 3) };
        let self_promoted = change(promoted.clone(), ("carl", &carl), Some(&carl_new));
        assert_eq!(self_promoted.check(PLACE, &carl_now, people), Err(UserError::OwnAccess));
        let as_owner = change(promoted.clone(), ("anna", &carl), Some(&carl_new));
        assert!(matches!(as_owner.check(PLACE, &carl_now, people), Err(UserError::BadSignature { .. })));
        // Anna, an owner, changes his role and takes his access away; a change names its role
        // and key under both signatures.
        let by_anna = change(promoted, ("anna", &anna), Some(&carl_new));
        by_anna.check(PLACE, &carl_now, people).unwrap();
        let mut tampered = by_anna.clone();
        tampered.change = UserChange::Role { role: Role::Accountant, credentials: credentials(&carl_new, 3) };
        assert!(matches!(tampered.check(PLACE, &carl_now, people), Err(UserError::BadSignature { .. })));
        let removed = change(UserChange::Removed, ("anna", &anna), None);
        removed.check(PLACE, &carl_now, people).unwrap();
        // An owner's new role holds only on the person as the change it names left them, and a
        // change names the person it is about.
        let changed_since = Standing { last_change: Some("UC-0".into()), ..carl_now.clone() };
        assert!(matches!(by_anna.check(PLACE, &changed_since, people), Err(UserError::ChangedMeanwhile { .. })));
        removed.check(PLACE, &changed_since, people).unwrap();
        let renamed = Standing { name: "Anna".into(), ..carl_now.clone() };
        assert!(matches!(removed.check(PLACE, &renamed, people), Err(UserError::BadSignature { .. })));
        // Recorded by another device than the one that made it (a copy): refused; and the device
        // it names cannot be changed without breaking the signatures.
        let copied = Place { node: "99887766", ..PLACE };
        assert!(matches!(removed.check(copied, &carl_now, people), Err(UserError::Copied { .. })));
        let mut moved = removed.clone();
        moved.node = "99887766".into();
        assert!(matches!(moved.check(copied, &carl_now, people), Err(UserError::BadSignature { .. })));
        // Nothing changes a person whose access was taken away, and nobody but an owner with
        // access takes it away.
        let gone = Standing { removed: true, ..carl_now.clone() };
        assert!(matches!(own.check(PLACE, &gone, people), Err(UserError::Removed { .. })));
        let anna_gone = |id: &str| people(id).map(|person| Standing { removed: id == "anna", ..person });
        assert!(matches!(removed.check(PLACE, &carl_now, anna_gone), Err(UserError::NotAnOwner { .. })));
        let cashier_removes = UserChanged::new(
            PLACE,
            "UC-2".into(),
            ("anna".into(), "Anna".into()),
            UserChange::Removed,
            ("carl", &carl),
            None,
            None,
        );
        let anna_now = people("anna").unwrap();
        assert!(matches!(cashier_removes.check(PLACE, &anna_now, people), Err(UserError::NotAnOwner { .. })));
    }

    #[test]
    fn names_and_passwords_are_checked() {
        assert!(check_user_name("Jean Favre").is_ok());
        for bad in ["", " anna", "anna ", "an\nna", &"x".repeat(65), "own\u{200B}er", "\u{202E}renwo"] {
            assert!(matches!(check_user_name(bad), Err(UserError::BadName { .. })), "{bad:?}");
        }
        assert_eq!(user_name_key("  Jean   FAVRE "), "jean favre");
        assert_eq!(user_name_key("Jose\u{301}"), user_name_key("Jos\u{e9}"));
        assert_eq!(user_name_key("\u{FF2F}\u{FF37}\u{FF2E}\u{FF25}\u{FF32}"), "owner");
        assert_eq!(check_password("short"), Err(UserError::PasswordTooShort { min: PASSWORD_CHARS_MIN }));
        assert!(check_password("long enough!").is_ok());
        assert_eq!(Role::parse("cashier"), Ok(Role::Cashier));
        assert!(matches!(Role::parse("boss"), Err(UserError::UnknownRole { .. })));
    }
}
