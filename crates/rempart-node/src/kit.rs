//! The recovery kit: what restores a lost device from the hub alone, and how an admin device
//! shows it again.

use rempart_log::{Hash32, TenantId};
use rempart_store::Store;
use rempart_sync::{RecoverySecret, Role, RosterMark};

use crate::{NodeError, Session};

/// The recovery kit: the recovery secret (its 24 words) and the company it opens, named by its
/// id and by the hash of its roster's genesis, so that the kit accepts only its own company's
/// roster, whatever a hub serves; and the roster as it was when the kit was made, so that a hub
/// serving less of it (a revocation hidden) is refused.
#[derive(Clone)]
pub struct Kit {
    pub tenant: TenantId,
    pub genesis: Hash32,
    pub roster: RosterMark,
    pub secret: RecoverySecret,
}

impl std::fmt::Debug for Kit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kit(tenant {}, genesis {}, roster {})", self.tenant, self.genesis, self.roster.len)
    }
}

impl Session {
    /// The kit of `secret` for this company, as its roster stands now.
    pub(crate) fn kit_of(&self, secret: RecoverySecret) -> Kit {
        Kit { tenant: self.secrets.tenant, genesis: self.roster.genesis(), roster: self.roster.mark(), secret }
    }

    /// The company's current recovery kit, from an admin device that holds its secret: to print
    /// it again (a revocation whose kit was not shown, a kit worn out). Refused elsewhere.
    pub fn kit(&self, store: &Store) -> Result<Kit, NodeError> {
        let me = store.node();
        let admin = self.roster.member(me).is_some_and(|m| m.role == Role::Admin) && self.roster.is_active(me);
        match &self.secrets.recovery {
            Some(secret) if admin && secret.wrap_secret().public() == self.roster.recovery().wrap => {
                Ok(self.kit_of(secret.clone()))
            }
            _ => Err(NodeError::NotAdmin),
        }
    }
}
