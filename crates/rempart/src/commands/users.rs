//! The people who use the web app (`user`): giving access from the command line, as the settings
//! page does.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use rempart_domain::users::Role;
use rempart_store::Store;

use crate::i18n::Lang;
use rempart_reports::render::{Cell, Format, Report};

#[derive(Subcommand)]
pub(crate) enum UserCommand {
    /// Give a person access to the web app with a role (owner, accountant, cashier or mechanic).
    /// The company's first person is its owner; afterwards an owner gives access
    /// (--owner and --owner-password-file).
    Add {
        name: String,
        #[arg(long)]
        role: String,
        /// The file holding the new password (`-`: standard input); its last line break is not
        /// part of it.
        #[arg(long)]
        password_file: PathBuf,
        /// The owner who gives the access ...
        #[arg(long, requires = "owner_password_file")]
        owner: Option<String>,
        /// ... and the file holding their password.
        #[arg(long, requires = "owner")]
        owner_password_file: Option<PathBuf>,
    },
    /// Change your own password (the current one proves it is you).
    Password {
        name: String,
        /// The file holding the current password (`-`: standard input).
        #[arg(long)]
        password_file: PathBuf,
        /// The file holding the new password.
        #[arg(long)]
        new_password_file: PathBuf,
    },
    /// Give a person another role, or a new password where they forgot theirs: an owner sets
    /// the new password and hands it over.
    Change {
        name: String,
        /// The role from now on (the same one: a new password only).
        #[arg(long)]
        role: String,
        /// The file holding the new password.
        #[arg(long)]
        password_file: PathBuf,
        /// The owner who makes the change ...
        #[arg(long)]
        owner: String,
        /// ... and the file holding their password.
        #[arg(long)]
        owner_password_file: PathBuf,
    },
    /// Take a person's access away: they can no longer log in; what they recorded keeps their name.
    Remove {
        name: String,
        /// The owner who takes it away ...
        #[arg(long)]
        owner: String,
        /// ... and the file holding their password.
        #[arg(long)]
        owner_password_file: PathBuf,
    },
    /// List the people who have access, with their role.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// A password from a file, or standard input for `-`, without its last line break.
pub(crate) fn read_password(path: &Path) -> Result<String> {
    let mut text = String::new();
    if path == Path::new("-") {
        std::io::stdin().read_to_string(&mut text).context("cannot read the password from standard input")?;
    } else {
        text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    }
    let trimmed = text.strip_suffix('\n').map(|text| text.strip_suffix('\r').unwrap_or(text)).unwrap_or(&text);
    Ok(trimmed.to_owned())
}

/// The person named `name` who has access.
fn person_named(store: &Store, name: &str) -> Result<rempart_store::users::User> {
    store.user_by_name(name)?.ok_or_else(|| {
        rempart_store::StoreError::from(rempart_domain::users::UserError::Unknown { user: name.to_owned() }).into()
    })
}

/// Runs a `user` command.
pub(crate) fn user(dir: &Path, lang: Lang, command: UserCommand) -> Result<()> {
    let mut store = Store::open(dir)?;
    match command {
        UserCommand::Add { name, role, password_file, owner, owner_password_file } => {
            let role = Role::parse(&role)?;
            let password = read_password(&password_file)?;
            let granter = match owner.zip(owner_password_file) {
                Some((owner, file)) => Some(store.log_in(&owner, &read_password(&file)?)?),
                None => None,
            };
            let user =
                store.add_user(&name, role, &password, granter.as_ref().map(|(user, key)| (user.id.as_str(), key)))?;
            println!(
                "{}",
                lang.fill("user.added", &[("name", &user.name), ("role", &rempart_i18n::role_name(lang, user.role))])
            );
        }
        UserCommand::Password { name, password_file, new_password_file } => {
            let (user, key) = store.log_in(&name, &read_password(&password_file)?)?;
            store.change_password(&user.id, &key, &read_password(&new_password_file)?)?;
            println!("{}", lang.fill("user.password_changed", &[("name", &user.name)]));
        }
        UserCommand::Change { name, role, password_file, owner, owner_password_file } => {
            let role = Role::parse(&role)?;
            let password = read_password(&password_file)?;
            let (owner, key) = store.log_in(&owner, &read_password(&owner_password_file)?)?;
            let person = person_named(&store, &name)?;
            let user = store.reset_user(&person.id, role, &password, (&owner.id, &key))?;
            println!(
                "{}",
                lang.fill("user.changed", &[("name", &user.name), ("role", &rempart_i18n::role_name(lang, user.role))])
            );
        }
        UserCommand::Remove { name, owner, owner_password_file } => {
            let (owner, key) = store.log_in(&owner, &read_password(&owner_password_file)?)?;
            let person = person_named(&store, &name)?;
            store.remove_user(&person.id, (&owner.id, &key))?;
            println!("{}", lang.fill("user.removed", &[("name", &person.name)]));
        }
        UserCommand::List { format } => {
            let mut report = Report::new(
                lang.text("user.list.title").to_owned(),
                vec![
                    ("name", lang.text("user.list.name").to_owned()),
                    ("role", lang.text("user.list.role").to_owned()),
                    ("granted_by", lang.text("user.list.granted_by").to_owned()),
                ],
            );
            for user in store.users()? {
                report.rows.push(vec![
                    Cell::Text(user.name),
                    Cell::Text(rempart_i18n::role_name(lang, user.role).to_owned()),
                    Cell::Text(user.granted_by.unwrap_or_default()),
                ]);
            }
            print!("{}", report.render(format, super::common::locale_of(&store)?)?);
        }
    }
    Ok(())
}
