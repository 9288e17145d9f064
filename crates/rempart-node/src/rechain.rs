//! Going on under a new identity (`Session::rechain`): a copy of a device's data that cannot
//! confirm its own head starts a new chain under a new node id, named as the old identity's
//! successor by a roster entry the old identity signs; the entry reaches the hub at the next
//! sync (signed again on top of the hub's roster if that moved on), and the keys of epochs begun
//! meanwhile are fetched as the old identity before its keys are forgotten.

use std::path::Path;

use rempart_log::{NodeId, SigningKey};
use rempart_store::Store;
use rempart_sync::api::{Route, ServedRoster};
use rempart_sync::{Action, DeviceKeys, Entry, Recipient, RequestSigner, Roster, Signer, WrapSecret};

use crate::call::{call, parse};
use crate::keys::fetch_data_key;
use crate::{Env, Local, NodeError, Served, Session, Transport, secrets};

/// The lock file a rechain holds (an advisory lock, released by the system if the process dies).
pub(crate) fn lock_rechain(dir: &Path) -> Result<std::fs::File, NodeError> {
    let path = dir.join(rempart_store::layout::RECHAIN_LOCK_FILE);
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| Local::Unopenable { path, source }.into())
}

impl Session {
    /// Goes on under a new identity: a copy of this device's data (put back from a backup) that
    /// must record before it can confirm its own head at the hub starts a new chain under a new
    /// node id, rather than risk forking the old chain, which may go further elsewhere. Works
    /// offline: the roster entry that names the successor is signed by this device and given to
    /// the hub at the next sync (signed again on top of the hub's roster if that moved on). The
    /// old identity stays enrolled, with what it wrote, until an admin revokes it.
    pub fn rechain(&mut self, store: &mut Store, env: &mut Env<'_>) -> Result<NodeId, NodeError> {
        let from = store.node();
        if store.copy_found_ms()?.is_none() {
            return Err(Local::NotACopy.into());
        }
        if self.secrets.succession.is_some() {
            return Err(Local::SuccessionPending.into());
        }
        if !self.roster.is_active(from) {
            return Err(Local::NotActive.into());
        }
        let to = NodeId::from_bytes(env.bytes());
        let key = SigningKey::from_bytes(&env.bytes());
        let wrap = WrapSecret::from_bytes(env.bytes());
        let keys = DeviceKeys { sign: key.verifying_key().to_bytes(), wrap: wrap.public() };
        // One rechain at a time, and no `Session::open` undoing it halfway (see there).
        let lock = lock_rechain(store.dir())?;
        lock.lock().map_err(|source| Local::Unlockable { source })?;
        // The old chain's events not yet in a batch go into batches signed by the old identity
        // now, while it can sign: they then reach the hub like any kept batch.
        self.seal_own_batches(store, env, None)?;
        let from_key = store.signing_key().clone();
        let body = self.roster.next_body(env.now(), Action::Succeed { from, device: to, keys });
        self.roster.append(Entry::sign(&body, Signer::Device(from), &from_key).proven_by_device(&key))?;
        // The intent first (undone by `open` if the switch does not happen), then the switch.
        self.secrets.succession = Some(secrets::Succession {
            from,
            from_key: from_key.to_bytes(),
            from_wrap: self.secrets.wrap,
            to,
            to_wrap: *wrap.to_bytes(),
        });
        self.save(store)?;
        store.rechain(to, key)?;
        self.secrets.wrap = *wrap.to_bytes();
        self.save(store)?;
        drop(lock);
        Ok(to)
    }

    /// After a succession, while the hub lacks the entry naming the successor and its roster
    /// moved on: that entry is signed again, by the old identity, on top of the hub's roster,
    /// which this node then takes as its own.
    pub(crate) fn rebase_succession(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<Option<(u64, bool)>, NodeError> {
        let Some(succession) = self.secrets.succession.clone() else { return Ok(None) };
        let tenant = self.secrets.tenant;
        let from_key = SigningKey::from_bytes(&succession.from_key);
        let from = RequestSigner::Device(succession.from);
        let answer = call(transport, env, (&from_key, from), &Route::Roster { tenant, after: Some(0) }, Vec::new())?;
        let served: ServedRoster = parse(&answer.body, Served::RosterEntries)?;
        let Ok(mut roster) = Roster::from_entries(tenant, &served.entries) else { return Ok(None) };
        if roster.genesis() != self.secrets.genesis {
            return Ok(None);
        }
        let successor = self.roster.member(succession.to).map(|member| member.keys);
        if successor.is_some() && roster.member(succession.to).map(|member| member.keys) == successor {
            // The hub holds the succession already (an earlier answer was lost).
            self.roster = roster;
            self.succession_registered(store, transport, env)?;
            return Ok(Some((0, false)));
        }
        let ours = self.roster.entries();
        let at = ours.iter().zip(roster.entries()).take_while(|(a, b)| a == b).count();
        // Only the succession may be this node's own since the two parted.
        let succession_entry = match &ours[at..] {
            [entry] => entry.parse_body().ok().map(|body| body.action),
            _ => None,
        };
        let Some(action @ Action::Succeed { .. }) = succession_entry else { return Ok(None) };
        // The successor proves its key: this store has switched to it (`open` undoes a switch
        // that did not happen).
        if store.node() != succession.to {
            return Ok(None);
        }
        let added = roster.len() - at as u64;
        let entry = Entry::sign(&roster.next_body(env.now(), action), Signer::Device(succession.from), &from_key)
            .proven_by_device(store.signing_key());
        roster.append(entry.clone())?;
        self.post_entry(store, transport, env, &entry)?;
        self.roster = roster;
        self.succession_registered(store, transport, env)?;
        self.fetch_keys(store, transport, env)?;
        self.fetch_recovery(store, transport, env)?;
        Ok(Some((added, false)))
    }

    /// Once the hub holds the entry that names the successor: the data keys of epochs begun
    /// meanwhile (wrapped for the old identity only) are fetched as the old identity, every key is
    /// wrapped for the new one, and only then are the old identity's keys forgotten.
    pub(crate) fn succession_registered(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(), NodeError> {
        let Some(succession) = self.secrets.succession.clone() else { return Ok(()) };
        let from_key = SigningKey::from_bytes(&succession.from_key);
        let from_wrap = WrapSecret::from_bytes(succession.from_wrap);
        let by = (&from_key, RequestSigner::Device(succession.from));
        for epoch in 1..=self.roster.epoch() {
            if self.secrets.keys.contains_key(&epoch) {
                continue;
            }
            let key = fetch_data_key(
                transport,
                env,
                by,
                &self.roster,
                epoch,
                (Recipient::Device(succession.from), &from_wrap),
            )?;
            self.secrets.keys.insert(epoch, key);
        }
        self.wrap_keys_for_self(store, transport, env)?;
        self.secrets.succession = None;
        self.save(store)
    }
}
