//! Version vectors: how far each node's chain is known, `{node: (seq, head hash)}`.
//!
//! Two holders of a tenant's data compare their vectors to find what one lacks, and to catch a
//! hub that withholds batches or serves an old state: when a peer has seen a longer chain of some
//! node than the hub serves, the hub is behind or lying; when two holders name different hashes
//! for the same (node, seq), the chain has forked.

use std::collections::BTreeMap;

use rempart_log::{EventSeq, Hash32, NodeId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: EventSeq,
    pub hash: Hash32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionVector(pub BTreeMap<NodeId, Head>);

/// How one vector stands against another for one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The other holds more of this node's chain, from `from` on.
    Behind { from: EventSeq },
    /// This holds more, from `from` on.
    Ahead { from: EventSeq },
    /// Both claim different heads where both should agree: only one of them can be the node's.
    Diverged,
}

impl VersionVector {
    pub fn get(&self, node: NodeId) -> Option<Head> {
        self.0.get(&node).copied()
    }

    pub fn seq(&self, node: NodeId) -> EventSeq {
        self.0.get(&node).map_or(EventSeq(0), |head| head.seq)
    }

    pub fn set(&mut self, node: NodeId, head: Head) {
        self.0.insert(node, head);
    }

    /// Total events covered.
    pub fn total(&self) -> u64 {
        self.0.values().map(|head| head.seq.0).sum()
    }

    /// Where this vector and `other` differ, node by node. When both name the same sequence with
    /// different hashes they have diverged; a shorter chain cannot be checked against a longer
    /// one from heads alone, so that case is `Behind`/`Ahead` and the batches themselves are
    /// checked for continuity when they move.
    pub fn compare(&self, other: &VersionVector) -> BTreeMap<NodeId, Standing> {
        let mut out = BTreeMap::new();
        for node in self.0.keys().chain(other.0.keys()) {
            let mine = self.get(*node);
            let theirs = other.get(*node);
            let mine_seq = mine.map_or(0, |h| h.seq.0);
            let theirs_seq = theirs.map_or(0, |h| h.seq.0);
            let standing = if mine_seq < theirs_seq {
                Standing::Behind { from: EventSeq(mine_seq + 1) }
            } else if mine_seq > theirs_seq {
                Standing::Ahead { from: EventSeq(theirs_seq + 1) }
            } else if mine.map(|h| h.hash) != theirs.map(|h| h.hash) {
                Standing::Diverged
            } else {
                continue;
            };
            out.insert(*node, standing);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(seq: u64, tag: u8) -> Head {
        Head { seq: EventSeq(seq), hash: Hash32([tag; 32]) }
    }

    #[test]
    fn vectors_name_what_each_side_lacks_and_where_they_disagree() {
        let (a, b, c) = (NodeId::from_bytes([1; 16]), NodeId::from_bytes([2; 16]), NodeId::from_bytes([3; 16]));
        let mut mine = VersionVector::default();
        mine.set(a, head(10, 1));
        mine.set(b, head(4, 2));
        mine.set(c, head(7, 3));
        let mut hub = VersionVector::default();
        hub.set(a, head(12, 9));
        hub.set(c, head(7, 4));
        let standings = mine.compare(&hub);
        assert_eq!(standings.get(&a), Some(&Standing::Behind { from: EventSeq(11) }));
        assert_eq!(standings.get(&b), Some(&Standing::Ahead { from: EventSeq(1) }));
        assert_eq!(standings.get(&c), Some(&Standing::Diverged));
        assert_eq!(mine.total(), 21);
        assert!(mine.compare(&mine.clone()).is_empty());
        let json = serde_json::to_string(&mine).unwrap();
        assert_eq!(serde_json::from_str::<VersionVector>(&json).unwrap(), mine);
    }
}
