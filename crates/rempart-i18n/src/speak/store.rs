//! The errors of the store (the data directory, its damage, sync's take-in refusals) in the reader's language.

use crate::Lang;

use super::Speak;

impl Speak for rempart_store::StoreError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_store::StoreError::NotInitialised { dir } => {
                lang.fill("err.store.not_initialised", &[("dir", &dir.display())])
            }
            rempart_store::StoreError::AlreadyInitialised { dir } => {
                lang.fill("err.store.already_initialised", &[("dir", &dir.display())])
            }
            rempart_store::StoreError::InitInterrupted { dir } => {
                lang.fill("err.store.init_interrupted", &[("dir", &dir.display())])
            }
            rempart_store::StoreError::Corrupt { what } => {
                lang.fill("err.store.corrupt", &[("what", &what.speak(lang))])
            }
            rempart_store::StoreError::NewerFormat { found, supported } => {
                lang.fill("err.store.newer_format", &[("found", found), ("supported", supported)])
            }
            rempart_store::StoreError::OlderProjections { found, current } => {
                lang.fill("err.store.older_projections", &[("found", found), ("current", current)])
            }
            rempart_store::StoreError::OtherTenant { database, directory } => {
                lang.fill("err.store.other_tenant", &[("database", database), ("directory", directory)])
            }
            rempart_store::StoreError::KeyMissing { path } => {
                lang.fill("err.store.key_missing", &[("path", &path.display())])
            }
            rempart_store::StoreError::KeyUnreadable { path, source } => {
                lang.fill("err.store.key_unreadable", &[("path", &path.display()), ("source", source)])
            }
            rempart_store::StoreError::KeyMalformed { path } => {
                lang.fill("err.store.key_malformed", &[("path", &path.display())])
            }
            rempart_store::StoreError::KeyMismatch => lang.text("err.store.key_mismatch").to_owned(),
            rempart_store::StoreError::Ledger(value0) => value0.speak(lang),
            rempart_store::StoreError::Contact(value0) => value0.speak(lang),
            rempart_store::StoreError::Item(value0) => value0.speak(lang),
            rempart_store::StoreError::Stock(value0) => value0.speak(lang),
            rempart_store::StoreError::Till(value0) => value0.speak(lang),
            rempart_store::StoreError::Closure(value0) => value0.speak(lang),
            rempart_store::StoreError::Loyalty(value0) => value0.speak(lang),
            rempart_store::StoreError::Replenish(value0) => value0.speak(lang),
            rempart_store::StoreError::VatMethod(value0) => value0.speak(lang),
            rempart_store::StoreError::Invoice(value0) => value0.speak(lang),
            rempart_store::StoreError::Quote(value0) => value0.speak(lang),
            rempart_store::StoreError::Vehicle(value0) => value0.speak(lang),
            rempart_store::StoreError::Payment(value0) => value0.speak(lang),
            rempart_store::StoreError::Bill(value0) => value0.speak(lang),
            rempart_store::StoreError::Dunning(value0) => value0.speak(lang),
            rempart_store::StoreError::User(value0) => value0.speak(lang),
            rempart_store::StoreError::Entry { position, id, source } => {
                lang.fill("err.store.entry", &[("position", position), ("id", id), ("source", &source.speak(lang))])
            }
            rempart_store::StoreError::Io { path, source } => {
                lang.fill("err.store.io", &[("path", &path.display()), ("source", source)])
            }
            rempart_store::StoreError::Sqlite(value0) => lang.fill("err.store.sqlite", &[("value", value0)]),
            rempart_store::StoreError::Event(value0) => value0.speak(lang),
            rempart_store::StoreError::Fact(value0) => lang.fill("err.store.fact", &[("value", &value0.speak(lang))]),
            rempart_store::StoreError::AnchorNotWritten { seq, source } => {
                lang.fill("err.store.anchor_not_written", &[("seq", seq), ("source", source)])
            }
            rempart_store::StoreError::SyncRefused { node, why } => {
                lang.fill("err.store.sync_refused", &[("node", node), ("why", &why.speak(lang))])
            }
            rempart_store::StoreError::Forked { node, seq } => {
                lang.fill("err.store.forked", &[("node", node), ("seq", seq)])
            }
            rempart_store::StoreError::CopyNotConfirmed => lang.text("err.store.copy_not_confirmed").to_owned(),
            rempart_store::StoreError::Random { source } => lang.fill("err.store.random", &[("source", source)]),
            rempart_store::StoreError::ClockExhausted => lang.text("err.store.clock_exhausted").to_owned(),
            rempart_store::StoreError::CheckEndedShort => lang.text("err.store.check_ended_short").to_owned(),
            rempart_store::StoreError::UnknownConflict { id } => lang.fill("err.store.unknown_conflict", &[("id", id)]),
        }
    }
}

impl Speak for rempart_store::Damage {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_store::Damage::IdentityUnreadable { detail } => lang.fill(
                "err.damage.identity_unreadable",
                &[("IDENTITY_FILE", &rempart_store::layout::IDENTITY_FILE), ("detail", detail)],
            ),
            rempart_store::Damage::NoNodeInMeta => lang.text("err.damage.no_node_in_meta").to_owned(),
            rempart_store::Damage::DatabaseMissing => lang.text("err.damage.database_missing").to_owned(),
            rempart_store::Damage::DatabaseUnreadable { detail } => {
                lang.fill("err.damage.database_unreadable", &[("detail", detail)])
            }
            rempart_store::Damage::NoSchemaVersion => lang.text("err.damage.no_schema_version").to_owned(),
            rempart_store::Damage::DatabaseUnnamed => lang.text("err.damage.database_unnamed").to_owned(),
            rempart_store::Damage::OtherNode => lang.text("err.damage.other_node").to_owned(),
            rempart_store::Damage::NoFirstEvent { node } => lang.fill("err.damage.no_first_event", &[("node", node)]),
            rempart_store::Damage::ProjectionsUnreadable { detail } => {
                lang.fill("err.damage.projections_unreadable", &[("detail", detail)])
            }
            rempart_store::Damage::NotADate { text } => lang.fill("err.damage.not_a_date", &[("text", text)]),
            rempart_store::Damage::NotACurrency { text } => lang.fill("err.damage.not_a_currency", &[("text", text)]),
            rempart_store::Damage::NotAnAnswer { text } => lang.fill("err.damage.not_an_answer", &[("text", text)]),
            rempart_store::Damage::NotAVatMove { text } => lang.fill("err.damage.not_a_vat_move", &[("text", text)]),
            rempart_store::Damage::SnapshotMalformed => lang.text("err.damage.snapshot_malformed").to_owned(),
            rempart_store::Damage::PathNotText { path } => lang.fill("err.damage.path_not_text", &[("path", path)]),
            rempart_store::Damage::ArchiveUnmatched { kind, number } => {
                let document = lang.fill("verify.archive.document", &[("kind", kind), ("number", number)]);
                lang.fill("err.damage.archive_unmatched", &[("document", &document)])
            }
            rempart_store::Damage::UnknownAccount { account } => {
                lang.fill("err.damage.unknown_account", &[("account", account)])
            }
            rempart_store::Damage::EntryWithoutEvent { id } => {
                lang.fill("err.damage.entry_without_event", &[("id", id)])
            }
            rempart_store::Damage::WrongLength { what } => {
                lang.fill("err.damage.wrong_length", &[("what", &what.speak(lang))])
            }
            rempart_store::Damage::EventMissing { node, seq } => {
                lang.fill("err.damage.event_missing", &[("seq", seq), ("node", node)])
            }
            rempart_store::Damage::SealMismatch { seq } => lang.fill("err.damage.seal_mismatch", &[("seq", seq)]),
            rempart_store::Damage::CloseVector { detail } => {
                lang.fill("err.damage.close_vector", &[("detail", detail)])
            }
            rempart_store::Damage::EventUnreadable { detail } => {
                lang.fill("err.damage.event_unreadable", &[("detail", detail)])
            }
            rempart_store::Damage::SettingUnreadable { key, detail } => {
                lang.fill("err.damage.setting_unreadable", &[("key", key), ("detail", detail)])
            }
            rempart_store::Damage::UserUnreadable { user } => {
                lang.fill("err.damage.user_unreadable", &[("user", user)])
            }
            rempart_store::Damage::LocationUnreadable { code } => {
                lang.fill("err.damage.location_unreadable", &[("code", code)])
            }
            rempart_store::Damage::SkuUnreadable { sku } => lang.fill("err.damage.sku_unreadable", &[("sku", sku)]),
            rempart_store::Damage::TicketUnreadable { number } => {
                lang.fill("err.damage.ticket_unreadable", &[("number", number)])
            }
            rempart_store::Damage::LoyaltyUnreadable => lang.text("err.damage.loyalty_unreadable").to_owned(),
            rempart_store::Damage::ClosureUnreadable { number } => {
                lang.fill("err.damage.closure_unreadable", &[("number", number)])
            }
            rempart_store::Damage::TransferUnreadable { transfer } => {
                lang.fill("err.damage.transfer_unreadable", &[("transfer", transfer)])
            }
        }
    }
}

impl Speak for rempart_store::Blob {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_store::Blob::NodeId => lang.text("err.blob.node_id").to_owned(),
            rempart_store::Blob::EventHash => lang.text("err.blob.event_hash").to_owned(),
            rempart_store::Blob::SealSignature => lang.text("err.blob.seal_signature").to_owned(),
            rempart_store::Blob::SealHead => lang.text("err.blob.seal_head").to_owned(),
            rempart_store::Blob::EntryDigest => lang.text("err.blob.entry_digest").to_owned(),
            rempart_store::Blob::TenantId => lang.text("err.blob.tenant_id").to_owned(),
        }
    }
}

impl Speak for rempart_store::Refusal {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_store::Refusal::Chain(value0) => value0.speak(lang),
            rempart_store::Refusal::Unreadable { seq, source } => {
                lang.fill("err.refusal.unreadable", &[("seq", seq), ("source", &source.speak(lang))])
            }
            rempart_store::Refusal::SealBeyondRun { seq } => lang.fill("err.refusal.seal_beyond_run", &[("seq", seq)]),
            rempart_store::Refusal::OtherCompany => lang.text("err.refusal.other_company").to_owned(),
            rempart_store::Refusal::MixedNodes => lang.text("err.refusal.mixed_nodes").to_owned(),
            rempart_store::Refusal::Gap { from, to } => lang.fill("err.refusal.gap", &[("from", from), ("to", to)]),
            rempart_store::Refusal::ClockAhead { seq, .. } => lang.fill("err.refusal.clock_ahead", &[("seq", seq)]),
            rempart_store::Refusal::BadNumber { seq, number } => {
                lang.fill("err.refusal.bad_number", &[("seq", seq), ("number", number)])
            }
            rempart_store::Refusal::SeriesOfAnother { seq, series } => {
                lang.fill("err.refusal.series_of_another", &[("seq", seq), ("series", series)])
            }
            rempart_store::Refusal::OutOfTurn { seq, number, expected } => {
                lang.fill("err.refusal.out_of_turn", &[("seq", seq), ("number", number), ("expected", expected)])
            }
            rempart_store::Refusal::WrongFirstKey => lang.text("err.refusal.wrong_first_key").to_owned(),
            rempart_store::Refusal::CreatedElsewhere { seq } => {
                lang.fill("err.refusal.created_elsewhere", &[("seq", seq)])
            }
            rempart_store::Refusal::IllFormed { seq } => lang.fill("err.refusal.ill_formed", &[("seq", seq)]),
            rempart_store::Refusal::ProgramNotHeadOffice { seq } => {
                lang.fill("err.refusal.program_not_head_office", &[("seq", seq)])
            }
            rempart_store::Refusal::PointsWithoutTicket { seq, ticket } => {
                lang.fill("err.refusal.points_without_ticket", &[("seq", seq), ("ticket", ticket)])
            }
        }
    }
}
