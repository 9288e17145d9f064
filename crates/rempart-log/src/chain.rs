//! Verification of one node's chain: every event re-hashed, every link and seal checked, and the
//! head compared with the anchor the node keeps outside its database. The verifier is fed events
//! in sequence order and stops at the first fault, which it locates by sequence number; past an
//! event altered after its seal, the caller may go on from what the seal names
//! (`go_on_past_altered`), so that every altered sealed event is named.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;

use crate::{EventRef, EventSeq, FORMAT_VERSION, Hash32, Hlc, NodeId, Seal, TenantId};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainFault {
    #[error("event {seq} belongs to another company")]
    WrongTenant { seq: EventSeq },
    #[error("event {seq} is filed under the wrong node")]
    WrongNode { seq: EventSeq },
    #[error("event {seq} is of format version {version}, which this Rempart does not read")]
    UnsupportedVersion { seq: EventSeq, version: u16 },
    #[error("event {seq} is not later than the event before it on the node's clock")]
    ClockWentBack { seq: EventSeq },
    #[error("events {from} to {to} are missing: they were deleted")]
    Missing { from: EventSeq, to: EventSeq },
    #[error("the chain is broken between events {} and {seq}: one was altered, removed or moved", seq.0 - 1)]
    BrokenLink { seq: EventSeq },
    #[error("event {seq} was altered after it was sealed")]
    AlteredAfterSeal { seq: EventSeq },
    #[error("the seal over event {seq} was not made with this node's key")]
    BadSeal { seq: EventSeq },
    #[error("a seal covers event {seq} but the log ends at event {last}: the log was truncated")]
    SealBeyondEnd { seq: EventSeq, last: EventSeq },
    #[error("events from {from} on were added without this node's seal")]
    Unsealed { from: EventSeq },
    #[error("the log ends at event {last} but the node had sealed up to event {anchored}: the log was truncated")]
    Truncated { last: EventSeq, anchored: EventSeq },
    #[error("event {seq} differs from the one the node sealed and anchored: the chain was rewritten")]
    AnchorMismatch { seq: EventSeq },
    #[error("the node's head anchor was not signed with this node's key")]
    BadAnchor,
}

impl ChainFault {
    /// The event the fault points at, to describe it in business words.
    pub fn seq(&self) -> Option<EventSeq> {
        match self {
            ChainFault::WrongTenant { seq }
            | ChainFault::WrongNode { seq }
            | ChainFault::UnsupportedVersion { seq, .. }
            | ChainFault::AlteredAfterSeal { seq }
            | ChainFault::BadSeal { seq }
            | ChainFault::AnchorMismatch { seq }
            | ChainFault::ClockWentBack { seq } => Some(*seq),
            ChainFault::BrokenLink { seq } => Some(EventSeq(seq.0 - 1)),
            ChainFault::Missing { from, .. } => Some(*from),
            ChainFault::Unsealed { from } => Some(*from),
            ChainFault::SealBeyondEnd { .. } | ChainFault::Truncated { .. } | ChainFault::BadAnchor => None,
        }
    }
}

/// What a successful verification saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSummary {
    pub events: u64,
    pub seals: u64,
    pub head: Hash32,
}

pub struct ChainVerifier {
    tenant: TenantId,
    node: NodeId,
    key: VerifyingKey,
    seals: BTreeMap<EventSeq, Seal>,
    anchor: Option<Seal>,
    anchor_seen: bool,
    last: EventSeq,
    prev: Hash32,
    last_hlc: Option<Hlc>,
}

impl ChainVerifier {
    /// Checks every seal signature first, so that a forged seal is named as such.
    pub fn new(
        tenant: TenantId,
        node: NodeId,
        key: VerifyingKey,
        seals: Vec<Seal>,
        anchor: Option<Seal>,
    ) -> Result<ChainVerifier, ChainFault> {
        let mut by_seq = BTreeMap::new();
        for seal in seals {
            if seal.tenant != tenant || seal.node != node || !seal.is_valid(&key) {
                return Err(ChainFault::BadSeal { seq: seal.seq });
            }
            by_seq.insert(seal.seq, seal);
        }
        if let Some(anchor) = &anchor
            && (anchor.tenant != tenant || anchor.node != node || !anchor.is_valid(&key))
        {
            return Err(ChainFault::BadAnchor);
        }
        Ok(ChainVerifier {
            tenant,
            node,
            key,
            seals: by_seq,
            anchor,
            anchor_seen: false,
            last: EventSeq(0),
            prev: Hash32::ZERO,
            last_hlc: None,
        })
    }

    /// After `AlteredAfterSeal` at `seq`: goes on as if event `seq` were the one its seal names,
    /// so that the rest of the chain is checked and every other altered event is named too (two
    /// swapped events: both places). The altered event's clock is not trusted; the next event's
    /// is checked against the ones after it. False when no seal names `seq`.
    pub fn go_on_past_altered(&mut self, seq: EventSeq) -> bool {
        let Some(seal) = self.seals.get(&seq) else { return false };
        if seq != self.last.next() {
            return false;
        }
        // The anchor names what the node sealed: an altered event there is not a truncation.
        if self.anchor.as_ref().is_some_and(|anchor| anchor.seq == seq && anchor.head == seal.head) {
            self.anchor_seen = true;
        }
        self.last = seq;
        self.prev = seal.head;
        self.last_hlc = None;
        true
    }

    /// Continues a chain already checked up to `last`, whose hash is `prev`: for verifying a run
    /// of events that starts in the middle of a chain (a batch).
    pub fn resume(mut self, last: EventSeq, prev: Hash32, last_hlc: Option<Hlc>) -> ChainVerifier {
        self.last = last;
        self.prev = prev;
        self.last_hlc = last_hlc;
        self
    }

    /// The last event checked, and its hash.
    pub fn head(&self) -> (EventSeq, Hash32) {
        (self.last, self.prev)
    }

    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Checks the next event of the chain and returns its hash.
    pub fn push(&mut self, event: EventRef<'_>) -> Result<Hash32, ChainFault> {
        let expected = self.last.next();
        if event.seq > expected {
            return Err(ChainFault::Missing { from: expected, to: EventSeq(event.seq.0 - 1) });
        }
        if event.seq < expected {
            return Err(ChainFault::BrokenLink { seq: expected });
        }
        if event.tenant != self.tenant {
            return Err(ChainFault::WrongTenant { seq: event.seq });
        }
        if event.node != self.node {
            return Err(ChainFault::WrongNode { seq: event.seq });
        }
        if event.version == 0 || event.version > FORMAT_VERSION {
            return Err(ChainFault::UnsupportedVersion { seq: event.seq, version: event.version });
        }
        let hash = event.hash();
        if let Some(seal) = self.seals.get(&event.seq)
            && seal.head != hash
        {
            return Err(ChainFault::AlteredAfterSeal { seq: event.seq });
        }
        if event.prev != self.prev {
            return Err(ChainFault::BrokenLink { seq: event.seq });
        }
        // Each node stamps its events with a strictly increasing hybrid logical clock, which is
        // what lets all chains be merged in (HLC, node) order by merging them stream by stream.
        if self.last_hlc.is_some_and(|last| event.hlc <= last) {
            return Err(ChainFault::ClockWentBack { seq: event.seq });
        }
        self.last_hlc = Some(event.hlc);
        if let Some(anchor) = &self.anchor
            && anchor.seq == event.seq
        {
            if anchor.head != hash {
                return Err(ChainFault::AnchorMismatch { seq: event.seq });
            }
            self.anchor_seen = true;
        }
        self.last = event.seq;
        self.prev = hash;
        Ok(hash)
    }

    /// Checks the end of the chain: every event sealed, no seal or anchor beyond the end.
    pub fn finish(self) -> Result<ChainSummary, ChainFault> {
        if let Some((seq, _)) = self.seals.range(self.last.next()..).next() {
            return Err(ChainFault::SealBeyondEnd { seq: *seq, last: self.last });
        }
        if let Some(anchor) = &self.anchor
            && !self.anchor_seen
        {
            return Err(ChainFault::Truncated { last: self.last, anchored: anchor.seq });
        }
        let last_sealed = self.seals.keys().next_back().copied().unwrap_or_default();
        if last_sealed < self.last {
            return Err(ChainFault::Unsealed { from: last_sealed.next() });
        }
        Ok(ChainSummary { events: self.last.0, seals: self.seals.len() as u64, head: self.prev })
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;

    use super::*;
    use crate::Event;

    const TENANT: TenantId = TenantId::from_bytes([1; 16]);
    const NODE: NodeId = NodeId::from_bytes([2; 16]);

    fn chain(length: u64) -> Vec<Event> {
        let mut prev = Hash32::ZERO;
        (1..=length)
            .map(|seq| {
                let event = Event::new(
                    TENANT,
                    NODE,
                    EventSeq(seq),
                    Hlc { wall_ms: seq, logical: 0 },
                    prev,
                    "t.x",
                    vec![seq as u8],
                )
                .unwrap();
                prev = event.hash();
                event
            })
            .collect()
    }

    fn verify(
        events: &[Event],
        sealed_at: &[u64],
        key: &SigningKey,
        anchor_at: Option<u64>,
    ) -> Result<ChainSummary, ChainFault> {
        let honest = chain(events.len().max(8) as u64);
        let seal_of = |seq: u64| Seal::sign(key, TENANT, NODE, EventSeq(seq), honest[seq as usize - 1].hash());
        let seals = sealed_at.iter().map(|&seq| seal_of(seq)).collect();
        let mut verifier = ChainVerifier::new(TENANT, NODE, key.verifying_key(), seals, anchor_at.map(seal_of))?;
        for event in events {
            verifier.push(event.as_ref())?;
        }
        verifier.finish()
    }

    /// Each case tampers with an honest chain of five events sealed at 3 and 5, anchored at 5.
    #[test]
    fn faults_are_found_and_located() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let honest = chain(5);
        assert_eq!(verify(&honest, &[3, 5], &key, Some(5)).map(|s| s.events), Ok(5));

        let mut altered = honest.clone();
        altered[1].payload = vec![99];
        assert_eq!(verify(&altered, &[3, 5], &key, Some(5)), Err(ChainFault::BrokenLink { seq: EventSeq(3) }));
        assert_eq!(ChainFault::BrokenLink { seq: EventSeq(3) }.seq(), Some(EventSeq(2)));

        let mut altered_sealed = honest.clone();
        altered_sealed[2].payload = vec![99];
        assert_eq!(
            verify(&altered_sealed, &[3, 5], &key, Some(5)),
            Err(ChainFault::AlteredAfterSeal { seq: EventSeq(3) })
        );

        let mut deleted = honest.clone();
        deleted.remove(1);
        assert_eq!(
            verify(&deleted, &[3, 5], &key, Some(5)),
            Err(ChainFault::Missing { from: EventSeq(2), to: EventSeq(2) })
        );

        let truncated = &honest[..3];
        assert_eq!(
            verify(truncated, &[3], &key, Some(5)),
            Err(ChainFault::Truncated { last: EventSeq(3), anchored: EventSeq(5) })
        );
        assert_eq!(
            verify(truncated, &[3, 5], &key, None),
            Err(ChainFault::SealBeyondEnd { seq: EventSeq(5), last: EventSeq(3) })
        );

        let longer = chain(6);
        assert_eq!(verify(&longer, &[3, 5], &key, Some(5)), Err(ChainFault::Unsealed { from: EventSeq(6) }));

        let mut clock_back = honest.clone();
        clock_back[3].hlc = clock_back[2].hlc;
        clock_back[4].prev = clock_back[3].hash();
        let resealed = Seal::sign(&key, TENANT, NODE, EventSeq(5), clock_back[4].hash());
        let mut verifier = ChainVerifier::new(TENANT, NODE, key.verifying_key(), vec![resealed], None).unwrap();
        let outcome = clock_back.iter().try_for_each(|event| verifier.push(event.as_ref()).map(|_| ()));
        assert_eq!(outcome, Err(ChainFault::ClockWentBack { seq: EventSeq(4) }));

        let other = SigningKey::from_bytes(&[10; 32]);
        let forged = Seal::sign(&other, TENANT, NODE, EventSeq(5), honest[4].hash());
        let result = ChainVerifier::new(TENANT, NODE, key.verifying_key(), vec![forged], None).map(|_| ());
        assert_eq!(result, Err(ChainFault::BadSeal { seq: EventSeq(5) }));
    }

    /// Past an event altered after its seal the check goes on from what the seal names, so that
    /// two altered sealed events are both found and the chain between and after them is sound;
    /// an unsealed altered event cannot be gone past.
    #[test]
    fn the_check_goes_on_past_an_altered_sealed_event() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let honest = chain(6);
        let seals: Vec<Seal> = [2u64, 4, 6]
            .iter()
            .map(|&seq| Seal::sign(&key, TENANT, NODE, EventSeq(seq), honest[seq as usize - 1].hash()))
            .collect();
        let mut altered = honest.clone();
        altered[1].payload = vec![98];
        altered[3].payload = vec![99];
        let mut verifier = ChainVerifier::new(TENANT, NODE, key.verifying_key(), seals.clone(), None).unwrap();
        let mut found = Vec::new();
        for event in &altered {
            if let Err(fault) = verifier.push(event.as_ref()) {
                let ChainFault::AlteredAfterSeal { seq } = fault else { panic!("{fault:?}") };
                assert!(verifier.go_on_past_altered(seq));
                found.push(seq.0);
            }
        }
        assert_eq!(found, [2, 4]);
        assert_eq!(verifier.finish().map(|summary| summary.events), Ok(6));

        // The last sealed event altered, where the anchor points: named, and not taken for a
        // truncation.
        let anchor = Seal::sign(&key, TENANT, NODE, EventSeq(6), honest[5].hash());
        let mut last_altered = honest.clone();
        last_altered[5].payload = vec![96];
        let mut verifier = ChainVerifier::new(TENANT, NODE, key.verifying_key(), seals.clone(), Some(anchor)).unwrap();
        for event in &last_altered[..5] {
            verifier.push(event.as_ref()).unwrap();
        }
        assert_eq!(verifier.push(last_altered[5].as_ref()), Err(ChainFault::AlteredAfterSeal { seq: EventSeq(6) }));
        assert!(verifier.go_on_past_altered(EventSeq(6)));
        assert_eq!(verifier.finish().map(|summary| summary.events), Ok(6));

        let mut unsealed = honest.clone();
        unsealed[2].payload = vec![97];
        let mut verifier = ChainVerifier::new(TENANT, NODE, key.verifying_key(), seals, None).unwrap();
        for event in &unsealed[..3] {
            verifier.push(event.as_ref()).unwrap();
        }
        assert_eq!(verifier.push(unsealed[3].as_ref()), Err(ChainFault::BrokenLink { seq: EventSeq(4) }));
        assert!(!verifier.go_on_past_altered(EventSeq(3)), "no seal names event 3");
    }

    /// The checks mutation testing found untested: an event again at a place already checked,
    /// the format versions read, the head and key the verifier reports, and an anchor that names
    /// another event than the seal at an altered place.
    #[test]
    fn places_versions_head_and_anchor_at_their_edges() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let honest = chain(4);
        let seals: Vec<Seal> = [2u64, 4]
            .iter()
            .map(|&seq| Seal::sign(&key, TENANT, NODE, EventSeq(seq), honest[seq as usize - 1].hash()))
            .collect();
        let new = || ChainVerifier::new(TENANT, NODE, key.verifying_key(), seals.clone(), None).unwrap();

        let mut verifier = new();
        verifier.push(honest[0].as_ref()).unwrap();
        verifier.push(honest[1].as_ref()).unwrap();
        assert_eq!(verifier.head(), (EventSeq(2), honest[1].hash()));
        assert_eq!(verifier.key(), &key.verifying_key());
        assert_eq!(
            verifier.push(honest[1].as_ref()),
            Err(ChainFault::BrokenLink { seq: EventSeq(3) }),
            "event 2 again"
        );
        assert_eq!(verifier.push(honest[0].as_ref()), Err(ChainFault::BrokenLink { seq: EventSeq(3) }));

        for version in [0, FORMAT_VERSION + 1] {
            let mut event = honest[0].clone();
            event.version = version;
            assert_eq!(
                new().push(event.as_ref()),
                Err(ChainFault::UnsupportedVersion { seq: EventSeq(1), version }),
                "version {version}"
            );
        }
        assert!(new().push(honest[0].as_ref()).is_ok(), "the current version is read");

        // An anchor at the altered place naming another event than its seal: the chain was
        // rewritten and signed again, which going on past the altered event must not hide.
        let other = Seal::sign(&key, TENANT, NODE, EventSeq(2), Hash32([5; 32]));
        let mut verifier = ChainVerifier::new(TENANT, NODE, key.verifying_key(), seals.clone(), Some(other)).unwrap();
        let mut altered = honest.clone();
        altered[1].payload = vec![90];
        verifier.push(altered[0].as_ref()).unwrap();
        assert_eq!(verifier.push(altered[1].as_ref()), Err(ChainFault::AlteredAfterSeal { seq: EventSeq(2) }));
        assert!(verifier.go_on_past_altered(EventSeq(2)));
        for event in &altered[2..] {
            verifier.push(event.as_ref()).unwrap();
        }
        assert_eq!(verifier.finish(), Err(ChainFault::Truncated { last: EventSeq(4), anchored: EventSeq(2) }));
    }
}
