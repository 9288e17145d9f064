//! The errors of the event log in the reader's language.

use crate::Lang;

use super::Speak;

impl Speak for rempart_log::ChainFault {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_log::ChainFault::WrongTenant { seq } => lang.fill("err.chain_fault.wrong_tenant", &[("seq", seq)]),
            rempart_log::ChainFault::WrongNode { seq } => lang.fill("err.chain_fault.wrong_node", &[("seq", seq)]),
            rempart_log::ChainFault::UnsupportedVersion { seq, version } => {
                lang.fill("err.chain_fault.unsupported_version", &[("seq", seq), ("version", version)])
            }
            rempart_log::ChainFault::ClockWentBack { seq } => {
                lang.fill("err.chain_fault.clock_went_back", &[("seq", seq)])
            }
            rempart_log::ChainFault::Missing { from, to } => {
                lang.fill("err.chain_fault.missing", &[("from", from), ("to", to)])
            }
            rempart_log::ChainFault::BrokenLink { seq } => {
                lang.fill("err.chain_fault.broken_link", &[("before", &seq.0.saturating_sub(1)), ("seq", seq)])
            }
            rempart_log::ChainFault::AlteredAfterSeal { seq } => {
                lang.fill("err.chain_fault.altered_after_seal", &[("seq", seq)])
            }
            rempart_log::ChainFault::BadSeal { seq } => lang.fill("err.chain_fault.bad_seal", &[("seq", seq)]),
            rempart_log::ChainFault::SealBeyondEnd { seq, last } => {
                lang.fill("err.chain_fault.seal_beyond_end", &[("seq", seq), ("last", last)])
            }
            rempart_log::ChainFault::Unsealed { from } => lang.fill("err.chain_fault.unsealed", &[("from", from)]),
            rempart_log::ChainFault::Truncated { last, anchored } => {
                lang.fill("err.chain_fault.truncated", &[("last", last), ("anchored", anchored)])
            }
            rempart_log::ChainFault::AnchorMismatch { seq } => {
                lang.fill("err.chain_fault.anchor_mismatch", &[("seq", seq)])
            }
            rempart_log::ChainFault::BadAnchor => lang.text("err.chain_fault.bad_anchor").to_owned(),
        }
    }
}

impl Speak for rempart_log::IdError {
    fn speak(&self, lang: Lang) -> String {
        let rempart_log::IdError { text, what, hex_len } = self;
        let key = match what {
            rempart_log::IdKind::Tenant => "err.id.tenant",
            rempart_log::IdKind::Node => "err.id.node",
            rempart_log::IdKind::Hash => "err.id.hash",
        };
        lang.fill(key, &[("text", text), ("hex_len", hex_len)])
    }
}

impl Speak for rempart_log::DecodeError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_log::DecodeError::Truncated => lang.text("err.decode.truncated").to_owned(),
            rempart_log::DecodeError::BadMagic => lang.text("err.decode.bad_magic").to_owned(),
            rempart_log::DecodeError::NewerVersion { found } => lang.fill(
                "err.decode.newer_version",
                &[("found", found), ("FORMAT_VERSION", &rempart_log::FORMAT_VERSION)],
            ),
            rempart_log::DecodeError::BadKind => {
                lang.fill("err.decode.bad_kind", &[("KIND_BYTES_MAX", &rempart_log::KIND_BYTES_MAX)])
            }
            rempart_log::DecodeError::PayloadTooLarge => {
                lang.fill("err.decode.payload_too_large", &[("PAYLOAD_BYTES_MAX", &rempart_log::PAYLOAD_BYTES_MAX)])
            }
            rempart_log::DecodeError::TrailingBytes { count } => {
                lang.fill("err.decode.trailing_bytes", &[("count", count)])
            }
        }
    }
}

impl Speak for rempart_log::EventError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_log::EventError::BadKind { kind } => {
                lang.fill("err.event.bad_kind", &[("kind", kind), ("KIND_BYTES_MAX", &rempart_log::KIND_BYTES_MAX)])
            }
            rempart_log::EventError::PayloadTooLarge { bytes } => lang.fill(
                "err.event.payload_too_large",
                &[("bytes", bytes), ("PAYLOAD_BYTES_MAX", &rempart_log::PAYLOAD_BYTES_MAX)],
            ),
        }
    }
}
