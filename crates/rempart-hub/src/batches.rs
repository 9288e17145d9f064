//! The companies' batches at the hub: stored create-only under their first sequence once their
//! header checks (signature, revocation, the roster and key epoch named, clock ahead, continuity
//! without gap or overlap; a damaged stored copy replaced by a valid one), the heads read from a
//! listing every time (a header read again only when its object changed), and served each checked
//! first, a damaged one set apart and nothing served past a hole.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use rempart_log::{Hash32, NodeId, TenantId};
use rempart_sync::batch::HEADER_BYTES;
use rempart_sync::{Batch, Head, Named, VersionVector};

use crate::layout::{batch_key, batch_prefix, batches_prefix, damaged_key, first_seq_of_key};
use crate::request::{Refusal, Response, refuse};
use crate::{Hub, Listed, ObjectError, Put, lock};

/// Batch headers kept in memory (about 400 bytes each) before the whole cache is dropped.
const HEADERS_MAX: usize = 250_000;

/// What a node's batches at the hub look like, from the listing and the headers.
struct StoredBatch {
    first: u64,
    object: Listed,
}

/// An object too large to be a batch is read as none: a hole where it stands, named in the
/// log, rather than a chain, or a download, that fails whole.
fn too_large_is_none(read: Result<Option<Vec<u8>>, ObjectError>) -> Result<Option<Vec<u8>>, ObjectError> {
    match read {
        Err(ObjectError::TooLarge { key, bytes }) => {
            tracing::error!(key, bytes, "a stored object too large to be a batch: not read");
            Ok(None)
        }
        other => other,
    }
}

impl Hub {
    fn stored_batches(&self, tenant: TenantId, node: NodeId) -> Result<Vec<StoredBatch>, Refusal> {
        Ok(self
            .objects
            .list(&batch_prefix(tenant, node))?
            .into_iter()
            .filter_map(|object| {
                let first = first_seq_of_key(&object.key).filter(|first| object.key == batch_key(tenant, node, *first));
                first.map(|first| StoredBatch { first, object })
            })
            .collect())
    }

    /// The header of a stored batch, if it reads: from memory if it was read from this very
    /// version of the object, else from storage.
    fn stored_header(&self, object: &Listed) -> Result<Option<rempart_sync::Header>, Refusal> {
        if let Some((version, header)) = lock(&self.headers).get(&object.key)
            && *version == object.version
        {
            return Ok(Some(header.clone()));
        }
        let Some(bytes) = self.objects.get_prefix(&object.key, HEADER_BYTES)? else {
            return Ok(None);
        };
        // A stored header is read back by decoding a batch whose ciphertext is left out: the
        // decoder checks lengths, so the header is parsed from its own fixed layout.
        let header = rempart_sync::batch::decode_header(&bytes).ok();
        if let Some(header) = &header {
            let mut headers = lock(&self.headers);
            if headers.len() >= HEADERS_MAX {
                headers.clear();
            }
            headers.insert(object.key.clone(), (object.version.clone(), header.clone()));
        }
        Ok(header)
    }

    pub(crate) fn put_batch(&self, tenant: TenantId, body: &[u8], now_ms: u64) -> Result<Response, Refusal> {
        let batch = Batch::decode(body).map_err(|error| refuse(400, "bad_batch", error.to_string()))?;
        let header = &batch.header;
        if header.tenant != tenant {
            return Err(refuse(403, "forbidden", "the batch belongs to another company"));
        }
        let read_roster = || self.roster(tenant, true)?.ok_or_else(|| refuse(404, "not_found", "no such company"));
        let mut roster = read_roster()?;
        if roster.member(header.node).is_none() {
            roster = read_roster()?;
        }
        let member = roster
            .member(header.node)
            .ok_or_else(|| refuse(403, "forbidden", format!("node {} is not in the company's roster", header.node)))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&member.keys.sign)
            .map_err(|_| refuse(403, "forbidden", "the node's key in the roster is not usable"))?;
        if !batch.is_signed_by(&key) {
            return Err(refuse(403, "bad_signature", format!("the batch is not signed by node {}", header.node)));
        }
        if !roster.may_write(header.node, header.last) {
            return Err(refuse(
                403,
                "revoked",
                format!("node {} was revoked: events after its revocation are refused", header.node),
            ));
        }
        // The roster the batch names must be the company's as the hub holds it (read again if it
        // names more), under a key epoch that roster has: a member naming a roster or an epoch
        // that does not exist would make the other devices hold back what they send.
        if roster.compare(&header.roster) == Named::Ahead {
            roster = read_roster()?;
        }
        if roster.compare(&header.roster) != Named::Held || header.epoch == 0 || header.epoch > roster.epoch() {
            return Err(refuse(
                400,
                "bad_batch",
                "the batch names a roster or a key epoch that the company's roster does not hold",
            ));
        }
        if header.hlc_max.wall_ms > now_ms + self.limits.clock_ahead_ms {
            return Err(refuse(
                400,
                "clock_ahead",
                format!(
                    "the batch's events are stamped {} s ahead of the hub's clock: the node's clock is wrong",
                    (header.hlc_max.wall_ms - now_ms) / 1000
                ),
            ));
        }
        let object_key = batch_key(tenant, header.node, header.first.0);
        let stored = self.stored_batches(tenant, header.node)?;
        // Where the batch goes: right after the batch that ends at first-1 (or at the start), and
        // right before the next one, if any; anything else overlaps or leaves a gap.
        let position = stored.partition_point(|b| b.first < header.first.0);
        if let Some(same) = stored.get(position).filter(|b| b.first == header.first.0) {
            let held = too_large_is_none(self.objects.get(&same.object.key))?.unwrap_or_default();
            if held == body {
                return Ok(Response::already_held());
            }
            if Batch::decode(&held).ok().is_none_or(|b| !b.is_signed_by(&key)) {
                // The stored copy is damaged: the hub heals it with this valid one.
                tracing::warn!(key = same.object.key, "a damaged stored batch is replaced by a valid copy");
                self.store_replace(&same.object.key, body, same.object.size, tenant)?;
                return Ok(Response::json(201, &serde_json::json!({ "stored": "healed" })));
            }
            return Err(refuse(
                409,
                "fork",
                format!(
                    "the hub already holds a different batch of node {} from event {}: one of them is forged or the device was cloned",
                    header.node, header.first
                ),
            ));
        }
        // What the batch must continue: the chain's run before its place, walked from the first
        // event as `heads` walks it (a key within the events already walked is passed over,
        // whatever is there).
        let mut before: Option<rempart_sync::Head> = None;
        for previous in &stored[..position] {
            if before.is_some_and(|run| previous.first <= run.seq.0) {
                continue;
            }
            let Some(stored_header) = self.stored_header(&previous.object)?.filter(|h| h.first.0 == previous.first)
            else {
                break;
            };
            let extends = match before {
                None => stored_header.first.0 == 1,
                Some(run) => run.seq.0 + 1 == stored_header.first.0 && run.hash == stored_header.prev,
            };
            if !extends {
                break;
            }
            before = Some(rempart_sync::Head { seq: stored_header.last, hash: stored_header.head });
        }
        let continues = match before {
            None => header.first.0 == 1 && header.prev == Hash32::ZERO,
            Some(run) => run.seq.0 + 1 == header.first.0 && run.hash == header.prev,
        };
        if !continues {
            let held_to = before.map_or(0, |run| run.seq.0);
            return Err(refuse(
                409,
                "discontinuous",
                format!(
                    "the batch of node {} from event {} does not continue what the hub holds (up to event {held_to})",
                    header.node, header.first
                ),
            ));
        }
        // The batch after it, if the hub holds one, must follow it: the first batch after its
        // place that is the node's (read whole, signed by it, under its own first event); what
        // is not is passed over.
        for next in &stored[position..] {
            let genuine = too_large_is_none(self.objects.get(&next.object.key))?
                .and_then(|bytes| Batch::decode(&bytes).ok())
                .filter(|batch| batch.is_signed_by(&key) && batch.header.first.0 == next.first);
            let Some(next_batch) = genuine else { continue };
            if next_batch.header.first.0 != header.last.0 + 1 || next_batch.header.prev != header.head {
                return Err(refuse(409, "overlap", "the batch overlaps batches the hub holds"));
            }
            break;
        }
        match self.store_new(&object_key, body, tenant)? {
            Put::Created => {
                self.metrics.batches_stored.fetch_add(1, Ordering::Relaxed);
                self.metrics.batch_bytes_stored.fetch_add(body.len() as u64, Ordering::Relaxed);
                self.metrics.events_stored.fetch_add(header.count(), Ordering::Relaxed);
                tracing::info!(node = %header.node.short(), first = header.first.0, last = header.last.0, bytes = body.len(), "batch stored");
                Ok(Response::created())
            }
            Put::Exists => Err(refuse(409, "conflict", "another batch for the same events was stored meanwhile")),
        }
    }

    /// The last event the hub holds of each node.
    pub fn heads(&self, tenant: TenantId) -> Result<VersionVector, Refusal> {
        // The end of each node's contiguous run from its first event: a batch lost or set apart in
        // the middle shows as a shorter head, so the nodes that hold it upload it again; a batch
        // replaced by another shows as a head whose hash the nodes holding the genuine one do not
        // know. Storage is listed each time, so that a change made behind the hub's back shows at
        // once; a header is read again only when its object's version changed.
        let mut vector = VersionVector::default();
        let prefix = batches_prefix(tenant);
        let mut by_node: BTreeMap<String, Vec<Listed>> = BTreeMap::new();
        for object in self.objects.list(&prefix)? {
            if let Some((node, _)) = object.key[prefix.len()..].split_once('/') {
                by_node.entry(node.to_owned()).or_default().push(object);
            }
        }
        let roster = self.roster(tenant, false)?;
        for (node, objects) in by_node {
            let Ok(node) = node.parse::<NodeId>() else { continue };
            // Only the roster's nodes have chains here: objects planted under another name are
            // no chain of the company's, and keep none of its chains from being served.
            if roster.as_ref().is_some_and(|roster| roster.member(node).is_none()) {
                continue;
            }
            // Nothing of a revoked node past its revocation counts.
            let valid_until = roster.as_ref().and_then(|r| r.member(node)?.revoked_after).unwrap_or(u64::MAX);
            let mut head: Option<Head> = None;
            for object in objects {
                // Only keys named as batches are (a planted `...0001a` is neither served nor
                // allowed to cut the chain short), and a batch only under its own first event.
                let Some(first) =
                    first_seq_of_key(&object.key).filter(|first| object.key == batch_key(tenant, node, *first))
                else {
                    continue;
                };
                // A key within the events the chain holds already is not looked at: whatever is
                // there (a copy, junk) neither adds to the chain nor ends it.
                if head.is_some_and(|previous| first <= previous.seq.0) {
                    continue;
                }
                let header = match self.stored_header(&object)? {
                    Some(header) if header.first.0 == first => header,
                    _ => {
                        // A stored batch whose header cannot be read, or another batch's copy
                        // put in its place, is damaged: set apart, so that it is named and the
                        // nodes holding a good copy upload it again.
                        if let Some(bytes) = too_large_is_none(self.objects.get(&object.key))? {
                            self.set_apart(tenant, &object.key, &bytes)?;
                        }
                        break;
                    }
                };
                if header.first.0 > valid_until {
                    break;
                }
                let continues = match head {
                    None => header.first.0 == 1,
                    Some(previous) => previous.seq.0 + 1 == header.first.0 && previous.hash == header.prev,
                };
                if !continues {
                    break;
                }
                head = Some(Head { seq: header.last, hash: header.head });
            }
            if let Some(head) = head {
                vector.set(node, head);
            }
        }
        Ok(vector)
    }

    /// Batches of `node` holding events after `after`, framed as `len u32 | batch`. Each is
    /// checked before it is served; a damaged one is set apart, so that the nodes holding a good
    /// copy upload it again, and nothing after it is served.
    pub(crate) fn get_batches(&self, tenant: TenantId, node: NodeId, after: u64) -> Result<Response, Refusal> {
        let roster = self.roster(tenant, false)?.ok_or_else(|| refuse(404, "unknown_tenant", "no such company"))?;
        let key = roster
            .member(node)
            .and_then(|member| ed25519_dalek::VerifyingKey::from_bytes(&member.keys.sign).ok())
            .ok_or_else(|| refuse(404, "not_found", format!("node {node} is not in the company's roster")))?;
        let stored = self.stored_batches(tenant, node)?;
        // The batch that holds event after+1 starts at or before it.
        let start = stored.partition_point(|b| b.first <= after.saturating_add(1)).saturating_sub(1);
        let mut body = Vec::new();
        let mut next = after.saturating_add(1);
        for batch in &stored[start..] {
            if !body.is_empty() && body.len() as u64 + batch.object.size > self.limits.download_bytes_max as u64 {
                break;
            }
            if batch.first > next {
                // A hole (a batch lost or set apart): nothing after it is served until it is filled.
                break;
            }
            let Some(bytes) = too_large_is_none(self.objects.get(&batch.object.key))? else { break };
            let sound = Batch::decode(&bytes).ok().filter(|b| b.is_signed_by(&key) && b.header.first.0 == batch.first);
            let Some(decoded) = sound else {
                self.set_apart(tenant, &batch.object.key, &bytes)?;
                break;
            };
            if decoded.header.last.0 < next {
                continue;
            }
            next = decoded.header.last.0 + 1;
            body.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            body.extend_from_slice(&bytes);
        }
        Ok(Response::bytes(body))
    }

    /// Moves a damaged object out of the tenant's batches, keeping it as evidence.
    fn set_apart(&self, tenant: TenantId, key: &str, bytes: &[u8]) -> Result<(), Refusal> {
        let evidence = damaged_key(tenant, bytes);
        tracing::error!(key, evidence, "a stored batch is damaged: set apart, to be uploaded again by the nodes");
        // The bytes move within the tenant's namespace, so its usage stays the same, unless the
        // same damaged copy was set apart before.
        if self.objects.put_new(&evidence, bytes)? == Put::Exists
            && let Some(used) = lock(&self.usage).get_mut(&tenant)
        {
            *used = used.saturating_sub(bytes.len() as u64);
        }
        self.objects.remove(key)?;
        self.metrics.refused("damaged_in_storage");
        Ok(())
    }
}
