//! The people who use the web app: giving access (checked by the domain, signed by the person's
//! key and an owner's), logging in, and listing them.

use rempart_domain::Fact;
use rempart_domain::users::{
    KDF_COST, Role, UserAdded, UserError, UserKey, check_password, check_user_name, user_name_key,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::project::Origin;
use crate::{Store, StoreError};

pub const SCHEMA: &str = "
-- The people given access through the web app, each admitted by the first valid grant in merge
-- order for its name (`users::project_user_added`).
CREATE TABLE IF NOT EXISTS p_users (
    user TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    role TEXT NOT NULL,
    granted_by TEXT,
    payload TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS p_users_name ON p_users (name_key);
";

/// A person as the app lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// The name of the owner who gave the access; none for the company's first owner.
    pub granted_by: Option<String>,
}

impl From<UserError> for StoreError {
    fn from(error: UserError) -> StoreError {
        StoreError::User(error)
    }
}

impl Store {
    /// Gives `name` access with `role` and `password`, granted by the owner `granter` (their id
    /// and the key their password gives). Without a granter, only the company's first person,
    /// an owner, is admitted.
    pub fn add_user(
        &mut self,
        name: &str,
        role: Role,
        password: &str,
        granter: Option<(&str, &UserKey)>,
    ) -> Result<User, StoreError> {
        check_user_name(name)?;
        check_password(password)?;
        let nobody = !self.has_users()?;
        let first = nobody && creator_node(&self.conn)?.as_deref() == Some(&hex::encode(self.node.as_bytes())[..]);
        match granter {
            None if !nobody => return Err(UserError::GrantNeeded.into()),
            None if !first => return Err(UserError::FirstOwnerElsewhere.into()),
            _ => {}
        }
        if nobody && role != Role::Owner {
            return Err(UserError::FirstIsOwner.into());
        }
        if self.user_by_name(name)?.is_some() {
            return Err(UserError::NameTaken { name: name.to_owned() }.into());
        }
        let salt: [u8; 16] = self.random_bytes();
        let key = UserKey::derive(password, &salt, KDF_COST)?;
        let id = format!("U-{}", hex::encode(self.random_bytes::<6>()));
        let tenant = hex::encode(self.tenant.as_bytes());
        let fact = UserAdded::new(&tenant, id, name.to_owned(), role, &salt, &key, granter);
        fact.check(&tenant, first, |user| owner_key(&self.conn, user).ok().flatten())?;
        let user = User { id: fact.user.clone(), name: fact.name.clone(), role, granted_by: fact.granted_by.clone() };
        let author = granter.map(|(by, _)| by.to_owned());
        let record = |commit: &mut crate::Commit<'_>| commit.record(Fact::UserAdded(fact));
        match author {
            Some(by) => self.as_user(&by, |store| store.commit(record))?,
            None => self.commit(record)?,
        }
        Ok(User { granted_by: user.granted_by.as_deref().and_then(|id| self.user(id).ok()).map(|u| u.name), ..user })
    }

    /// Whether anyone has been given access yet.
    /// The language a person chose for the pages (a language tag), kept on this node as their
    /// sessions are; none if they chose none.
    pub fn user_language(&self, user: &str) -> Result<Option<String>, StoreError> {
        self.sync_setting(&format!("language.{user}"))
    }

    /// Keeps the language a person chose for the pages.
    pub fn set_user_language(&self, user: &str, tag: &str) -> Result<(), StoreError> {
        self.set_sync_setting(&format!("language.{user}"), tag)
    }

    pub fn has_users(&self) -> Result<bool, StoreError> {
        Ok(self.conn.query_row("SELECT 1 FROM p_users LIMIT 1", [], |_| Ok(())).optional()?.is_some())
    }

    /// Checks `password` against the person named `name`: their record and the key it gives.
    /// A wrong name and a wrong password are refused alike, after the same work.
    pub fn log_in(&self, name: &str, password: &str) -> Result<(User, UserKey), StoreError> {
        let record = self.login_record(name)?;
        Ok(open_login(record, password)?)
    }

    /// What checking a login needs from the store: the person named `name` and their grant
    /// (its salt, cost and public key). The key derivation, the slow part, needs no store
    /// (`open_login`).
    pub fn login_record(&self, name: &str) -> Result<Option<(User, UserAdded)>, StoreError> {
        let Some(user) = self.user_by_name(name)? else { return Ok(None) };
        let fact = self.user_fact(&user.id)?;
        Ok(Some((user, fact)))
    }

    /// The person named `name` (case and spaces aside), if any.
    pub fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        let id: Option<String> = self
            .conn
            .prepare_cached("SELECT user FROM p_users WHERE name_key = ?1")?
            .query_row([user_name_key(name)], |row| row.get(0))
            .optional()?;
        id.map(|id| self.user(&id)).transpose()
    }

    /// The person whose id is `id`.
    pub fn user(&self, id: &str) -> Result<User, StoreError> {
        self.users()?
            .into_iter()
            .find(|user| user.id == id)
            .ok_or_else(|| UserError::Unknown { user: id.to_owned() }.into())
    }

    /// Everyone given access, by name.
    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT u.user, u.name, u.role, g.name FROM p_users u LEFT JOIN p_users g ON g.user = u.granted_by
             ORDER BY u.name_key",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get(3)?))
        })?;
        let mut users = Vec::new();
        for row in rows {
            let (id, name, role, granted_by) = row?;
            users.push(User { id, name, role: stored_role(&role)?, granted_by });
        }
        Ok(users)
    }

    fn user_fact(&self, id: &str) -> Result<UserAdded, StoreError> {
        user_fact(&self.conn, id)?.ok_or_else(|| UserError::Unknown { user: id.to_owned() }.into())
    }
}

/// Checks a password against a login record: the key it derives must be the person's. Every
/// failure is the one refusal, after the same Argon2id work, so that neither the answer nor its
/// time tells which names exist.
pub fn open_login(record: Option<(User, UserAdded)>, password: &str) -> Result<(User, UserKey), UserError> {
    let decoy = || {
        let _ = UserKey::derive("", &[0; 16], KDF_COST);
        UserError::LoginRefused
    };
    if password.len() > rempart_domain::users::PASSWORD_BYTES_MAX {
        return Err(decoy());
    }
    let Some((user, fact)) = record else { return Err(decoy()) };
    let Ok(salt) = fact.salt_bytes() else { return Err(decoy()) };
    match UserKey::derive(password, &salt, fact.cost) {
        Ok(key) if fact.opens_with(&key) => Ok((user, key)),
        Ok(_) => Err(UserError::LoginRefused),
        Err(_) => Err(decoy()),
    }
}

/// The node that created the company, in hex, once its `company.created` is projected.
fn creator_node(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT value FROM p_company WHERE key = ?1")?
        .query_row([crate::company::CREATOR_NODE], |row| row.get(0))
        .optional()?)
}

fn stored_role(text: &str) -> Result<Role, StoreError> {
    Role::parse(text).map_err(|_| crate::Damage::UserUnreadable { user: text.to_owned() }.into())
}

fn user_fact(conn: &Connection, id: &str) -> Result<Option<UserAdded>, StoreError> {
    let payload: Option<String> = conn
        .prepare_cached("SELECT payload FROM p_users WHERE user = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    payload
        .map(|payload| {
            serde_json::from_str(&payload)
                .map_err(|_| StoreError::from(crate::Damage::UserUnreadable { user: id.to_owned() }))
        })
        .transpose()
}

/// The public key of the owner `id`, if they are one.
fn owner_key(conn: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    Ok(user_fact(conn, id)?.filter(|fact| fact.role == Role::Owner).map(|fact| fact.key))
}

/// Projects a `UserAdded` fact: the first valid grant of a name stands; a grant whose signatures
/// do not hold, or that no owner gave, admits nobody, alike on every node. The company's first
/// owner grants themselves only on the chain of the node that created the company (another
/// device of the company, whatever the clock it claims, cannot name itself owner).
pub(crate) fn project_user_added(conn: &Connection, origin: Origin, fact: &UserAdded) -> Result<(), StoreError> {
    let tenant = hex::encode(origin.tenant.as_bytes());
    let nobody = conn.query_row("SELECT 1 FROM p_users LIMIT 1", [], |_| Ok(())).optional()?.is_none();
    let first = nobody && creator_node(conn)?.as_deref() == Some(&hex::encode(origin.node.as_bytes())[..]);
    let taken = conn
        .prepare_cached("SELECT 1 FROM p_users WHERE name_key = ?1 OR user = ?2")?
        .query_row(params![user_name_key(&fact.name), fact.user], |_| Ok(()))
        .optional()?
        .is_some();
    if taken || fact.check(&tenant, first, |user| owner_key(conn, user).ok().flatten()).is_err() {
        return Ok(());
    }
    // A struct of strings and integers: serialising it cannot fail.
    let payload = serde_json::to_string(fact).expect("a grant serialises");
    conn.prepare_cached(
        "INSERT INTO p_users (user, name, name_key, role, granted_by, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        fact.user,
        fact.name,
        user_name_key(&fact.name),
        fact.role.as_str(),
        fact.granted_by,
        payload
    ])?;
    Ok(())
}
