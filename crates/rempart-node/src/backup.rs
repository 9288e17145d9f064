//! A backup target seen as a hub of the company's own: a node writes its backups through a hub
//! that runs in its own process over the target's storage (`rempart-backup`), and restores from
//! one the same way. Neither is the company's hub: what is done there is not noted as the hub
//! reached, and a restore sends nothing.

use rempart_store::Store;

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
        let mut report = SyncReport::default();
        let held = self.prepare(store, transport, env, &mut report)?;
        self.push(store, transport, env, &held, &mut report)?;
        Ok(report)
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
}
