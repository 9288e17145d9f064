//! The errors of the node's sync (this device, what the hub served, the sync report) in the reader's language.

use crate::Lang;

use super::Speak;

impl Speak for rempart_node::NodeError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::NodeError::Unreachable(value0) => value0.speak(lang),
            rempart_node::NodeError::Refused { status, message, .. } => {
                lang.fill("err.node.refused", &[("status", status), ("message", message)])
            }
            rempart_node::NodeError::Store(value0) => value0.speak(lang),
            rempart_node::NodeError::Sync(value0) => value0.speak(lang),
            rempart_node::NodeError::NotConnected => lang.text("err.node.not_connected").to_owned(),
            rempart_node::NodeError::AlreadyConnected { hub } => {
                lang.fill("err.node.already_connected", &[("hub", hub)])
            }
            rempart_node::NodeError::NotAdmin => lang.text("error.not_admin").to_owned(),
            rempart_node::NodeError::InvitationClosed => lang.text("error.invitation_closed").to_owned(),
            rempart_node::NodeError::EnrolledDevicesRemain { devices } => {
                let devices = devices.iter().map(|d| d.short()).collect::<Vec<_>>().join(", ");
                lang.fill("error.enrolled_remain", &[("devices", &devices)])
            }
            rempart_node::NodeError::AdmissionRequired => lang.text("error.admission_required").to_owned(),
            rempart_node::NodeError::CompanyIdTaken => lang.text("error.company_id_taken").to_owned(),
            rempart_node::NodeError::KitRefused => lang.text("error.kit_refused").to_owned(),
            rempart_node::NodeError::Revoked => lang.text("error.revoked").to_owned(),
            rempart_node::NodeError::ForgedRoster(value0) => {
                lang.fill("error.forged_roster", &[("why", &value0.speak(lang))])
            }
            rempart_node::NodeError::WrongWrap { asked, served } => {
                lang.fill("err.node.wrong_wrap", &[("served", served), ("asked", asked)])
            }
            rempart_node::NodeError::HeldBack(value0) => {
                lang.fill("err.node.held_back", &[("value", &value0.speak(lang))])
            }
            rempart_node::NodeError::RosterChangedMeanwhile => {
                lang.text("err.node.roster_changed_meanwhile").to_owned()
            }
            rempart_node::NodeError::Local(value0) => value0.speak(lang),
            rempart_node::NodeError::Hostile(value0) => value0.speak(lang),
        }
    }
}

impl Speak for rempart_node::Local {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::Local::Unreadable { path, source } => {
                lang.fill("err.local.unreadable", &[("path", &(path.display())), ("source", source)])
            }
            rempart_node::Local::Damaged { path, source } => {
                lang.fill("err.local.damaged", &[("path", &(path.display())), ("source", source)])
            }
            rempart_node::Local::DamagedKey { path } => {
                lang.fill("err.local.damaged_key", &[("path", &(path.display()))])
            }
            rempart_node::Local::Unwritable { path, source } => {
                lang.fill("err.local.unwritable", &[("path", &(path.display())), ("source", source)])
            }
            rempart_node::Local::Unopenable { path, source } => {
                lang.fill("err.local.unopenable", &[("path", &(path.display())), ("source", source)])
            }
            rempart_node::Local::Unlockable { source } => lang.fill("err.local.unlockable", &[("source", source)]),
            rempart_node::Local::RosterWatchUnreadable { source } => {
                lang.fill("err.local.roster_watch_unreadable", &[("source", source)])
            }
            rempart_node::Local::NoDataKey { epoch } => lang.fill("err.local.no_data_key", &[("epoch", epoch)]),
            rempart_node::Local::BatchNotRemade { node, first, source } => lang.fill(
                "err.local.batch_not_remade",
                &[("node", &(node.short())), ("first", first), ("source", &source.speak(lang))],
            ),
            rempart_node::Local::NotACopy => lang.text("err.local.not_a_copy").to_owned(),
            rempart_node::Local::SuccessionPending => lang.text("err.local.succession_pending").to_owned(),
            rempart_node::Local::NotActive => lang.text("err.local.not_active").to_owned(),
            rempart_node::Local::RevokedHere => lang.text("err.local.revoked_here").to_owned(),
            rempart_node::Local::RevokeSelf => lang.text("err.local.revoke_self").to_owned(),
            rempart_node::Local::NotEnrolled { device } => lang.fill("err.local.not_enrolled", &[("device", device)]),
            rempart_node::Local::NotAnInvitationCode => lang.text("err.local.not_an_invitation_code").to_owned(),
            rempart_node::Local::BadSeries { series } => lang.fill("err.local.bad_series", &[("series", series)]),
            rempart_node::Local::SeriesTaken { series } => lang.fill("err.local.series_taken", &[("series", series)]),
            rempart_node::Local::NoSuchDevice { id } => lang.fill("err.local.no_such_device", &[("id", id)]),
            rempart_node::Local::RenewsKit => lang.text("err.local.renews_kit").to_owned(),
        }
    }
}

impl Speak for rempart_node::Hostile {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::Hostile::HubIdentityMalformed => lang.text("err.hostile.hub_identity_malformed").to_owned(),
            rempart_node::Hostile::Unreadable { what, source } => {
                lang.fill("err.hostile.unreadable", &[("what", &what.speak(lang)), ("source", source)])
            }
            rempart_node::Hostile::AnswerCutShort => lang.text("err.hostile.answer_cut_short").to_owned(),
            rempart_node::Hostile::BatchOfAnother => lang.text("err.hostile.batch_of_another").to_owned(),
            rempart_node::Hostile::NodeNotInRoster { node } => {
                lang.fill("err.hostile.node_not_in_roster", &[("node", &(node.short()))])
            }
            rempart_node::Hostile::AfterRevocation { node } => {
                lang.fill("err.hostile.after_revocation", &[("node", &(node.short()))])
            }
            rempart_node::Hostile::UnusableKey { .. } => lang.text("err.hostile.unusable_key").to_owned(),
            rempart_node::Hostile::BatchNotSigned { node } => {
                lang.fill("err.hostile.batch_not_signed", &[("node", &(node.short()))])
            }
            rempart_node::Hostile::EpochLacking { epoch } => {
                lang.fill("err.hostile.epoch_lacking", &[("epoch", epoch)])
            }
            rempart_node::Hostile::BatchDamaged { source } => {
                lang.fill("err.hostile.batch_damaged", &[("source", &source.speak(lang))])
            }
            rempart_node::Hostile::BatchRefused { source } => {
                lang.fill("err.hostile.batch_refused", &[("source", &source.speak(lang))])
            }
            rempart_node::Hostile::ServedKeyMismatch { epoch } => {
                lang.fill("err.hostile.served_key_mismatch", &[("epoch", epoch)])
            }
            rempart_node::Hostile::ServedRecoveryMismatch => {
                lang.text("err.hostile.served_recovery_mismatch").to_owned()
            }
            rempart_node::Hostile::InvitationUnreadable => lang.text("err.hostile.invitation_unreadable").to_owned(),
            rempart_node::Hostile::InvitationDamaged => lang.text("err.hostile.invitation_damaged").to_owned(),
            rempart_node::Hostile::InvitationKeyDamaged => lang.text("err.hostile.invitation_key_damaged").to_owned(),
            rempart_node::Hostile::InvitationKeyMismatch { epoch } => {
                lang.fill("err.hostile.invitation_key_mismatch", &[("epoch", epoch)])
            }
            rempart_node::Hostile::OtherCompanyRoster => lang.text("err.hostile.other_company_roster").to_owned(),
            rempart_node::Hostile::RosterEntryRefused { source } => {
                lang.fill("err.hostile.roster_entry_refused", &[("source", &source.speak(lang))])
            }
            rempart_node::Hostile::RosterRewritten { place, source } => {
                lang.fill("err.hostile.roster_rewritten", &[("place", place), ("source", &source.speak(lang))])
            }
            rempart_node::Hostile::RosterRefilled { place, writer } => {
                lang.fill("err.hostile.roster_refilled", &[("place", place), ("writer", &writer.speak(lang))])
            }
            rempart_node::Hostile::RosterParted { place } => {
                lang.fill("err.hostile.roster_parted", &[("place", place)])
            }
        }
    }
}

impl Speak for rempart_node::Served {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::Served::Identity => lang.text("err.served.identity").to_owned(),
            rempart_node::Served::Wrap => lang.text("err.served.wrap").to_owned(),
            rempart_node::Served::Roster => lang.text("err.served.roster").to_owned(),
            rempart_node::Served::RosterEntries => lang.text("err.served.roster_entries").to_owned(),
            rempart_node::Served::Invitation => lang.text("err.served.invitation").to_owned(),
            rempart_node::Served::Heads => lang.text("err.served.heads").to_owned(),
        }
    }
}

impl Speak for rempart_node::RevokedWriter {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::RevokedWriter::Device(value0) => {
                lang.fill("err.revoked_writer.device", &[("value", &(value0.short()))])
            }
            rempart_node::RevokedWriter::ReplacedKit => lang.text("err.revoked_writer.replaced_kit").to_owned(),
        }
    }
}

impl Speak for rempart_node::Forgery {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::Forgery::Refused(value0) => {
                lang.fill("err.forgery.refused", &[("value", &value0.speak(lang))])
            }
            rempart_node::Forgery::OtherGenesis => lang.text("err.forgery.other_genesis").to_owned(),
            rempart_node::Forgery::OtherRecoveryKey => lang.text("err.forgery.other_recovery_key").to_owned(),
            rempart_node::Forgery::ShorterThanNamed { named } => {
                lang.fill("err.forgery.shorter_than_named", &[("named", named)])
            }
        }
    }
}

impl Speak for rempart_node::RejectedWhy {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::RejectedWhy::Hostile(value0) => value0.speak(lang),
            rempart_node::RejectedWhy::Refused(value0) => value0.speak(lang),
            rempart_node::RejectedWhy::Store(value0) => value0.speak(lang),
        }
    }
}

impl Speak for rempart_node::OwnHeadDoubt {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::OwnHeadDoubt::HubFurther { hub, held } => {
                lang.fill("err.own_head_doubt.hub_further", &[("hub", hub), ("held", held)])
            }
            rempart_node::OwnHeadDoubt::SeenFurther { by, seen, held } => {
                lang.fill("err.own_head_doubt.seen_further", &[("by", &(by.short())), ("seen", seen), ("held", held)])
            }
            rempart_node::OwnHeadDoubt::Forked { seq } => lang.fill("err.own_head_doubt.forked", &[("seq", seq)]),
            rempart_node::OwnHeadDoubt::AnchorFurther { anchored } => {
                lang.fill("err.own_head_doubt.anchor_further", &[("anchored", anchored)])
            }
        }
    }
}

impl Speak for rempart_node::RefusedBatch {
    fn speak(&self, lang: Lang) -> String {
        let rempart_node::RefusedBatch { node, first, last, message, .. } = self;
        lang.fill(
            "err.refused_batch",
            &[("first", first), ("last", last), ("node", &(node.short())), ("message", message)],
        )
    }
}

impl Speak for rempart_node::Withheld {
    fn speak(&self, lang: Lang) -> String {
        let rempart_node::Withheld { by, node, seen, served } = self;
        lang.fill(
            "err.withheld",
            &[("by", &(by.short())), ("node", &(node.short())), ("seen", seen), ("served", served)],
        )
    }
}

impl Speak for rempart_node::Rejected {
    fn speak(&self, lang: Lang) -> String {
        let rempart_node::Rejected { node, why } = self;
        lang.fill("err.rejected", &[("node", &(node.short())), ("why", &why.speak(lang))])
    }
}

impl Speak for rempart_node::UnreachableWhy {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::UnreachableWhy::NotHttp => lang.text("err.unreachable_why.not_http").to_owned(),
            rempart_node::UnreachableWhy::CaUnreadable { path, source } => {
                lang.fill("err.unreachable_why.ca_unreadable", &[("path", path), ("source", source)])
            }
            rempart_node::UnreachableWhy::CaWithoutCertificate { path, source } => {
                lang.fill("err.unreachable_why.ca_without_certificate", &[("path", path), ("source", source)])
            }
            rempart_node::UnreachableWhy::Network(value0) => {
                lang.fill("err.unreachable_why.network", &[("value", value0)])
            }
            rempart_node::UnreachableWhy::Unhealthy(value0) => {
                lang.fill("err.unreachable_why.unhealthy", &[("value", value0)])
            }
        }
    }
}

impl Speak for rempart_node::Unreachable {
    fn speak(&self, lang: Lang) -> String {
        let rempart_node::Unreachable { hub, reason } = self;
        lang.fill("err.unreachable", &[("hub", hub), ("reason", &reason.speak(lang))])
    }
}

impl Speak for rempart_node::HeldBack {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::HeldBack::Withheld { named, held_len, held_epoch } => lang.fill(
                "roster.held_back",
                &[
                    ("by", &named.by.short()),
                    ("epoch", &named.epoch),
                    ("len", &named.mark.len),
                    ("held", held_len),
                    ("held_epoch", held_epoch),
                ],
            ),
            rempart_node::HeldBack::Parted { named } => {
                lang.fill("roster.parted", &[("by", &named.by.short()), ("len", &named.mark.len)])
            }
        }
    }
}

impl Speak for rempart_node::ForkSeen {
    fn speak(&self, lang: Lang) -> String {
        let node = self.node.short();
        match &self.refused {
            Some(why) => lang.fill("err.fork_seen.refused", &[("node", &node), ("why", &why.speak(lang))]),
            None => lang.fill("err.fork_seen.forked", &[("node", &node), ("seq", &self.seq)]),
        }
    }
}
