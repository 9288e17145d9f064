//! One sync (`Session::sync`): the roster brought up to date, the hub's wraps and this node's
//! keys checked, a pull, what the pull showed (events withheld, this node's own head confirmed,
//! rosters other devices named), and a push unless something must be held back; then what the
//! hub holds, kept for `rempart status`.

use rempart_store::Store;
use rempart_sync::VersionVector;
use rempart_sync::api::Route;

use crate::call::{json, parse};
use crate::{Env, NodeError, Served, Session, SyncReport, Transport, Withheld};

impl Session {
    /// One sync: roster, keys, pull, push. Records when the hub was last reached, and since when
    /// it has been out of reach, for `rempart status`.
    pub fn sync(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<SyncReport, NodeError> {
        let outcome = self.sync_inner(store, transport, env);
        match &outcome {
            Ok(_) => crate::health::note_reachability(store, true, env.now())?,
            Err(NodeError::Unreachable(_)) => crate::health::note_reachability(store, false, env.now())?,
            Err(_) => {}
        }
        outcome
    }

    /// Sends this node's new events (and any kept batch the hub lacks) without taking in anyone
    /// else's: what a till on a thin link does first, its sales being what head office waits for.
    /// The roster and keys are brought up to date as `sync` does; the next `sync` pulls.
    pub fn push_only(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<SyncReport, NodeError> {
        let report = self.back_up(store, transport, env)?;
        crate::health::note_reachability(store, true, env.now())?;
        Ok(report)
    }

    /// What every sync does first: the roster brought up to date, lost wraps given back, the
    /// data keys fetched; answers what the hub holds.
    pub(crate) fn prepare(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        report: &mut SyncReport,
    ) -> Result<VersionVector, NodeError> {
        let (added, restored) = self.refresh_roster(store, transport, env)?;
        report.roster_entries = added;
        report.roster_restored = restored;
        self.watch.borrow_mut().settle(&self.roster);
        self.give_back_lost_wraps(store, transport, env)?;
        self.fetch_keys(store, transport, env)?;
        self.hub_heads(store, transport, env)
    }

    fn sync_inner(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<SyncReport, NodeError> {
        let mut report = SyncReport::default();
        let hub = self.prepare(store, transport, env, &mut report)?;
        self.pull(store, transport, env, &hub, &mut report)?;
        self.after_pull(store, &hub, &mut report)?;
        self.watch_roster(store, transport, env, &mut report)?;
        if report.held_back.is_none() {
            self.push(store, transport, env, &hub, &mut report)?;
        }
        // What the hub holds now, as `rempart status` shows it.
        let hub = if report.pushed_batches > 0 || report.already_held > 0 {
            self.hub_heads(store, transport, env)?
        } else {
            hub
        };
        store.set_sync_setting("last_sync_ms", &env.now().to_string())?;
        store.set_sync_setting("hub_heads", &String::from_utf8_lossy(&json(&hub)))?;
        Ok(report)
    }

    /// The last event the hub holds of each node.
    pub(crate) fn hub_heads(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<VersionVector, NodeError> {
        let answer = self.ask(store, transport, env, &Route::Heads { tenant: self.secrets.tenant }, Vec::new())?;
        parse(&answer.body, Served::Heads)
    }

    /// What the pull showed: events other nodes have seen that the hub does not serve, and, on a
    /// copy of a data directory, whether this node's own head is confirmed; kept for the next
    /// sync and for `rempart status`.
    pub(crate) fn after_pull(
        &self,
        store: &mut Store,
        hub: &VersionVector,
        report: &mut SyncReport,
    ) -> Result<(), NodeError> {
        report.withheld = self.withheld(store, hub)?;
        if store.copy_found_ms()?.is_some() {
            match self.own_head_doubt(store, hub)? {
                None => {
                    store.confirm_own_head()?;
                    report.own_head_confirmed = true;
                }
                Some(doubt) => report.own_head_unconfirmed = Some(doubt),
            }
        }
        store.set_sync_setting("claims", &String::from_utf8_lossy(&json(&*self.claims.borrow())))?;
        store.set_sync_setting(WITHHELD_SETTING, &String::from_utf8_lossy(&json(&report.withheld)))?;
        Ok(())
    }

    /// The rosters the pulled batches named: a batch that named a roster further than this copy
    /// (an author that moved on after this sync's roster refresh, or a hub that withholds
    /// entries) has the roster asked once more, which tells; what is still not served holds the
    /// push back.
    fn watch_roster(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        report: &mut SyncReport,
    ) -> Result<(), NodeError> {
        if self.watch.borrow().ahead.is_some() {
            let (added, _) = self.refresh_roster(store, transport, env)?;
            report.roster_entries += added;
        }
        self.watch.borrow_mut().settle(&self.roster);
        let watch = self.watch.borrow().clone();
        store.set_sync_setting("roster_watch", &String::from_utf8_lossy(&json(&watch)))?;
        report.held_back = watch.held_back(&self.roster);
        report.roster_watch = watch;
        Ok(())
    }
}

/// The sync setting that keeps what the last sync found withheld, for `rempart status`.
const WITHHELD_SETTING: &str = "withheld";

/// What the last sync found the hub withholding (`SyncReport::withheld`), as it kept it. A
/// setting kept by a version before it was structured (one English sentence a line) is given
/// back as `Err` with those lines, to be shown as they are.
pub fn withheld_seen(store: &Store) -> Result<Result<Vec<Withheld>, Vec<String>>, NodeError> {
    let Some(text) = store.sync_setting(WITHHELD_SETTING)? else {
        return Ok(Ok(Vec::new()));
    };
    Ok(serde_json::from_str(&text)
        .map_err(|_| text.lines().filter(|line| !line.is_empty()).map(str::to_owned).collect()))
}
