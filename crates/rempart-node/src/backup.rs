//! A backup target seen as a hub of the company's own: a node writes its backups through a hub
//! that runs in its own process over the target's storage (`rempart-backup`), and restores from
//! one the same way. Neither is the company's hub: what is done there is not noted as the hub
//! reached, and a restore sends nothing.

use rempart_store::Store;
use rempart_sync::{Recipient, Wrap, WrapEntropy, Wrapped};

use crate::{Env, NodeError, Session, SyncReport, Transport};

impl Session {
    /// A backup through `transport` (a hub over a backup target): the roster and key wraps given
    /// to a target that lacks them, and every batch this node keeps that the target lacks (its
    /// own new events sealed first), written create-only. Nothing is taken in.
    pub fn back_up(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<SyncReport, NodeError> {
        self.give(store, transport, env, true)
    }

    /// What a backup target holds that this node lacks, taken in and checked as a sync's pull
    /// is; nothing is sent.
    pub fn take_from_backup(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<SyncReport, NodeError> {
        let mut report = SyncReport::default();
        let held = self.prepare(store, transport, env, &mut report)?;
        self.pull(store, transport, env, &held, &mut report)?;
        self.after_pull(store, &held, &mut report)?;
        Ok(report)
    }

    /// Hands this node's copy of the company over through `transport` (a hub in memory, a
    /// restore reading another node's data directory): the roster and key wraps, and every batch
    /// this node keeps, as its authors signed them. Nothing is sealed: events of its own not
    /// sealed yet stay on it (sealed here, they could differ from the batch it will seal itself).
    pub fn hand_over(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<SyncReport, NodeError> {
        self.give(store, transport, env, false)
    }

    /// The roster, key wraps and kept batches given through `transport`, this node's new events
    /// sealed first when `seal`.
    fn give(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        seal: bool,
    ) -> Result<SyncReport, NodeError> {
        let mut report = SyncReport::default();
        let held = self.prepare(store, transport, env, &mut report)?;
        if seal {
            self.push(store, transport, env, &held, &mut report)?;
        } else {
            self.push_kept(store, transport, env, &held, false, &mut report)?;
        }
        Ok(report)
    }

    /// Every data key this device holds wrapped for the company's current recovery key (whose
    /// public half the roster names): what a restore with the recovery kit opens. Any device
    /// holding the keys can make them; a hub takes them from an administrator's only.
    pub fn recovery_wraps(&self, env: &mut Env<'_>) -> Result<Vec<Wrap>, NodeError> {
        let public = self.roster.recovery().wrap;
        let mut wraps = Vec::new();
        for (epoch, key) in &self.secrets.keys {
            let entropy = WrapEntropy { ephemeral: env.bytes(), nonce: env.bytes() };
            wraps.push(Wrap::seal(
                self.secrets.tenant,
                Wrapped::DataKey(*epoch),
                Recipient::Recovery,
                self.roster.recovery_generation(),
                &public,
                key.bytes(),
                entropy,
            )?);
        }
        Ok(wraps)
    }
}
