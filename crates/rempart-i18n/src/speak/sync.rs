//! The errors of the sync protocol (keys, recovery kit, batches, signed requests, roster, the hub API) in the reader's language.

use crate::Lang;

use super::Speak;

impl Speak for rempart_sync::api::RouteError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::api::RouteError::UnknownPath { method, path } => {
                lang.fill("err.route.unknown_path", &[("method", method), ("path", path)])
            }
            rempart_sync::api::RouteError::BadTenant { text } => lang.fill("err.route.bad_tenant", &[("text", text)]),
            rempart_sync::api::RouteError::UnknownEndpoint { method, target, .. } => {
                lang.fill("err.route.unknown_endpoint", &[("method", method), ("target", target)])
            }
            rempart_sync::api::RouteError::BadNode { text, .. } => lang.fill("err.route.bad_node", &[("text", text)]),
            rempart_sync::api::RouteError::BadInvite { .. } => lang.text("err.route.bad_invite").to_owned(),
            rempart_sync::api::RouteError::BadNumber { name, text, .. } => {
                lang.fill("err.route.bad_number", &[("name", name), ("text", text)])
            }
        }
    }
}

impl Speak for rempart_sync::AuthError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::AuthError::BadSigner { text } => lang.fill("err.auth.bad_signer", &[("text", text)]),
            rempart_sync::AuthError::NotSigned => lang.text("err.auth.not_signed").to_owned(),
            rempart_sync::AuthError::BadTime => lang.text("err.auth.bad_time").to_owned(),
            rempart_sync::AuthError::BadNonce => lang.text("err.auth.bad_nonce").to_owned(),
            rempart_sync::AuthError::BadSignature => lang.text("err.auth.bad_signature").to_owned(),
            rempart_sync::AuthError::Skew { skew_ms } => lang.fill(
                "err.auth.skew",
                &[("skew_ms", &(skew_ms / 1000)), ("request_skew_ms", &(rempart_sync::auth::REQUEST_SKEW_MS / 1000))],
            ),
            rempart_sync::AuthError::SignatureRefused => lang.text("err.auth.signature_refused").to_owned(),
        }
    }
}

impl Speak for rempart_sync::checkpoint::CheckpointError {
    fn speak(&self, lang: Lang) -> String {
        use rempart_sync::checkpoint::CheckpointError;
        match self {
            CheckpointError::Truncated => lang.text("err.checkpoint.truncated").to_owned(),
            CheckpointError::NotACheckpoint => lang.text("err.checkpoint.not_a_checkpoint").to_owned(),
            CheckpointError::Version { found } => lang.fill("err.checkpoint.version", &[("found", found)]),
            CheckpointError::Header => lang.text("err.checkpoint.header").to_owned(),
            CheckpointError::NotSignedBy { node } => {
                lang.fill("err.checkpoint.not_signed_by", &[("node", &node.short())])
            }
            CheckpointError::Altered => lang.text("err.checkpoint.altered").to_owned(),
        }
    }
}

impl Speak for rempart_sync::BatchError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::BatchError::Truncated => lang.text("err.batch.truncated").to_owned(),
            rempart_sync::BatchError::NotABatch => lang.text("err.batch.not_a_batch").to_owned(),
            rempart_sync::BatchError::Version { found } => lang
                .fill("err.batch.version", &[("found", found), ("BATCH_VERSION", &rempart_sync::batch::BATCH_VERSION)]),
            rempart_sync::BatchError::EmptyRange => lang.text("err.batch.empty_range").to_owned(),
            rempart_sync::BatchError::RangeTooFar => lang.text("err.batch.range_too_far").to_owned(),
            rempart_sync::BatchError::EmptyRoster => lang.text("err.batch.empty_roster").to_owned(),
            rempart_sync::BatchError::ClockReversed => lang.text("err.batch.clock_reversed").to_owned(),
            rempart_sync::BatchError::NoEvents => lang.text("err.batch.no_events").to_owned(),
            rempart_sync::BatchError::TooLarge { bytes } => lang.fill(
                "err.batch.too_large",
                &[("bytes", bytes), ("CIPHERTEXT_BYTES_MAX", &rempart_sync::batch::CIPHERTEXT_BYTES_MAX)],
            ),
            rempart_sync::BatchError::NotEncrypted => lang.text("err.batch.not_encrypted").to_owned(),
            rempart_sync::BatchError::NotKept => lang.text("err.batch.not_kept").to_owned(),
            rempart_sync::BatchError::KeptTruncated => lang.text("err.batch.kept_truncated").to_owned(),
            rempart_sync::BatchError::KeptSeenTruncated => lang.text("err.batch.kept_seen_truncated").to_owned(),
            rempart_sync::BatchError::KeptTrailing => lang.text("err.batch.kept_trailing").to_owned(),
            rempart_sync::BatchError::KeptEpoch { batch, key } => {
                lang.fill("err.batch.kept_epoch", &[("batch", batch), ("key", key)])
            }
            rempart_sync::BatchError::KeptNotHeld { first, last } => {
                lang.fill("err.batch.kept_not_held", &[("first", first), ("last", last)])
            }
            rempart_sync::BatchError::KeptNotEncrypted => lang.text("err.batch.kept_not_encrypted").to_owned(),
            rempart_sync::BatchError::KeptAltered { first, last } => {
                lang.fill("err.batch.kept_altered", &[("first", first), ("last", last)])
            }
            rempart_sync::BatchError::OverLimit => lang.text("err.batch.over_limit").to_owned(),
            rempart_sync::BatchError::LengthMismatch { announced, found } => {
                lang.fill("err.batch.length_mismatch", &[("announced", announced), ("found", found)])
            }
            rempart_sync::BatchError::CiphertextMismatch => lang.text("err.batch.ciphertext_mismatch").to_owned(),
            rempart_sync::BatchError::Epoch { batch, key } => {
                lang.fill("err.batch.epoch", &[("batch", batch), ("key", key)])
            }
            rempart_sync::BatchError::NotSignedBy { node } => lang.fill("err.batch.not_signed_by", &[("node", node)]),
            rempart_sync::BatchError::NotDecrypted => lang.text("err.batch.not_decrypted").to_owned(),
            rempart_sync::BatchError::Inside(value0) => {
                lang.fill("err.batch.inside", &[("value", &value0.speak(lang))])
            }
        }
    }
}

impl Speak for rempart_sync::Inside {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::Inside::Empty => lang.text("err.inside.empty").to_owned(),
            rempart_sync::Inside::ShorterThanSaid => lang.text("err.inside.shorter_than_said").to_owned(),
            rempart_sync::Inside::NoEventCount => lang.text("err.inside.no_event_count").to_owned(),
            rempart_sync::Inside::EventCount { found, announced } => {
                lang.fill("err.inside.event_count", &[("found", found), ("announced", announced)])
            }
            rempart_sync::Inside::Truncated => lang.text("err.inside.truncated").to_owned(),
            rempart_sync::Inside::UnreadableEvent { source } => {
                lang.fill("err.inside.unreadable_event", &[("source", &source.speak(lang))])
            }
            rempart_sync::Inside::OutsideClock { seq } => lang.fill("err.inside.outside_clock", &[("seq", seq)]),
            rempart_sync::Inside::NoSealCount => lang.text("err.inside.no_seal_count").to_owned(),
            rempart_sync::Inside::SealsTruncated => lang.text("err.inside.seals_truncated").to_owned(),
            rempart_sync::Inside::UnreadableSeal { source } => {
                lang.fill("err.inside.unreadable_seal", &[("source", &source.speak(lang))])
            }
            rempart_sync::Inside::SealOutside { seq } => lang.fill("err.inside.seal_outside", &[("seq", seq)]),
            rempart_sync::Inside::SeenTruncated => lang.text("err.inside.seen_truncated").to_owned(),
            rempart_sync::Inside::Trailing => lang.text("err.inside.trailing").to_owned(),
            rempart_sync::Inside::Unchecked { source } => {
                lang.fill("err.inside.unchecked", &[("source", &source.speak(lang))])
            }
            rempart_sync::Inside::BrokenChain { source } => {
                lang.fill("err.inside.broken_chain", &[("source", &source.speak(lang))])
            }
            rempart_sync::Inside::OtherHead => lang.text("err.inside.other_head").to_owned(),
            rempart_sync::Inside::SealNamesOther { seq } => lang.fill("err.inside.seal_names_other", &[("seq", seq)]),
        }
    }
}

impl Speak for rempart_sync::KitError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::KitError::WordCount { count } => lang.fill("err.kit.word_count", &[("count", count)]),
            rempart_sync::KitError::UnknownWord { index, word } => {
                lang.fill("err.kit.unknown_word", &[("index", &(index + 1)), ("word", word)])
            }
            rempart_sync::KitError::Checksum => lang.text("err.kit.checksum").to_owned(),
            rempart_sync::KitError::Unreadable { cause } => lang.fill("err.kit.unreadable", &[("cause", cause)]),
            rempart_sync::KitError::Entropy { .. } => lang.text("err.kit.entropy").to_owned(),
        }
    }
}

impl Speak for rempart_sync::KeyError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::KeyError::UnusableRecipient => lang.text("err.key.unusable_recipient").to_owned(),
            rempart_sync::KeyError::WrapRefused { to } => lang.fill("err.key.wrap_refused", &[("to", &(to.label()))]),
            rempart_sync::KeyError::InvitationRefused => lang.text("err.key.invitation_refused").to_owned(),
        }
    }
}

impl Speak for rempart_sync::SyncError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::SyncError::Key(value0) => value0.speak(lang),
            rempart_sync::SyncError::Kit(value0) => lang.fill("err.sync.kit", &[("value", &value0.speak(lang))]),
            rempart_sync::SyncError::Roster(value0) => lang.fill("err.sync.roster", &[("value", &value0.speak(lang))]),
            rempart_sync::SyncError::Batch(value0) => lang.fill("err.sync.batch", &[("value", &value0.speak(lang))]),
            rempart_sync::SyncError::Checkpoint(value0) => value0.speak(lang),
            rempart_sync::SyncError::Auth(value0) => value0.speak(lang),
        }
    }
}

impl Speak for rempart_sync::roster::RosterError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::roster::RosterError::Empty => lang.text("err.roster.empty").to_owned(),
            rempart_sync::roster::RosterError::Unreadable { position } => {
                lang.fill("err.roster.unreadable", &[("position", position)])
            }
            rempart_sync::roster::RosterError::FirstNotGenesis => lang.text("err.roster.first_not_genesis").to_owned(),
            rempart_sync::roster::RosterError::OtherTenant { position } => {
                lang.fill("err.roster.other_tenant", &[("position", position)])
            }
            rempart_sync::roster::RosterError::OutOfPlace { position } => {
                lang.fill("err.roster.out_of_place", &[("position", position)])
            }
            rempart_sync::roster::RosterError::SecondGenesis { position } => {
                lang.fill("err.roster.second_genesis", &[("position", position)])
            }
            rempart_sync::roster::RosterError::WrongSigner { position } => {
                lang.fill("err.roster.wrong_signer", &[("position", position)])
            }
            rempart_sync::roster::RosterError::NotActiveAdmin { position, signer } => {
                lang.fill("err.roster.not_active_admin", &[("position", position), ("signer", signer)])
            }
            rempart_sync::roster::RosterError::NotActiveDevice { position, signer } => {
                lang.fill("err.roster.not_active_device", &[("position", position), ("signer", signer)])
            }
            rempart_sync::roster::RosterError::BadSignature { position } => {
                lang.fill("err.roster.bad_signature", &[("position", position)])
            }
            rempart_sync::roster::RosterError::WithoutProof { position, of } => {
                lang.fill("err.roster.without_proof", &[("position", position), ("of", of)])
            }
            rempart_sync::roster::RosterError::BadProof { position, of } => {
                lang.fill("err.roster.bad_proof", &[("of", of), ("position", position)])
            }
            rempart_sync::roster::RosterError::InvalidKey { position } => {
                lang.fill("err.roster.invalid_key", &[("position", position)])
            }
            rempart_sync::roster::RosterError::UnknownInvitation { position } => {
                lang.fill("err.roster.unknown_invitation", &[("position", position)])
            }
            rempart_sync::roster::RosterError::InvitationReused { position } => {
                lang.fill("err.roster.invitation_reused", &[("position", position)])
            }
            rempart_sync::roster::RosterError::InvitationExpired { position } => {
                lang.fill("err.roster.invitation_expired", &[("position", position)])
            }
            rempart_sync::roster::RosterError::InvitationRepeated { position } => {
                lang.fill("err.roster.invitation_repeated", &[("position", position)])
            }
            rempart_sync::roster::RosterError::InvitationTooLong { position } => {
                lang.fill("err.roster.invitation_too_long", &[("position", position)])
            }
            rempart_sync::roster::RosterError::EnrolledTwice { position, device } => {
                lang.fill("err.roster.enrolled_twice", &[("position", position), ("device", device)])
            }
            rempart_sync::roster::RosterError::ShortIdTaken { position, device, other } => {
                lang.fill("err.roster.short_id_taken", &[("position", position), ("device", device), ("other", other)])
            }
            rempart_sync::roster::RosterError::SuccessorAlready { position, device } => {
                lang.fill("err.roster.successor_already", &[("position", position), ("device", device)])
            }
            rempart_sync::roster::RosterError::SuccessorsLeftOut { position, device } => {
                lang.fill("err.roster.successors_left_out", &[("position", position), ("device", device)])
            }
            rempart_sync::roster::RosterError::EpochSkipped { position } => {
                lang.fill("err.roster.epoch_skipped", &[("position", position)])
            }
            rempart_sync::roster::RosterError::RevokesNoActiveDevice { position } => {
                lang.fill("err.roster.revokes_no_active_device", &[("position", position)])
            }
            rempart_sync::roster::RosterError::AdminRevokedWithoutNewRecovery { position, device } => lang
                .fill("err.roster.admin_revoked_without_new_recovery", &[("position", position), ("device", device)]),
            rempart_sync::roster::RosterError::BackInTime { position } => {
                lang.fill("err.roster.back_in_time", &[("position", position)])
            }
            rempart_sync::roster::RosterError::KeyReused { position } => {
                lang.fill("err.roster.key_reused", &[("position", position)])
            }
            rempart_sync::roster::RosterError::BadSeries { position } => {
                lang.fill("err.roster.bad_series", &[("position", position)])
            }
            rempart_sync::roster::RosterError::SeriesTaken { position, series } => {
                lang.fill("err.roster.series_taken", &[("position", position), ("series", series)])
            }
        }
    }
}
