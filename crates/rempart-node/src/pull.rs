//! The pull: every chain the hub holds further than this node is downloaded in groups of answers,
//! each batch checked (company, node, signature against the roster, revocation, key epoch) and
//! opened before the group is taken in with one `take_in`; a chain whose batch fails stops there
//! and the others go on. The version vectors batches carry tell how far each chain is known to
//! reach (`claims`): events the hub withholds, and whether this node's own head is its latest.

use std::time::Instant;

use rempart_log::{EventSeq, NodeId, VerifyingKey};
use rempart_store::sync::{Author, ChainRun, KeptBatch};
use rempart_store::{Store, StoreError};
use rempart_sync::api::Route;
use rempart_sync::{Batch, VersionVector};

use crate::report::{ForkSeen, OwnHeadDoubt, Rejected, RejectedWhy, Withheld, add};
use crate::{Env, Hostile, NamedRoster, NodeError, Session, SyncReport, Transport};

/// How much of the hub's answers a pull takes in at once unless set otherwise
/// (`Session::set_pull_group_bytes`). (Opening the next group on a second thread while one is
/// taken in was tried and measured slower, for a reason not found: BENCHMARKS.md.)
pub(crate) const GROUP_BYTES: usize = 64 << 20;

/// Why downloaded batches of a chain were not all taken in: the hub served them wrong, or the
/// store did not take them (a fork among them, events the chain held here refuses, its disk).
enum Taken {
    Hostile(Hostile),
    Store(StoreError),
}

/// A batch checked and opened: its author's key, the events and seals it carries, and its
/// compact form when it can be kept so (`Batch::compact`).
/// A batch opened: its author, its events and seals as taken in, and its compact form if it is
/// kept so (else it is kept whole).
type Opened = (Author, ChainRun, Option<Vec<u8>>);

impl Session {
    pub(crate) fn pull(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        hub: &VersionVector,
        report: &mut SyncReport,
    ) -> Result<(), NodeError> {
        let local = store.version_vector()?;
        let expected: u64 = hub.0.iter().map(|(node, head)| head.seq.0.saturating_sub(local.seq(*node).0)).sum();
        store.begin_take_in(expected)?;
        let pulled = self.pull_chains(store, transport, env, hub, expected, report);
        // Building the indexes a large take-in dropped is part of applying what it brought.
        let started = Instant::now();
        let ended = store.end_take_in();
        add(&self.timings.apply, started);
        pulled?;
        Ok(ended?)
    }

    /// The body of `pull`: each chain the hub holds further than this node, in groups of answers.
    fn pull_chains(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        hub: &VersionVector,
        expected: u64,
        report: &mut SyncReport,
    ) -> Result<(), NodeError> {
        for (node, head) in &hub.0 {
            let held = held_seq(store, *node)?;
            if held >= head.seq {
                // Both hold that place of the chain: they must hold the same event there.
                if store.event_hash(*node, head.seq)? != Some(head.hash) {
                    self.fetch_fork(store, transport, env, *node, head.seq, report)?;
                }
                continue;
            }
            if store.forks()?.iter().any(|fork| fork.node == *node) {
                continue;
            }
            self.pull_chain(store, transport, env, (*node, head.seq), expected, report)?;
        }
        Ok(())
    }

    /// Pulls one chain up to `head`, a group of answers at a time, until it is held, the hub
    /// serves nothing more, or a group cannot be taken in (named in the report).
    fn pull_chain(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        (node, head): (NodeId, EventSeq),
        expected: u64,
        report: &mut SyncReport,
    ) -> Result<(), NodeError> {
        loop {
            let held = held_seq(store, node)?;
            if held >= head {
                break;
            }
            let answers = self.download_group(store, transport, env, node, (held, head))?;
            let mut batches = Vec::new();
            for answer in &answers {
                batches.extend(unframe(answer)?);
            }
            if batches.is_empty() {
                break;
            }
            let why = match self.take_batches(store, node, &batches) {
                Ok(events) => {
                    report.pulled_events += events;
                    if let Some(progress) = &mut self.progress {
                        progress(report.pulled_events, expected);
                    }
                    None
                }
                Err(Taken::Store(StoreError::Forked { seq, .. })) => {
                    report.forks.push(ForkSeen { node, seq: EventSeq(seq), refused: None });
                    break;
                }
                // A batch of one chain that fails its checks stops that chain only: the other
                // chains are still pulled and this node's events still pushed.
                Err(Taken::Hostile(why)) => Some(RejectedWhy::Hostile(why)),
                Err(Taken::Store(StoreError::SyncRefused { why, .. })) => Some(RejectedWhy::Refused(why)),
                // Whatever else this node could not take in of one chain (its disk, a fact
                // it cannot project) stops that chain only, named in the report: sync
                // degrades, it does not stop, and this node's own events still go up.
                Err(Taken::Store(error)) => {
                    tracing::warn!(node = %node.short(), %error, "a chain could not be taken in");
                    Some(RejectedWhy::Store(error))
                }
            };
            if let Some(why) = why {
                report.rejected.push(Rejected { node, why });
                break;
            }
            if held_seq(store, node)? == held {
                break;
            }
        }
        Ok(())
    }

    /// The hub's answers for `node` from `after` on, up to `head` or the group's size: several
    /// answers are taken in together, in one transaction, since each transaction rewrites every
    /// projection page it touches, and a run of postings touches pages all over the table.
    fn download_group(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        node: NodeId,
        (mut after, head): (EventSeq, EventSeq),
    ) -> Result<Vec<Vec<u8>>, NodeError> {
        let tenant = self.secrets.tenant;
        let mut answers = Vec::new();
        let mut bytes = 0;
        while after < head && bytes < self.group_bytes {
            let route = Route::Batches { tenant, node, after: after.0 };
            let started = Instant::now();
            let answer = self.ask(store, transport, env, &route, Vec::new())?;
            add(&self.timings.download, started);
            let last = unframe(&answer.body)?
                .last()
                .and_then(|batch| rempart_sync::batch::decode_header(batch).ok())
                .map(|header| header.last);
            bytes += answer.body.len();
            answers.push(answer.body);
            match last {
                Some(last) if last > after => after = last,
                _ => break,
            }
        }
        Ok(answers)
    }

    /// Downloads the hub's version of event `seq` of `node`, which differs from the one held
    /// here, so that the fork is recorded with both versions as evidence.
    fn fetch_fork(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        node: NodeId,
        seq: EventSeq,
        report: &mut SyncReport,
    ) -> Result<(), NodeError> {
        let route = Route::Batches { tenant: self.secrets.tenant, node, after: seq.0.saturating_sub(1) };
        let answer = self.ask(store, transport, env, &route, Vec::new())?;
        if let Some(bytes) = unframe(&answer.body)?.first().copied() {
            let fork = match self.take_batches(store, node, &[bytes]) {
                Err(Taken::Store(StoreError::Forked { seq, .. })) => {
                    ForkSeen { node, seq: EventSeq(seq), refused: None }
                }
                Err(Taken::Hostile(why)) => ForkSeen { node, seq, refused: Some(why) },
                _ => ForkSeen { node, seq, refused: None },
            };
            report.forks.push(fork);
        }
        Ok(())
    }

    /// Checks one downloaded batch and opens it: the events and seals it carries, and the batch's
    /// compact form when it can be kept so (`Batch::compact`).
    fn open_batch(&self, node: NodeId, batch: &Batch) -> Result<Opened, Hostile> {
        let started = Instant::now();
        let header = &batch.header;
        if header.tenant != self.secrets.tenant || header.node != node {
            return Err(Hostile::BatchOfAnother);
        }
        let member = self.roster.member(node).ok_or(Hostile::NodeNotInRoster { node })?;
        // A revoked node's events up to its revocation stay valid; a batch reaching past it is
        // cut there (the events after it are refused), one wholly after it refused.
        let valid_until = member.revoked_after.unwrap_or(u64::MAX);
        if header.first.0 > valid_until {
            return Err(Hostile::AfterRevocation { node });
        }
        let key = VerifyingKey::from_bytes(&member.keys.sign).map_err(|_| Hostile::UnusableKey { node })?;
        if !batch.is_signed_by(&key) {
            return Err(Hostile::BatchNotSigned { node });
        }
        // What the author held of the roster, signed: noted even when this node lacks the batch's
        // key (a batch under an epoch this node lacks is what a hidden revocation looks like), and
        // otherwise once the batch has opened.
        let named = NamedRoster { by: node, mark: header.roster, epoch: header.epoch };
        let Some(data) = self.secrets.keys.get(&header.epoch) else {
            self.watch.borrow_mut().note(&self.roster, named);
            return Err(Hostile::EpochLacking { epoch: header.epoch });
        };
        add(&self.timings.verify, started);
        let started = Instant::now();
        let contents = batch.open(data, &key).map_err(|source| Hostile::BatchRefused { source })?;
        add(&self.timings.decrypt, started);
        self.watch.borrow_mut().note(&self.roster, named);
        self.note_claims(node, &contents.seen);
        // Kept without its ciphertext only if all its events are taken in and the same bytes can
        // be made again from them; otherwise kept whole.
        let mut events = contents.events;
        let mut seals = contents.seals;
        events.retain(|event| event.seq.0 <= valid_until);
        seals.retain(|seal| seal.seq.0 <= valid_until);
        // A restore to a point in time takes the events stamped up to it, and the seals over them;
        // a batch it cuts short is kept whole, so that its author's events after the moment can
        // still be given to a hub or a backup that lacks them.
        let before = events.len();
        if let Some(until) = self.until_ms {
            events.retain(|event| event.hlc.wall_ms <= until);
            let last_kept = events.last().map_or(header.first.0.saturating_sub(1), |event| event.seq.0);
            seals.retain(|seal| seal.seq.0 <= last_kept);
        }
        // Kept without its ciphertext only if all its events are taken in and the same bytes can
        // be made again from them; otherwise kept whole.
        let compact = (contents.reproducible && header.last.0 <= valid_until && events.len() == before)
            .then(|| batch.compact(&contents.seen));
        // The series the roster gives the node: no device numbers in another's.
        let author = Author {
            key,
            founder: self.roster.founder() == node,
            series: self.roster.device_series(node).map(str::to_owned),
        };
        Ok((author, ChainRun { prev: header.prev, events, seals }, compact))
    }

    /// Checks and takes in downloaded batches of one node, in one transaction; returns the new
    /// events. Batches that fail their checks stop the run: those before them are taken in.
    fn take_batches(&self, store: &mut Store, node: NodeId, batches: &[&[u8]]) -> Result<u64, Taken> {
        let mut runs: Vec<ChainRun> = Vec::with_capacity(batches.len());
        let mut opened_batches = Vec::with_capacity(batches.len());
        let mut key = None;
        let mut failure = None;
        for bytes in batches {
            let started = Instant::now();
            let decoded = match Batch::decode(bytes) {
                Ok(batch) => batch,
                Err(source) => {
                    failure = Some(Taken::Hostile(Hostile::BatchDamaged { source }));
                    break;
                }
            };
            add(&self.timings.verify, started);
            let (node_key, opened, compact) = match self.open_batch(node, &decoded) {
                Ok(opened) => opened,
                Err(error) => {
                    failure = Some(Taken::Hostile(error));
                    break;
                }
            };
            key = Some(node_key);
            opened_batches.push((decoded.header.first, decoded.header.last, compact, *bytes));
            runs.push(opened);
        }
        // One run of all the batches' events, made at its full size at once.
        let run = runs.first().map(|first| ChainRun {
            prev: first.prev,
            events: Vec::with_capacity(runs.iter().map(|run| run.events.len()).sum()),
            seals: Vec::with_capacity(runs.iter().map(|run| run.seals.len()).sum()),
        });
        let run = run.map(|mut whole| {
            for opened in runs {
                whole.events.extend(opened.events);
                whole.seals.extend(opened.seals);
            }
            whole
        });
        let kept: Vec<KeptBatch<'_>> = opened_batches
            .iter()
            .map(|(first, last, compact, bytes)| KeptBatch {
                first: *first,
                last: *last,
                bytes: compact.as_deref().unwrap_or(bytes),
            })
            .collect();
        let mut taken = 0;
        if let (Some(run), Some(key)) = (run.filter(|run| !run.events.is_empty()), key) {
            let started = Instant::now();
            taken = store.take_in_kept(&key, &run, "hub", &kept).map_err(Taken::Store)?.new_events;
            add(&self.timings.apply, started);
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(taken),
        }
    }

    /// Keeps what `by` names as seen, where it names more than any device before: only a device
    /// active in the roster is heard, about the roster's devices (a revoked device's word, true
    /// or inflated, neither counts nor hides what active devices name).
    fn note_claims(&self, by: NodeId, seen: &VersionVector) {
        if !self.roster.is_active(by) {
            return;
        }
        let mut claims = self.claims.borrow_mut();
        for (node, head) in seen.0.iter().filter(|(node, _)| self.roster.member(**node).is_some()) {
            if claims.get(node).is_none_or(|(known, _)| known.seq < head.seq) {
                claims.insert(*node, (*head, by));
            }
        }
    }

    /// Why this node's own head cannot be taken as its latest, after a pull, if it cannot: the hub
    /// holds more of its chain than could be taken in, another node has seen it reach further, or
    /// it is forked.
    pub(crate) fn own_head_doubt(&self, store: &Store, hub: &VersionVector) -> Result<Option<OwnHeadDoubt>, NodeError> {
        let me = store.node();
        let held = held_seq(store, me)?;
        if hub.seq(me) > held {
            return Ok(Some(OwnHeadDoubt::HubFurther { hub: hub.seq(me), held }));
        }
        if let Some((head, by)) = self.claims.borrow().get(&me)
            && head.seq > held
        {
            return Ok(Some(OwnHeadDoubt::SeenFurther { by: *by, seen: head.seq, held }));
        }
        if let Some(fork) = store.forks()?.into_iter().find(|fork| fork.node == me) {
            return Ok(Some(OwnHeadDoubt::Forked { seq: fork.seq }));
        }
        if let Some(anchored) = store.anchored_seq()?
            && anchored > held
        {
            return Ok(Some(OwnHeadDoubt::AnchorFurther { anchored }));
        }
        Ok(None)
    }

    /// Chains that other nodes have seen further than both this node and the hub hold: events
    /// that exist, that the hub does not serve (withheld, or lost and not yet given back).
    pub(crate) fn withheld(&self, store: &Store, hub: &VersionVector) -> Result<Vec<Withheld>, NodeError> {
        let mut out = Vec::new();
        for (node, (head, by)) in self.claims.borrow().iter() {
            let held = held_seq(store, *node)?;
            if head.seq > held && head.seq > hub.seq(*node) {
                out.push(Withheld { by: *by, node: *node, seen: head.seq, served: hub.seq(*node) });
            }
        }
        Ok(out)
    }
}

impl Session {
    /// Chains that the batches taken in name as seen further than this node holds (`served`
    /// being what it holds): events that exist and that it lacks. After a restore from backups,
    /// what no target gave back.
    /// Only claims that count: made by an active device of the roster, about a device of the
    /// roster, no further than its revocation (a device that pulled a revoked one's events before
    /// the revocation reached it names them in good faith; the restore stops at the revocation).
    /// A device that lies in its claims makes restores fail until it is revoked.
    pub fn lacking(&self, store: &Store) -> Result<Vec<Withheld>, NodeError> {
        let mut out = Vec::new();
        for (node, (head, by)) in self.claims.borrow().iter() {
            let Some(member) = self.roster.member(*node) else { continue };
            if !self.roster.is_active(*by) {
                continue;
            }
            let seen = head.seq.0.min(member.revoked_after.unwrap_or(u64::MAX));
            let held = held_seq(store, *node)?;
            if seen > held.0 {
                out.push(Withheld { by: *by, node: *node, seen: EventSeq(seen), served: held });
            }
        }
        Ok(out)
    }
}

/// The last event of `node`'s chain this node holds (0 for none).
fn held_seq(store: &Store, node: NodeId) -> Result<EventSeq, NodeError> {
    Ok(store.held(node)?.map_or(EventSeq(0), |head| head.seq))
}

/// Splits a download into batches: `len u32 | bytes`, repeated.
fn unframe(mut body: &[u8]) -> Result<Vec<&[u8]>, NodeError> {
    let mut out = Vec::new();
    while !body.is_empty() {
        let bad = || Hostile::AnswerCutShort;
        let len = body.get(..4).ok_or_else(bad)?;
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let bytes = body.get(4..4 + len).ok_or_else(bad)?;
        out.push(bytes);
        body = &body[4 + len..];
    }
    Ok(out)
}
