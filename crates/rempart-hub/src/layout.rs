//! Where the hub keeps what in its object store: every key and prefix, defined here only.
//!
//! Per tenant, `t/<tenant>/`:
//!
//! ```text
//! roster/<seq:020>            one roster entry (JSON), create-only
//! b/<node>/<first_seq:020>    one batch, create-only; batches of a node chain without gap or overlap
//! wraps/<name>                a key wrap (JSON), create-only
//! invites/<id>                a sealed invitation, create-only; removed once used, expired or closed
//! damaged/<blake3>            a stored batch found damaged, set apart as evidence
//! ```
//!
//! And hub-wide:
//!
//! ```text
//! hub/identity                16 random bytes, created once: the hub's identity, which request
//!                             signatures cover (a copy of the storage meant as another hub drops it)
//! admission/<hash>            a one-time admission token the operator issued (`rempart hub token`),
//!                             named by a keyed hash of it; `admission/<hash>.used` marks it used
//! seen/<tenant>               the genesis hash of each company the hub admitted: the id cannot be
//!                             taken by another roster, and the count caps the companies
//! ```

use rempart_log::{Hash32, NodeId, TenantId};

/// Where a hub keeps its identity.
pub(crate) const IDENTITY_KEY: &str = "hub/identity";

/// Every company's objects.
pub(crate) const TENANTS_PREFIX: &str = "t/";

/// The companies the hub admitted.
pub(crate) const SEEN_PREFIX: &str = "seen/";

/// One company's objects.
pub fn tenant_prefix(tenant: TenantId) -> String {
    format!("{TENANTS_PREFIX}{tenant}/")
}

pub(crate) fn roster_prefix(tenant: TenantId) -> String {
    format!("{}roster/", tenant_prefix(tenant))
}

pub(crate) fn roster_key(tenant: TenantId, seq: u64) -> String {
    format!("{}{seq:020}", roster_prefix(tenant))
}

/// The batches of every node of a company.
pub(crate) fn batches_prefix(tenant: TenantId) -> String {
    format!("{}b/", tenant_prefix(tenant))
}

/// The batches of one node.
pub(crate) fn batch_prefix(tenant: TenantId, node: NodeId) -> String {
    format!("{}{node}/", batches_prefix(tenant))
}

/// A batch, under its first sequence number.
pub(crate) fn batch_key(tenant: TenantId, node: NodeId, first: u64) -> String {
    format!("{}{first:020}", batch_prefix(tenant, node))
}

/// The first sequence number a batch's key names.
pub(crate) fn first_seq_of_key(key: &str) -> Option<u64> {
    // Exactly as `batch_key` writes it: twenty digits. Another name (`...0001a`, `1`) planted
    // among the batches is no batch.
    let last = key.rsplit('/').next()?;
    if last.len() != 20 || !last.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Events are numbered from 1: no batch starts at 0.
    last.parse().ok().filter(|first| *first > 0)
}

/// Where the key wrap named `name` of a company is kept.
pub fn wrap_key(tenant: TenantId, name: &str) -> String {
    format!("{}wraps/{name}", tenant_prefix(tenant))
}

pub(crate) fn invite_key(tenant: TenantId, id: Hash32) -> String {
    format!("{}invites/{id}", tenant_prefix(tenant))
}

/// Where a damaged batch is set apart: named by the hash of its bytes.
pub(crate) fn damaged_key(tenant: TenantId, bytes: &[u8]) -> String {
    format!("{}damaged/{}", tenant_prefix(tenant), Hash32(*blake3::hash(bytes).as_bytes()).to_hex())
}

/// An admission token, named by its keyed hash.
pub(crate) fn admission_key(digest: &[u8; 32]) -> String {
    format!("admission/{}", hex::encode(digest))
}

/// The mark that an admission token was spent.
pub(crate) fn admission_used_key(key: &str) -> String {
    format!("{key}.used")
}

/// The genesis hash of a company the hub admitted.
pub(crate) fn seen_key(tenant: TenantId) -> String {
    format!("{SEEN_PREFIX}{tenant}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_laid_out_as_documented() {
        let tenant = TenantId::from_bytes([1; 16]);
        let node = NodeId::from_bytes([2; 16]);
        assert_eq!(tenant_prefix(tenant), format!("t/{tenant}/"));
        assert_eq!(roster_key(tenant, 7), format!("t/{tenant}/roster/00000000000000000007"));
        assert_eq!(batch_prefix(tenant, node), format!("t/{tenant}/b/{node}/"));
        assert_eq!(batch_key(tenant, node, 12), format!("t/{tenant}/b/{node}/00000000000000000012"));
        assert_eq!(first_seq_of_key(&batch_key(tenant, node, 12)), Some(12));
        assert_eq!(wrap_key(tenant, "e1-recovery-g0"), format!("t/{tenant}/wraps/e1-recovery-g0"));
        assert_eq!(invite_key(tenant, Hash32([3; 32])), format!("t/{tenant}/invites/{}", Hash32([3; 32])));
        assert_eq!(seen_key(tenant), format!("seen/{tenant}"));
        assert_eq!(admission_used_key(&admission_key(&[0; 32])), format!("admission/{}.used", "00".repeat(32)));
    }
}
