//! `rempart drill hub --chain DIR`: the hub of a demo chain lost, rehearsed on a copy.
//!
//! The hub is a relay that can be rebuilt from any node: this drill shows it for a whole chain.
//! On a copy of the chain, the hub is brought up to date by every node, what it holds of the
//! company is read (each chain's last event, every roster entry and batch, byte for byte); then
//! the hub is stopped and its storage wiped, a new hub starts on the empty storage, and every node
//! syncs with it as it would after the loss: each gives back the roster, the key wraps and every
//! batch it keeps, as their authors signed them. The drill then checks that every chain is back
//! to its last event and every roster entry and batch is the very same bytes, restores head
//! office from the refilled hub alone with the recovery kit (`rempart restore`, in a process of
//! its own, timed), and compares its state with head office's. The recovery time is the refill's
//! and the restore's.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use rempart_domain::Locale;
use rempart_hub::{DirStore, Hub, Limits, ObjectStore};
use rempart_log::TenantId;
use rempart_store::Store;
use rempart_sync::VersionVector;

use super::drill::{Check, Run, restore_from_hub, verdict, workplace};
use super::{ChainError, HEAD_OFFICE, Manifest, copy_tree, files};
use crate::command_error::CommandError;
use crate::i18n::Lang;

/// What a hub's storage holds of one company.
struct Held {
    /// Each chain's last event, as the hub serves it.
    heads: VersionVector,
    /// The roster's entries and the batches (what the nodes give back as their authors signed
    /// them), by key.
    signed: BTreeMap<String, Vec<u8>>,
    /// The key wraps.
    wraps: usize,
}

/// Reads what the hub storage in `dir` holds of `tenant`, as its operator can: the objects
/// themselves, and the heads a hub on them serves.
fn holdings(dir: &Path, tenant: TenantId) -> Result<Held> {
    let unread = |source| ChainError::HubStorage { dir: dir.to_owned(), source };
    let objects: Arc<dyn ObjectStore> = Arc::new(DirStore::open_existing(dir).map_err(unread)?);
    let heads = Hub::new(Arc::clone(&objects), Limits::default())
        .heads(tenant)
        .map_err(|refusal| ChainError::HubHeads { dir: dir.to_owned(), status: refusal.status })?;
    let prefix = rempart_hub::tenant_prefix(tenant);
    let mut signed = BTreeMap::new();
    let mut wraps = 0;
    for listed in objects.list(&prefix).map_err(unread)? {
        let name = &listed.key[prefix.len()..];
        if name.starts_with("roster/") || name.starts_with("b/") {
            let bytes = objects.get(&listed.key).map_err(unread)?.unwrap_or_default();
            signed.insert(listed.key, bytes);
        } else if name.starts_with("wraps/") {
            wraps += 1;
        }
    }
    Ok(Held { heads, signed, wraps })
}

pub fn run(chain: &Path, work: Option<&Path>, lang: Lang) -> Result<ExitCode> {
    let manifest = Manifest::read(chain)?;
    let (work, _temporary) = workplace(work)?;
    let started = Instant::now();
    let locale = Locale::Swiss;
    let seconds = |took: std::time::Duration| locale.format_seconds(took.as_millis() as u64);
    let root = work.join("hub-lost");
    copy_tree(chain, &root)?;

    // The copy's hub brought up to date by every node: what it holds is what a lost hub held.
    let mut run = Run::open(&root, &manifest)?;
    let tenant = run.office().store.tenant();
    let hub_dir = root.join("hub");
    let before = holdings(&hub_dir, tenant)?;
    let (_, nodes, state) = run.same_state()?;
    println!(
        "{}",
        lang.fill(
            "drill-hub-start",
            &[
                ("chain", &chain.display()),
                ("work", &work.display()),
                ("objects", &locale.format_count((before.signed.len() + before.wraps) as i64)),
                ("chains", &before.heads.0.len()),
                ("events", &locale.format_count(before.heads.total() as i64)),
            ]
        )
    );

    // The hub lost: stopped, every file of its storage gone.
    if let Some(hub) = run.hub.take() {
        hub.stop();
    }
    let wiped = files(&hub_dir)?;
    let wiped_bytes: u64 = wiped.iter().map(|(_, bytes)| bytes).sum();
    std::fs::remove_dir_all(&hub_dir).map_err(|source| CommandError::NotWritten { path: hub_dir.clone(), source })?;
    std::fs::create_dir_all(&hub_dir).map_err(|source| CommandError::NotWritten { path: hub_dir.clone(), source })?;

    // A new hub on the empty storage, refilled by the nodes' syncs.
    let refill_started = Instant::now();
    let url = run.hub_anew()?;
    let empty = holdings(&hub_dir, tenant)?;
    println!(
        "{}",
        lang.fill(
            "drill-hub-wiped",
            &[
                ("files", &locale.format_count(wiped.len() as i64)),
                ("mib", &format!("{:.1}", wiped_bytes as f64 / f64::from(1 << 20))),
                ("url", &url),
            ]
        )
    );
    run.converge()?;
    let refill = refill_started.elapsed();
    let after = holdings(&hub_dir, tenant)?;

    // Head office restored from the refilled hub alone.
    let restored_dir = root.join(format!("{HEAD_OFFICE}-restored"));
    let restore = restore_from_hub(&root, &url, &restored_dir, lang)?;
    let restored = Store::open(&restored_dir)?;
    let verified = restored.verify()?;
    let restored_state = restored.state_hash()?.to_hex();
    // Every event the hub held, to each chain's last (the restored device adds its own).
    let restored_heads = restored.version_vector()?;
    let restored_all = before.heads.0.iter().filter(|(node, head)| restored_heads.0.get(node) == Some(head)).count();
    let (equal_nodes, _, state_after) = run.same_state()?;
    run.stop();
    println!(
        "{}",
        lang.fill(
            "drill-hub-refilled",
            &[
                ("nodes", &nodes),
                ("seconds", &seconds(refill)),
                ("restore", &seconds(restore)),
                ("total", &seconds(refill + restore)),
            ]
        )
    );

    let chains_back = before.heads.0.iter().filter(|(node, head)| after.heads.0.get(node) == Some(head)).count();
    let same = before.signed.iter().filter(|(key, bytes)| after.signed.get(*key) == Some(bytes)).count();
    let other = after.signed.keys().filter(|key| !before.signed.contains_key(*key)).count();
    let checks = [
        Check {
            passed: !wiped.is_empty() && empty.heads.0.is_empty() && empty.signed.is_empty(),
            text: lang.fill(
                "drill-hub-check-wiped",
                &[
                    ("files", &locale.format_count(wiped.len() as i64)),
                    ("left", &locale.format_count((empty.signed.len() + empty.wraps) as i64)),
                ],
            ),
        },
        Check {
            passed: !before.heads.0.is_empty()
                && chains_back == before.heads.0.len()
                && after.heads.0.len() == before.heads.0.len(),
            text: lang.fill(
                "drill-hub-check-chains",
                &[
                    ("equal", &chains_back),
                    ("chains", &before.heads.0.len()),
                    ("events", &locale.format_count(after.heads.total() as i64)),
                ],
            ),
        },
        Check {
            passed: !before.signed.is_empty() && same == before.signed.len() && other == 0 && after.wraps > 0,
            text: lang.fill(
                "drill-hub-check-objects",
                &[
                    ("same", &locale.format_count(same as i64)),
                    ("objects", &locale.format_count(before.signed.len() as i64)),
                    ("other", &other),
                    ("wraps", &after.wraps),
                ],
            ),
        },
        Check {
            passed: verified.problems.is_empty() && restored_all == before.heads.0.len() && verified.events > 0,
            text: lang.fill(
                "drill-hub-check-restore",
                &[
                    ("seconds", &seconds(restore)),
                    ("whole", &restored_all),
                    ("chains", &before.heads.0.len()),
                    ("events", &locale.format_count(verified.events as i64)),
                    ("problems", &verified.problems.len()),
                ],
            ),
        },
        Check {
            passed: restored_state == state && state_after == state && equal_nodes == nodes,
            text: lang.fill(
                "drill-hub-check-state",
                &[
                    ("same", &super::drill::yes_no(lang, restored_state == state)),
                    ("equal", &equal_nodes),
                    ("nodes", &nodes),
                    ("hash", &&state[..16]),
                ],
            ),
        },
    ];
    verdict(&checks, started, &work, lang)
}
