//! Attaching a company to a hub (`Session::connect`): this device becomes the first admin, the
//! first data key, the recovery secret and this device's wrap key are drawn, and the roster's
//! genesis (proven by the device and the recovery key) and the wraps go to the hub.

use std::collections::BTreeMap;

use rempart_log::Hash32;
use rempart_store::Store;
use rempart_sync::{Action, DataKey, DeviceKeys, Entry, Recipient, RecoverySecret, Roster, WrapSecret, Wrapped};

use crate::call::{call, json};
use crate::error::admission_error;
use crate::{Env, Kit, NodeError, Secrets, Session, Transport};

impl Session {
    /// Attaches a company to a hub: this node becomes the first admin device; a data key, a
    /// recovery secret and this device's wrap key are drawn; the roster's genesis and the wraps
    /// go to the hub. Returns the recovery kit, to be shown once.
    pub fn connect(
        store: &mut Store,
        hub: &str,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<Kit, NodeError> {
        Session::connect_with(store, hub, transport, env, None)
    }

    /// As `connect`, with the hub operator's one-time admission token.
    pub fn connect_with(
        store: &mut Store,
        hub: &str,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        admission: Option<&str>,
    ) -> Result<Kit, NodeError> {
        if let Some(secrets) = Secrets::load(store.dir())? {
            return Err(NodeError::AlreadyConnected { hub: secrets.hub.clone() });
        }
        let tenant = store.tenant();
        let me = store.node();
        let wrap = WrapSecret::from_bytes(env.bytes());
        let recovery = RecoverySecret::from_bytes(env.bytes());
        let data = DataKey::new(1, env.bytes());
        let recovery_keys = DeviceKeys {
            sign: recovery.signing_key().verifying_key().to_bytes(),
            wrap: recovery.wrap_secret().public(),
        };
        let body = rempart_sync::Body {
            tenant,
            seq: 1,
            prev: Hash32::ZERO,
            at_ms: env.now(),
            action: Action::Genesis {
                device: me,
                keys: DeviceKeys { sign: store.verifying_key().to_bytes(), wrap: wrap.public() },
                recovery: recovery_keys,
                key_commitment: data.commitment(),
            },
        };
        let genesis = Entry::genesis(&body, me, store.signing_key(), &recovery.signing_key());
        let roster = Roster::from_entries(tenant, std::slice::from_ref(&genesis))?;
        let key = store.signing_key().clone();
        let route = Session::roster_post(tenant, admission);
        call(transport, env, (&key, Self::device(store)), &route, json(&vec![genesis])).map_err(admission_error)?;
        let session = Session::new(
            Secrets::enrolled(
                tenant,
                hub,
                roster.genesis(),
                &wrap,
                BTreeMap::from([(1, data.clone())]),
                Some(recovery.clone()),
            ),
            roster,
        );
        session.save(store)?;
        let wraps = [
            (Wrapped::DataKey(1), Recipient::Device(me), wrap.public(), *data.bytes()),
            (Wrapped::DataKey(1), Recipient::Recovery, recovery.wrap_secret().public(), *data.bytes()),
            (Wrapped::Recovery, Recipient::Device(me), wrap.public(), *recovery.bytes()),
        ];
        for (what, to, public, secret) in wraps {
            session.put_wrap(store, transport, env, what, to, &public, &secret)?;
        }
        store.set_sync_setting("hub", hub)?;
        tracing::info!(tenant = %tenant, hub, "company connected to a hub");
        Ok(session.kit_of(recovery))
    }
}
