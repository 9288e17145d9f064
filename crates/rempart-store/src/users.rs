//! The people who use the web app: giving access (checked by the domain, signed by the person's
//! key and an owner's), changing a password or a role, taking access away, logging in, and
//! listing them.

use rempart_domain::Fact;
use rempart_domain::users::{
    Credentials, KDF_COST, Place, Role, Standing, UserAdded, UserChange, UserChanged, UserError, UserKey,
    check_password, check_user_name, user_name_key,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::project::Origin;
use crate::{Store, StoreError};

pub const SCHEMA: &str = "
-- The people given access through the web app, each admitted by the first valid grant in merge
-- order for its name (`users::project_user_added`), as their valid changes left them
-- (`users::project_user_changed`): role, password (`credentials`, the domain's `Credentials` in
-- JSON), whether their access was taken away (the row stays: the name remains theirs), and the
-- id of the last owner's change of their password or role, which the next one names.
CREATE TABLE IF NOT EXISTS p_users (
    user TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    role TEXT NOT NULL,
    granted_by TEXT,
    credentials TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0,
    last_change TEXT
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
    /// The public key their password gives now: a session opened with another ends.
    pub key: String,
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
        let node = hex::encode(self.node.as_bytes());
        // Checked before the slow derivation, and again inside the commit (another handle may
        // have given the name, or changed the granting owner, since).
        let first = grant_allowed(&self.conn, &node, name, role, granter.is_some())?;
        let salt: [u8; 16] = self.random_bytes();
        let key = UserKey::derive(password, &salt, KDF_COST)?;
        let id = format!("U-{}", hex::encode(self.random_bytes::<6>()));
        let tenant = hex::encode(self.tenant.as_bytes());
        let place = Place { tenant: &tenant, node: &node };
        let fact = UserAdded::new(place, id, name.to_owned(), role, &salt, &key, granter);
        fact.check(place, first, |user| owner_key(&self.conn, user).ok().flatten())?;
        let user = User {
            id: fact.user.clone(),
            name: fact.name.clone(),
            role,
            granted_by: fact.granted_by.clone(),
            key: fact.key.clone(),
        };
        let author = granter.map(|(by, _)| by.to_owned());
        let record = |commit: &mut crate::Commit<'_>| {
            let first = grant_allowed(commit.conn, &node, &fact.name, fact.role, fact.granted_by.is_some())?;
            fact.check(place, first, |user| owner_key(commit.conn, user).ok().flatten())?;
            commit.record(Fact::UserAdded(fact))
        };
        match author {
            Some(by) => self.as_user(&by, |store| store.commit(record))?,
            None => self.commit(record)?,
        }
        Ok(User { granted_by: user.granted_by.as_deref().and_then(|id| self.user(id).ok()).map(|u| u.name), ..user })
    }

    /// Changes the password of the person `user`, who proves the old one with the key it gave
    /// (`key`, from their login); returns the new password's key.
    pub fn change_password(&mut self, user: &str, key: &UserKey, password: &str) -> Result<UserKey, StoreError> {
        check_password(password)?;
        let person = self.user(user)?;
        let (salt, new_key) = self.new_credentials(password)?;
        let change = UserChange::Password(Credentials::new(&salt, &new_key));
        self.change_user(&person, change, (user, key), Some(&new_key))?;
        Ok(new_key)
    }

    /// Gives the person `user` the role `role` and a new password that the owner `owner` (their
    /// id and key) hands over: a change of role, or a new password alone where the role stays.
    /// Nobody does it for themselves: their own password is changed with the old one.
    pub fn reset_user(
        &mut self,
        user: &str,
        role: Role,
        password: &str,
        owner: (&str, &UserKey),
    ) -> Result<User, StoreError> {
        if owner.0 == user {
            return Err(UserError::OwnAccess.into());
        }
        check_password(password)?;
        let person = self.user(user)?;
        let (salt, new_key) = self.new_credentials(password)?;
        let credentials = Credentials::new(&salt, &new_key);
        let change = if role == person.role {
            UserChange::Password(credentials)
        } else {
            UserChange::Role { role, credentials }
        };
        self.change_user(&person, change, owner, Some(&new_key))?;
        self.user(user)
    }

    /// Takes away the access of the person `user`, by the owner `owner` (their id and key).
    pub fn remove_user(&mut self, user: &str, owner: (&str, &UserKey)) -> Result<(), StoreError> {
        if owner.0 == user {
            return Err(UserError::OwnAccess.into());
        }
        let person = self.user(user)?;
        self.change_user(&person, UserChange::Removed, owner, None)
    }

    fn new_credentials(&self, password: &str) -> Result<([u8; 16], UserKey), StoreError> {
        let salt: [u8; 16] = self.random_bytes();
        let key = UserKey::derive(password, &salt, KDF_COST)?;
        Ok((salt, key))
    }

    /// Signs and records a change, checked as every node's projection will check it, again
    /// inside the commit (another handle may have changed the person since).
    fn change_user(
        &mut self,
        person: &User,
        change: UserChange,
        by: (&str, &UserKey),
        new_key: Option<&UserKey>,
    ) -> Result<(), StoreError> {
        let tenant = hex::encode(self.tenant.as_bytes());
        let id = format!("UC-{}", hex::encode(self.random_bytes::<8>()));
        // An owner's new password or role names the owner's change it follows; if another is
        // applied before this one commits, the check inside the commit refuses it.
        let after = match (&change, by.0 == person.id) {
            (UserChange::Removed, _) | (_, true) => None,
            _ => standing(&self.conn, &person.id)?.and_then(|standing| standing.last_change),
        };
        let people = (person.id.clone(), person.name.clone());
        let node = hex::encode(self.node.as_bytes());
        let place = Place { tenant: &tenant, node: &node };
        let fact = UserChanged::new(place, id, people, change, by, after, new_key);
        let author = by.0.to_owned();
        self.as_user(&author, |store| {
            store.commit(|commit| {
                check_change(commit.conn, place, &fact)?;
                commit.record(Fact::UserChanged(fact))
            })
        })
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

    /// What checking a login needs from the store: the person named `name`, if they have
    /// access, and their password as the log keeps it (salt, cost and public key). The key
    /// derivation, the slow part, needs no store (`open_login`).
    pub fn login_record(&self, name: &str) -> Result<Option<(User, Credentials)>, StoreError> {
        let Some(user) = self.user_by_name(name)? else { return Ok(None) };
        let credentials = credentials_of(&self.conn, &user.id)?;
        Ok(Some((user, credentials)))
    }

    /// The person named `name` (case and spaces aside) who has access, if any.
    pub fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        match name_holder(&self.conn, name)? {
            Some((id, false)) => self.user(&id).map(Some),
            _ => Ok(None),
        }
    }

    /// The person whose id is `id`.
    pub fn user(&self, id: &str) -> Result<User, StoreError> {
        self.users()?
            .into_iter()
            .find(|user| user.id == id)
            .ok_or_else(|| UserError::Unknown { user: id.to_owned() }.into())
    }

    /// Everyone who has access, by name.
    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT u.user, u.name, u.role, g.name, u.credentials FROM p_users u LEFT JOIN p_users g ON g.user = u.granted_by
             WHERE NOT u.removed ORDER BY u.name_key",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get(3)?,
                row.get::<_, String>(4)?,
            ))
        })?;
        let mut users = Vec::new();
        for row in rows {
            let (id, name, role, granted_by, credentials) = row?;
            let key = stored_credentials(&id, &credentials)?.key;
            users.push(User { id, name, role: stored_role(&role)?, granted_by, key });
        }
        Ok(users)
    }
}

/// Checks a password against a login record: the key it derives must be the person's. Every
/// failure is the one refusal, after the same Argon2id work, so that neither the answer nor its
/// time tells which names exist.
pub fn open_login(record: Option<(User, Credentials)>, password: &str) -> Result<(User, UserKey), UserError> {
    let decoy = || {
        let _ = UserKey::derive("", &[0; 16], KDF_COST);
        UserError::LoginRefused
    };
    if password.len() > rempart_domain::users::PASSWORD_BYTES_MAX {
        return Err(decoy());
    }
    let Some((user, credentials)) = record else { return Err(decoy()) };
    let Ok(salt) = credentials.salt_bytes() else { return Err(decoy()) };
    match UserKey::derive(password, &salt, credentials.cost) {
        Ok(key) if credentials.opens_with(&key) => Ok((user, key)),
        Ok(_) => Err(UserError::LoginRefused),
        Err(_) => Err(decoy()),
    }
}

/// Whether a grant of `name` with `role` may be made on the node `node` (in hex), by an owner
/// (`granted`) or as the company's first owner; returns whether it would be that first owner.
fn grant_allowed(conn: &Connection, node: &str, name: &str, role: Role, granted: bool) -> Result<bool, StoreError> {
    let nobody = conn.query_row("SELECT 1 FROM p_users LIMIT 1", [], |_| Ok(())).optional()?.is_none();
    let first = nobody && creator_node(conn)?.as_deref() == Some(node);
    match granted {
        false if !nobody => return Err(UserError::GrantNeeded.into()),
        false if !first => return Err(UserError::FirstOwnerElsewhere.into()),
        _ => {}
    }
    if nobody && role != Role::Owner {
        return Err(UserError::FirstIsOwner.into());
    }
    match name_holder(conn, name)? {
        Some((_, true)) => Err(UserError::NameOfRemoved { name: name.to_owned() }.into()),
        Some((_, false)) => Err(UserError::NameTaken { name: name.to_owned() }.into()),
        None => Ok(first),
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

fn stored_credentials(user: &str, text: &str) -> Result<Credentials, StoreError> {
    serde_json::from_str(text).map_err(|_| crate::Damage::UserUnreadable { user: user.to_owned() }.into())
}

/// Who holds the name `name` (case and spaces aside), and whether their access was taken away.
fn name_holder(conn: &Connection, name: &str) -> Result<Option<(String, bool)>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT user, removed FROM p_users WHERE name_key = ?1")?
        .query_row([user_name_key(name)], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// The password of the person `id` as the log keeps it now.
fn credentials_of(conn: &Connection, id: &str) -> Result<Credentials, StoreError> {
    let text: Option<String> = conn
        .prepare_cached("SELECT credentials FROM p_users WHERE user = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    let text = text.ok_or_else(|| StoreError::from(UserError::Unknown { user: id.to_owned() }))?;
    stored_credentials(id, &text)
}

/// The person `id` as they stand now, if they were ever given access.
fn standing(conn: &Connection, id: &str) -> Result<Option<Standing>, StoreError> {
    type Row = (String, String, String, bool, Option<String>);
    let row: Option<Row> = conn
        .prepare_cached("SELECT name, role, credentials, removed, last_change FROM p_users WHERE user = ?1")?
        .query_row([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)))
        .optional()?;
    row.map(|(name, role, credentials, removed, last_change)| {
        Ok(Standing {
            name,
            role: stored_role(&role)?,
            key: stored_credentials(id, &credentials)?.key,
            removed,
            last_change,
        })
    })
    .transpose()
}

/// The public key of the owner `id`, if they are one and have access.
fn owner_key(conn: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    Ok(standing(conn, id)?.filter(|owner| owner.role == Role::Owner && !owner.removed).map(|owner| owner.key))
}

/// Whether a change holds on the people as the projection holds them: on a person given access,
/// and as the domain requires (`UserChanged::check`).
fn check_change(conn: &Connection, place: Place<'_>, fact: &UserChanged) -> Result<(), StoreError> {
    let person = standing(conn, &fact.user)?.ok_or_else(|| UserError::Unknown { user: fact.name.clone() })?;
    // The company always keeps an owner: an owner's role or access is changed only by another
    // owner who has access (never by themselves), and stays with that one.
    fact.check(place, &person, |id| standing(conn, id).ok().flatten())?;
    Ok(())
}

/// Projects a `UserChanged` fact: applied if it holds (`check_change`), else it changes nobody,
/// alike on every node.
pub(crate) fn project_user_changed(conn: &Connection, origin: Origin, fact: &UserChanged) -> Result<(), StoreError> {
    let (tenant, node) = (hex::encode(origin.tenant.as_bytes()), hex::encode(origin.node.as_bytes()));
    match check_change(conn, Place { tenant: &tenant, node: &node }, fact) {
        Ok(()) => {}
        Err(StoreError::User(_)) => return Ok(()),
        Err(error) => return Err(error),
    }
    let set = |sql: &str, value: &str| -> Result<(), StoreError> {
        conn.prepare_cached(sql)?.execute([value, &fact.user])?;
        Ok(())
    };
    // Strings and integers: serialising them cannot fail.
    let credentials = |credentials: &Credentials| serde_json::to_string(credentials).expect("credentials serialise");
    match &fact.change {
        UserChange::Password(new) => set("UPDATE p_users SET credentials = ?1 WHERE user = ?2", &credentials(new))?,
        UserChange::Role { role, credentials: new } => {
            set("UPDATE p_users SET role = ?1 WHERE user = ?2", role.as_str())?;
            set("UPDATE p_users SET credentials = ?1 WHERE user = ?2", &credentials(new))?;
        }
        UserChange::Removed => set("UPDATE p_users SET removed = ?1 WHERE user = ?2", "1")?,
    }
    if fact.signer != fact.user && fact.change != UserChange::Removed {
        set("UPDATE p_users SET last_change = ?1 WHERE user = ?2", &fact.id)?;
    }
    Ok(())
}

/// Projects a `UserAdded` fact: the first valid grant of a name stands; a grant whose signatures
/// do not hold, or that no owner gave, admits nobody, alike on every node. The company's first
/// owner grants themselves only on the chain of the node that created the company (another
/// device of the company, whatever the clock it claims, cannot name itself owner).
pub(crate) fn project_user_added(conn: &Connection, origin: Origin, fact: &UserAdded) -> Result<(), StoreError> {
    let (tenant, node) = (hex::encode(origin.tenant.as_bytes()), hex::encode(origin.node.as_bytes()));
    let nobody = conn.query_row("SELECT 1 FROM p_users LIMIT 1", [], |_| Ok(())).optional()?.is_none();
    let first = nobody && creator_node(conn)?.as_deref() == Some(&node[..]);
    let taken = conn
        .prepare_cached("SELECT 1 FROM p_users WHERE name_key = ?1 OR user = ?2")?
        .query_row(params![user_name_key(&fact.name), fact.user], |_| Ok(()))
        .optional()?
        .is_some();
    let place = Place { tenant: &tenant, node: &node };
    if taken || fact.check(place, first, |user| owner_key(conn, user).ok().flatten()).is_err() {
        return Ok(());
    }
    // A struct of strings and integers: serialising it cannot fail.
    let credentials = serde_json::to_string(&fact.credentials()).expect("credentials serialise");
    conn.prepare_cached(
        "INSERT INTO p_users (user, name, name_key, role, granted_by, credentials) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        fact.user,
        fact.name,
        user_name_key(&fact.name),
        fact.role.as_str(),
        fact.granted_by,
        credentials
    ])?;
    Ok(())
}
