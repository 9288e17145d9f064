//! The push: this node's new events sealed into batches (made on a thread of their own, one
//! ahead of the batch being kept and uploaded), kept before they are sent, and every kept batch
//! the hub lacks uploaded, this node's own and other nodes', still signed by their authors.

use rempart_log::{EventSeq, Hash32, NodeId, Seal};
use rempart_store::Store;
use rempart_store::sync::{ChainReader, KeptBatch};
use rempart_sync::api::Route;
use rempart_sync::batch::Author;
use rempart_sync::{Batch, VersionVector};

use crate::report::RefusedBatch;
use crate::{Env, Local, NodeError, Session, SyncReport, Transport};

/// About how many events of kept batches a push reads and uploads at a time.
const KEPT_EVENTS_PER_ROUND: u64 = 8_192;

/// A batch of this node's own events, made and ready to be kept and uploaded.
struct MadeBatch {
    first: EventSeq,
    last: EventSeq,
    /// The hash of its last event.
    head: Hash32,
    /// As kept: the header and signature (the events are in the log).
    compact: Vec<u8>,
    /// As uploaded.
    bytes: Vec<u8>,
    /// The seal over its last event when the batch ends inside a commit (whose own seal comes
    /// with the next batch): kept in this node's log before the batch, so that the batch is made
    /// again the same from the log, and so that a node holding only this batch holds a sealed
    /// chain even if the rest never comes (this device lost before its next upload).
    cut_seal: Option<Seal>,
}

/// Makes the batch of `me`'s events after `after` (about `batch_bytes` of them), if any.
fn make_batch(
    reader: &ChainReader,
    author: &Author<'_>,
    seen: &VersionVector,
    (me, after, batch_bytes): (NodeId, EventSeq, usize),
    seed: &[u8; 32],
) -> Result<Option<MadeBatch>, NodeError> {
    let mut run = reader.chain_run(me, after, batch_bytes)?;
    let Some(last_event) = run.events.last() else { return Ok(None) };
    let last = last_event.seq;
    // A seal is deterministic (Ed25519): the same cut gives the same seal, and the same batch.
    let cut_seal = (run.seals.last().map(|seal| seal.seq) != Some(last))
        .then(|| Seal::sign(author.signing, last_event.tenant, me, last, last_event.hash()));
    run.seals.extend(cut_seal.clone());
    let first = after.next();
    let nonce = rempart_sync::batch::batch_nonce(seed, first);
    let batch = Batch::seal_with_seen(author, &run.events, &run.seals, run.prev, nonce, seen)?;
    Ok(Some(MadeBatch {
        first,
        last,
        head: batch.header.head,
        compact: batch.compact(seen),
        bytes: batch.encode(),
        cut_seal,
    }))
}

/// How the hub took an uploaded batch.
enum Uploaded {
    /// Stored: the hub now holds the node's events up to this one.
    Stored(EventSeq),
    /// It held this batch already; it holds the node's events up to this one.
    Held(EventSeq),
    /// Refused (a fork, a revoked node, a bad batch): reported, and nothing more of that node is sent.
    Refused,
}

impl Session {
    pub(crate) fn push(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        hub: &VersionVector,
        report: &mut SyncReport,
    ) -> Result<(), NodeError> {
        let mut hub = hub.clone();
        // A batch of this node refused just now is reported once; the rest of its chain waits.
        let refused = self.seal_own_batches(store, env, Some((transport, &mut hub, report)))?;
        self.push_kept(store, transport, env, &hub, refused, report)
    }

    /// Uploads every batch this node keeps that the hub lacks (`hub`), of every chain, but of
    /// its own chain when `skip_own` (a batch of it refused just now).
    pub(crate) fn push_kept(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        hub: &VersionVector,
        skip_own: bool,
        report: &mut SyncReport,
    ) -> Result<(), NodeError> {
        let refused = skip_own;
        let local = store.version_vector()?;
        for (node, head) in &local.0 {
            if refused && *node == store.node() {
                continue;
            }
            let mut after = hub.seq(*node);
            while after < head.seq {
                let batches = self.kept_batches(store, *node, after, KEPT_EVENTS_PER_ROUND)?;
                if batches.is_empty() {
                    break;
                }
                for bytes in batches {
                    match self.upload(store, transport, env, bytes, report)? {
                        Uploaded::Stored(last) => after = last,
                        Uploaded::Held(now) => {
                            // The hub had it: a hole it had was filled, or the rest is there too.
                            after = now;
                            break;
                        }
                        Uploaded::Refused => {
                            after = head.seq;
                            break;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Uploads one batch (whole bytes) and says how the hub took it.
    fn upload(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        bytes: Vec<u8>,
        report: &mut SyncReport,
    ) -> Result<Uploaded, NodeError> {
        let header = rempart_sync::batch::decode_header(&bytes)?;
        let node = header.node;
        match self.ask(store, transport, env, &Route::PutBatch { tenant: self.secrets.tenant }, bytes) {
            Ok(answer) if answer.status == 200 => {
                report.already_held += 1;
                let now = self.hub_heads(store, transport, env)?;
                Ok(Uploaded::Held(now.seq(node).max(header.last)))
            }
            Ok(_) => {
                report.pushed_batches += 1;
                report.pushed_events += header.count();
                Ok(Uploaded::Stored(header.last))
            }
            Err(NodeError::Refused { status, message, .. }) if status == 409 || status == 403 || status == 400 => {
                tracing::warn!(node = %node.short(), first = header.first.0, status, "batch refused: {message}");
                report.refused.push(RefusedBatch { node, first: header.first, last: header.last, status, message });
                Ok(Uploaded::Refused)
            }
            Err(error) => Err(error),
        }
    }

    /// Seals this node's events not yet in a batch into batches under the current key epoch, and
    /// keeps them. Given a hub (`upload`: transport, its heads, the report) that holds every batch
    /// kept before, each new one is uploaded as soon as it is kept, from the bytes just made, and
    /// the heads move on; otherwise they wait for the upload of kept batches, which makes them
    /// again from the log. True if the hub refused one (it is reported).
    pub(crate) fn seal_own_batches(
        &self,
        store: &Store,
        env: &mut Env<'_>,
        mut upload: Option<(&mut dyn Transport, &mut VersionVector, &mut SyncReport)>,
    ) -> Result<bool, NodeError> {
        let me = store.node();
        if let Some(held_back) = self.watch.borrow().held_back(&self.roster) {
            return Err(NodeError::HeldBack(held_back));
        }
        // What this node holds of the other chains goes into its batches.
        let mut seen = store.version_vector()?;
        seen.0.remove(&me);
        let kept = store.kept_up_to(me)?;
        if upload.as_ref().is_some_and(|(_, hub, _)| hub.seq(me) < kept) {
            upload = None;
        }
        // The batches are made (read, encrypted, signed) on a thread of their own, each while the
        // one before is kept and uploaded here: an upload waits for the hub to store its batch
        // durably. The channel holds one made batch, so the maker is at most one ahead.
        let reader = store.chain_reader()?;
        let author = self.author(store.signing_key())?;
        let seed: [u8; 32] = env.bytes();
        let batch_bytes = self.batch_bytes;
        let (made, batches) = std::sync::mpsc::sync_channel::<Result<MadeBatch, NodeError>>(1);
        let mut refused = false;
        std::thread::scope(|scope| {
            let seen = &seen;
            scope.spawn(move || {
                let mut after = kept;
                while let Some(next) = make_batch(&reader, &author, seen, (me, after, batch_bytes), &seed).transpose() {
                    let failed = next.is_err();
                    if let Ok(batch) = &next {
                        after = batch.last;
                    }
                    // A closed channel: the keeper stopped on an error, nothing more is wanted.
                    if made.send(next).is_err() || failed {
                        break;
                    }
                }
            });
            for batch in batches {
                let batch = batch?;
                // Made from the log, so kept compactly: the log gives the same batch back (with
                // the seal of a cut inside a commit, kept first).
                let kept = KeptBatch { first: batch.first, last: batch.last, bytes: &batch.compact };
                store.keep_own_batch(kept, batch.cut_seal.as_ref())?;
                if let Some((transport, hub, report)) = upload.as_mut() {
                    match self.upload(store, &mut **transport, env, batch.bytes, report)? {
                        Uploaded::Stored(last) => hub.set(me, rempart_sync::Head { seq: last, hash: batch.head }),
                        Uploaded::Held(_) => upload = None,
                        Uploaded::Refused => {
                            refused = true;
                            upload = None;
                        }
                    }
                }
            }
            Ok::<(), NodeError>(())
        })?;
        Ok(refused)
    }

    /// The batches of `node` this node keeps that hold events after `after` (about `max_events`
    /// of them, at least one batch), as they travelled: those kept compactly are made again from
    /// the events held, under the data key of their epoch.
    pub fn kept_batches(
        &self,
        store: &Store,
        node: NodeId,
        after: EventSeq,
        max_events: u64,
    ) -> Result<Vec<Vec<u8>>, NodeError> {
        let mut out = Vec::new();
        for bytes in store.kept_batches(node, after, max_events)? {
            if !rempart_sync::batch::is_compact(&bytes) {
                out.push(bytes);
                continue;
            }
            let header = rempart_sync::batch::kept_header(&bytes)?;
            let key = self.secrets.keys.get(&header.epoch).ok_or(Local::NoDataKey { epoch: header.epoch })?;
            let run = store.chain_range(node, header.first, header.last)?;
            let batch = Batch::from_compact(&bytes, key, &run.events, &run.seals)
                .map_err(|source| Local::BatchNotRemade { node, first: header.first, source })?;
            out.push(batch.encode());
        }
        Ok(out)
    }
}
