//! Identifiers of the log: tenants, nodes, sequence numbers and hashes. Ids are random 128-bit
//! values drawn by the edge that creates them, shown as lower-case hex.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{text}\" is not a valid {what}: expected {hex_len} hexadecimal digits")]
pub struct IdError {
    pub text: String,
    pub what: IdKind,
    pub hex_len: usize,
}

/// Which kind of id a text failed to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Tenant,
    Node,
    Hash,
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::Tenant => "tenant id",
            IdKind::Node => "node id",
            IdKind::Hash => "hash",
        })
    }
}

fn parse_hex<const N: usize>(text: &str, what: IdKind) -> Result<[u8; N], IdError> {
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).map_err(|_| IdError { text: text.to_owned(), what, hex_len: N * 2 })?;
    Ok(out)
}

macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident, $len:literal, $what:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            pub fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                parse_hex(text, $what).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.to_hex())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.to_hex())
            }
        }
    };
}

hex_id!(
    /// One company's books.
    TenantId, 16, IdKind::Tenant
);
hex_id!(
    /// One device or site of a tenant, with its own chain and signing key.
    NodeId, 16, IdKind::Node
);
hex_id!(
    /// A BLAKE3 digest.
    Hash32, 32, IdKind::Hash
);

impl Hash32 {
    /// The previous-hash of a node's first event.
    pub const ZERO: Hash32 = Hash32([0; 32]);
}

impl NodeId {
    /// The first eight hex digits, enough for people to tell a company's nodes apart.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..4])
    }
}

/// Position of an event in its node's chain, contiguous from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct EventSeq(pub u64);

impl EventSeq {
    pub fn next(self) -> EventSeq {
        EventSeq(self.0 + 1)
    }
}

impl fmt::Display for EventSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_hex() {
        let node = NodeId::from_bytes([0xab; 16]);
        assert_eq!(node.to_string().parse::<NodeId>(), Ok(node));
        assert_eq!(node.short(), "abababab");
        assert!("xyz".parse::<TenantId>().is_err());
        assert!("ab".parse::<TenantId>().is_err());
        let json = serde_json::to_string(&node).unwrap();
        assert_eq!(json, format!("\"{node}\""));
        assert_eq!(serde_json::from_str::<NodeId>(&json).unwrap(), node);
        assert!(serde_json::from_str::<NodeId>("\"abab\"").is_err());
    }
}
