//! Restoring a lost device from the hub alone, with the recovery kit: the roster checked from the
//! genesis the kit names to its end and against the kit's recovery key, the data keys from their
//! recovery wraps, and a new admin device enrolled by an entry the recovery key signs.

use std::collections::BTreeMap;
use std::path::Path;

use rempart_store::Store;
use rempart_sync::{Action, DeviceKeys, Named, Recipient, RequestSigner, Role, Roster, Signer, Wrapped};

use crate::enrol::{Enrolment, roster_from_genesis};
use crate::keys::fetch_data_key;
use crate::{Env, Forgery, Kit, NodeError, Session, Transport};

impl Session {
    /// Rebuilds a lost device from the hub alone, in `dir`: proves itself with the recovery
    /// kit, checks the roster the hub serves from its genesis (the one the kit names) to its
    /// end, and that its current recovery key is the kit's, enrols itself as a new admin device
    /// signed by the recovery key, and pulls and checks everything. Call `sync` on the returned
    /// session to download.
    pub fn restore(
        kit: &Kit,
        hub: &str,
        dir: &Path,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(Store, Session), NodeError> {
        let recovery = kit.secret.clone();
        let recovery_key = recovery.signing_key();
        let by = (&recovery_key, RequestSigner::Recovery);
        let roster = Self::kit_roster(kit, transport, env)?;
        let mut keys = BTreeMap::new();
        for epoch in 1..=roster.epoch() {
            let key =
                fetch_data_key(transport, env, by, &roster, epoch, (Recipient::Recovery, &recovery.wrap_secret()))?;
            keys.insert(epoch, key);
        }
        let enrolment =
            Enrolment { roster, by: (&recovery_key, Signer::Recovery), keys, recovery: Some(recovery.clone()) };
        let (store, session, wrap) = enrolment.enrol(hub, dir, transport, env, |device, keys| Action::Add {
            device,
            keys,
            role: Role::Admin,
        })?;
        let to = Recipient::Device(store.node());
        session.put_wrap(&store, transport, env, Wrapped::Recovery, to, &wrap.public(), recovery.bytes())?;
        store.set_sync_setting("hub", hub)?;
        Ok((store, session))
    }

    /// The roster the hub serves for the kit's company, asked for with the kit: from the genesis
    /// the kit names, holding the roster as it was when the kit was made, with the kit's recovery
    /// key as its current one.
    fn kit_roster(kit: &Kit, transport: &mut dyn Transport, env: &mut Env<'_>) -> Result<Roster, NodeError> {
        let recovery_key = kit.secret.signing_key();
        let by = (&recovery_key, RequestSigner::Recovery);
        let roster = roster_from_genesis(transport, env, by, kit.tenant, kit.genesis).map_err(|error| match error {
            NodeError::Refused { status: 401 | 403, .. } => NodeError::KitRefused,
            other => other,
        })?;
        if roster.compare(&kit.roster) != Named::Held {
            return Err(NodeError::ForgedRoster(Forgery::ShorterThanNamed { named: kit.roster.len }));
        }
        let ours =
            DeviceKeys { sign: recovery_key.verifying_key().to_bytes(), wrap: kit.secret.wrap_secret().public() };
        if roster.recovery() != ours {
            return Err(NodeError::ForgedRoster(Forgery::OtherRecoveryKey));
        }
        Ok(roster)
    }
}
