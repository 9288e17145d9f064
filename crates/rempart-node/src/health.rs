//! The node's health as `rempart status` and the web app's dashboard show it: whether and since
//! when the hub is out of reach, the last sync, this node's events not yet uploaded and their
//! age, the other devices as last seen, forks and conflicts. Read from the node's files and the
//! store; reaching the hub is a separate, slow step (`probe`), whose outcome is kept in the
//! store (`note_reachability`) the way a sync keeps it.

use rempart_log::{EventSeq, NodeId};
use rempart_store::Store;
use rempart_sync::{Role, VersionVector};

use crate::transport::Http;
use crate::{NodeError, Session, Unreachable};

/// One device of the company as this node last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub node: NodeId,
    /// Its role in the roster; none if the roster does not know it (yet).
    pub role: Option<Role>,
    pub revoked: bool,
    pub this: bool,
    /// How far this node holds its chain, and how far the hub did at the last sync.
    pub here: u64,
    pub hub: u64,
    /// When the last event held of its chain was recorded.
    pub last_seen_ms: Option<u64>,
}

/// What the node knows of its sync, without reaching the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub hub: String,
    /// Since when the hub has been out of reach (by the last sync or probe); none if it was
    /// reached last time.
    pub offline_since_ms: Option<u64>,
    pub last_sync_ms: Option<u64>,
    /// This node's events the hub did not hold at the last sync, and when the oldest was recorded.
    pub pending: u64,
    pub oldest_pending_ms: Option<u64>,
    pub peers: Vec<Peer>,
}

/// The node's sync health; none for a company that syncs with no hub.
pub fn health(store: &Store) -> Result<Option<Health>, NodeError> {
    let session = match Session::open(store) {
        Ok(session) => session,
        Err(NodeError::NotConnected) => return Ok(None),
        Err(error) => return Err(error),
    };
    let number = |key: &str| -> Result<Option<u64>, NodeError> {
        Ok(store.sync_setting(key)?.and_then(|text| text.parse().ok()))
    };
    let vector = store.version_vector()?;
    let hub_heads: VersionVector =
        store.sync_setting("hub_heads")?.and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default();
    let me = store.node();
    let pending = vector.seq(me).0.saturating_sub(hub_heads.seq(me).0);
    let oldest_pending_ms =
        if pending == 0 { None } else { store.event_time_ms(me, EventSeq(hub_heads.seq(me).0 + 1))? };
    let mut nodes: Vec<NodeId> = vector.0.keys().chain(hub_heads.0.keys()).copied().collect();
    nodes.sort();
    nodes.dedup();
    let mut peers = Vec::with_capacity(nodes.len());
    for node in nodes {
        let member = session.roster.member(node);
        let here = vector.seq(node).0;
        peers.push(Peer {
            node,
            role: member.map(|member| member.role),
            revoked: member.is_some_and(|member| member.revoked_after.is_some()),
            this: node == me,
            here,
            hub: hub_heads.seq(node).0,
            last_seen_ms: if here == 0 { None } else { store.event_time_ms(node, EventSeq(here))? },
        });
    }
    Ok(Some(Health {
        hub: session.secrets.hub.clone(),
        offline_since_ms: number("offline_since_ms")?,
        last_sync_ms: number("last_sync_ms")?,
        pending,
        oldest_pending_ms,
        peers,
    }))
}

/// Whether the hub answers (`GET /healthz`, a few seconds at most).
pub fn probe(hub: &str) -> Result<(), Unreachable> {
    Http::new(hub)?.reachable()
}

/// Keeps what a probe found, as a sync does: the first moment the hub was found out of reach,
/// cleared once it is reached.
pub fn note_reachability(store: &Store, reachable: bool, now_ms: u64) -> Result<(), NodeError> {
    if reachable {
        store.clear_sync_setting("offline_since_ms")?;
    } else if store.sync_setting("offline_since_ms")?.is_none() {
        store.set_sync_setting("offline_since_ms", &now_ms.to_string())?;
    }
    Ok(())
}
