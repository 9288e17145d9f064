//! The node's copy of the roster, kept up to date from the hub: read from this node's last entry
//! on and checked entry by entry, given back whole to a hub that lacks it, and, where the hub's
//! roster parts from this node's, told in plain words (and who wrote the hub's side).

use rempart_log::{Hash32, NodeId};
use rempart_store::Store;
use rempart_sync::api::{Route, ServedRoster};
use rempart_sync::{Action, Entry, Roster, Signer, SyncError};

use crate::call::{json, parse};
use crate::error::admission_error;
use crate::{Env, Forgery, Hostile, Local, NodeError, RevokedWriter, Served, Session, Transport};

impl Session {
    /// Gives the hub one roster entry this device signed.
    pub(crate) fn post_entry(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        entry: &Entry,
    ) -> Result<(), NodeError> {
        let route = Route::PostRoster { tenant: self.secrets.tenant, admission: None };
        self.ask(store, transport, env, &route, json(&std::slice::from_ref(entry)))?;
        Ok(())
    }

    /// Where the whole roster goes to a hub that does not hold it: with the admission token, in
    /// the signed path, if there is one.
    pub(crate) fn roster_post(tenant: rempart_log::TenantId, admission: Option<&str>) -> Route {
        Route::PostRoster { tenant, admission: admission.map(|token| token.trim().to_owned()) }
    }

    /// Gives the hub this node's whole roster (with the admission token, if there is one).
    fn give_roster(&self, store: &Store, transport: &mut dyn Transport, env: &mut Env<'_>) -> Result<(), NodeError> {
        let entries = json(&self.roster.entries().to_vec());
        let route = Session::roster_post(self.secrets.tenant, self.admission.as_deref());
        self.ask(store, transport, env, &route, entries).map_err(admission_error)?;
        Ok(())
    }

    /// When the hub's roster is not this node's: a succession signed again on top of it, or the
    /// reason the two part.
    fn rebase_or_part(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(u64, bool), NodeError> {
        match self.rebase_succession(store, transport, env)? {
            Some(outcome) => Ok(outcome),
            None => Err(self.roster_divergence(store, transport, env, None)?),
        }
    }

    /// Brings the roster up to date from the hub; gives the hub the node's copy when it has none.
    pub(crate) fn refresh_roster(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(u64, bool), NodeError> {
        let tenant = self.secrets.tenant;
        // From this node's last entry on: the hub's copy of that entry must be the same (entries
        // are chained, so all before it are too), or the two lists have parted.
        let route = Route::Roster { tenant, after: Some(self.roster.len().saturating_sub(1)) };
        let served: Option<ServedRoster> = match self.ask(store, transport, env, &route, Vec::new()) {
            Ok(answer) => Some(parse(&answer.body, Served::RosterEntries)?),
            Err(NodeError::Refused { status: 404, .. }) => None,
            // The hub's roster may be an older one that does not have this device yet (restored
            // from an old copy, or refilled by a node that had not heard of it): give it ours,
            // which it accepts only if it extends its own and enrols this device.
            Err(NodeError::Refused { status: 403, .. }) if self.roster.is_active(store.node()) => {
                return match self.give_roster(store, transport, env) {
                    // The hub holds every entry, a succession's included.
                    Ok(()) => {
                        self.succession_registered(store, transport, env)?;
                        Ok((0, true))
                    }
                    // The hub's roster moved on since this device named its successor (the
                    // hub tells a device it does not know no more than 403).
                    Err(NodeError::Refused { status: 403 | 409, .. }) if self.secrets.succession.is_some() => {
                        self.rebase_or_part(store, transport, env)
                    }
                    Err(NodeError::Refused { status: 403, .. }) => Err(NodeError::Revoked),
                    Err(error) => Err(error),
                };
            }
            Err(error) => return Err(error),
        };
        let Some(served) = served.filter(|served| served.len >= self.roster.len()) else {
            // The hub holds no roster for the company (wiped, or new) or less of it than this
            // node (restored from an old copy): it gets this node's copy back.
            return match self.give_roster(store, transport, env) {
                Ok(()) => {
                    self.succession_registered(store, transport, env)?;
                    Ok((0, true))
                }
                Err(NodeError::Refused { status: 409, .. }) => self.rebase_or_part(store, transport, env),
                Err(error) => Err(error),
            };
        };
        let mut entries = served.entries.into_owned().into_iter();
        if self.roster.entries().last() != entries.next().as_ref() {
            // A succession the hub registered, signed again on top of its roster, while the
            // answer was lost: this node takes the hub's roster.
            if self.secrets.succession.is_some()
                && let Some(outcome) = self.rebase_succession(store, transport, env)?
            {
                return Ok(outcome);
            }
            return Err(self.roster_divergence(store, transport, env, None)?);
        }
        let mut added = 0;
        for entry in entries {
            if let Err(error) = self.roster.append(entry) {
                return Err(self.roster_divergence(store, transport, env, Some(error))?);
            }
            added += 1;
        }
        if added > 0 {
            self.fetch_keys(store, transport, env)?;
            self.fetch_recovery(store, transport, env)?;
            self.save(store)?;
        }
        // The hub holds every entry this node has, a succession's included.
        self.succession_registered(store, transport, env)?;
        if !self.roster.is_active(store.node()) {
            return Err(Local::RevokedHere.into());
        }
        Ok((added, false))
    }

    /// Why the hub's roster does not continue this node's (`Hostile`): where the two part, and
    /// whether the hub's side was written by a device (or with a recovery kit) that this node's
    /// side revoked, which is what a revoked admin filling a wiped hub again looks like. The hub
    /// alone cannot tell the two sides apart; this node keeps its own.
    fn roster_divergence(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        cause: Option<SyncError>,
    ) -> Result<NodeError, NodeError> {
        let tenant = self.secrets.tenant;
        let answer = self.ask(store, transport, env, &Route::Roster { tenant, after: Some(0) }, Vec::new())?;
        let served: ServedRoster = parse(&answer.body, Served::RosterEntries)?;
        let ours = self.roster.entries();
        let at = ours.iter().zip(served.entries.iter()).take_while(|(a, b)| a == b).count();
        if at == ours.len().min(served.entries.len()) {
            // One list extends the other: they have not parted.
            return Ok(match cause {
                // An entry no key of the company signed as the rules want: made up.
                Some(SyncError::Roster(error)) => NodeError::ForgedRoster(Forgery::Refused(error)),
                Some(source) => Hostile::RosterEntryRefused { source }.into(),
                None => NodeError::RosterChangedMeanwhile,
            });
        }
        let place = at + 1;
        // The hub's side is named only once it verifies: its signers are then who they say.
        let theirs = match Roster::from_entries(tenant, &served.entries) {
            Ok(roster) if roster.genesis() == self.secrets.genesis => roster,
            Ok(_) => return Ok(Hostile::OtherCompanyRoster.into()),
            Err(source) => return Ok(Hostile::RosterRewritten { place, source }.into()),
        };
        Ok(match parted_writer(ours, &theirs, at) {
            Some(writer) => Hostile::RosterRefilled { place, writer },
            None => Hostile::RosterParted { place },
        }
        .into())
    }
}

/// Who wrote the hub's side of a roster parted from this node's (`ours`) at entry `at`, if this
/// node's side revoked it: a device, a device through the invitations it issued, or the recovery
/// kit this node's side replaced.
fn parted_writer(ours: &[Entry], theirs: &Roster, at: usize) -> Option<RevokedWriter> {
    let revoked: Vec<(NodeId, bool)> = ours[at..]
        .iter()
        .filter_map(|entry| match entry.parse_body().ok()?.action {
            Action::Revoke { device, recovery, .. } => Some((device, recovery.is_some())),
            _ => None,
        })
        .collect();
    // Who wrote the hub's side: devices, the issuers of the invitations used, the recovery key.
    let issuer = |invite: Hash32| {
        theirs.entries().iter().find_map(|entry| match (entry.parse_body().ok()?.action, entry.signer) {
            (Action::Invite { invite: id, .. }, Signer::Device(device)) if id == invite => Some(device),
            _ => None,
        })
    };
    let writer = theirs.entries()[at..].iter().find_map(|entry| match entry.signer {
        Signer::Device(device) => revoked.iter().any(|(d, _)| *d == device).then_some(device),
        Signer::Invite(invite) => issuer(invite).filter(|device| revoked.iter().any(|(d, _)| d == device)),
        Signer::Recovery => None,
    });
    writer.map(RevokedWriter::Device).or_else(|| {
        let old_kit = theirs.entries()[at..].iter().any(|entry| entry.signer == Signer::Recovery)
            && revoked.iter().any(|(_, renewed)| *renewed);
        old_kit.then_some(RevokedWriter::ReplacedKit)
    })
}
