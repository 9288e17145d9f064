//! `rempart serve`: the node's web app (`rempart-web`), and the demo company served with an
//! owner's login.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use rempart_domain::users::Role;
use rempart_store::Store;

use crate::i18n::Lang;

/// The TLS configuration from a certificate chain and key files (PEM), as the hub reads them.
pub(crate) fn tls_config(tls: Option<(&Path, &Path)>) -> Result<Option<std::sync::Arc<rustls::ServerConfig>>> {
    let Some((certificate, key)) = tls else { return Ok(None) };
    let read = |path: &Path| std::fs::read(path).with_context(|| format!("cannot read {}", path.display()));
    let config = rempart_hub::http::tls_config(&read(certificate)?, &read(key)?).map_err(|error| anyhow!("{error}"))?;
    Ok(Some(config))
}

/// Serves the web app of the company in `dir` until the process ends. The last line printed
/// names the address; before it, the one-time address that creates the owner when nobody has
/// access yet.
pub(crate) fn serve(dir: &Path, listen: SocketAddr, tls: Option<(&Path, &Path)>, lang: Lang) -> Result<ExitCode> {
    let tls = tls_config(tls)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let mut config = rempart_web::Config::new(dir, listen);
    config.tls = tls;
    // The node serving its app is the node that syncs: no other command needs to run beside it.
    config.background_sync = true;
    let running = rempart_web::start(config)?;
    let url = format!("{scheme}://{}", running.addr);
    if let Some(path) = &running.setup_path {
        println!("{}", lang.fill("serve.setup", &[("url", &format!("{url}{path}"))]));
    }
    println!("{}", lang.fill("serve.listening", &[("url", &url)]));
    let _ = std::io::stdout().flush();
    running.wait();
    Ok(ExitCode::SUCCESS)
}

/// Gives the demo company its owner, `owner`, with a new random password, and prints the login.
pub(crate) fn demo_owner(dir: &Path, lang: Lang) -> Result<()> {
    let mut store = Store::open(dir)?;
    owner_login(&mut store, lang)
}

/// Gives the company in `store` its owner, `owner`, with a new random password, and prints the
/// login.
pub(crate) fn owner_login(store: &mut Store, lang: Lang) -> Result<()> {
    let mut bytes = [0u8; 9];
    getrandom::fill(&mut bytes).map_err(|error| anyhow!("{error}"))?;
    // Letters and digits that cannot be taken for one another.
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let password: String = bytes.iter().map(|byte| ALPHABET[usize::from(*byte) % ALPHABET.len()] as char).collect();
    let password = format!("{}-{}-{}", &password[..3], &password[3..6], &password[6..]);
    store.add_user("owner", Role::Owner, &format!("demo-{password}"), None)?;
    println!("{}", lang.fill("demo.login", &[("user", &"owner"), ("password", &format!("demo-{password}"))]));
    Ok(())
}
