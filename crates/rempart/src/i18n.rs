//! The words the command line shows, in French and English, kept in one catalogue so that a
//! translator edits one table. Placeholders are written `{name}` and filled by `Lang::fill`.

use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

/// (key, English, French)
const CATALOGUE: &[(&str, &str, &str)] = &[
    ("account", "Account", "Compte"),
    ("account.added", "Account {number} added.", "Compte {number} ajouté."),
    ("account.edited", "Account {number} updated.", "Compte {number} modifié."),
    ("amount", "Amount", "Montant"),
    ("assets", "Assets", "Actifs"),
    ("balance", "Balance", "Solde"),
    ("balance_sheet", "Balance sheet at {date}", "Bilan au {date}"),
    ("bench.done", "Benchmark finished.", "Mesure terminée."),
    ("closed", "Closed", "Clôturé"),
    ("closing", "Closing", "Solde final"),
    (
        "company.created",
        "Company \"{name}\" created in {dir} (node {node}).",
        "Entreprise « {name} » créée dans {dir} (nœud {node}).",
    ),
    ("credit", "Credit", "Crédit"),
    ("currency", "Currency", "Monnaie"),
    ("date", "Date", "Date"),
    ("debit", "Debit", "Débit"),
    (
        "document.draft",
        "Draft {id} has no document yet: issue it first with `rempart invoice issue {id}`.",
        "Le brouillon {id} n'a pas encore de document : émettez-le d'abord avec `rempart invoice issue {id}`.",
    ),
    (
        "document.no_account",
        "A Swiss invoice carries a QR-bill: set the company's account first with `rempart company set iban=...` (or qr_iban=...).",
        "Une facture suisse porte une QR-facture : indiquez d'abord le compte de l'entreprise avec `rempart company set iban=...` (ou qr_iban=...).",
    ),
    ("document.written", "Invoice document written to {path}", "Document de la facture écrit dans {path}"),
    ("demo.created", "Demo company created in {dir}", "Entreprise de démonstration créée dans {dir}"),
    ("entry", "Entry", "Écriture"),
    (
        "entry.recorded",
        "Entry {id} recorded as {journal} {number}.",
        "Écriture {id} enregistrée sous {journal} {number}.",
    ),
    (
        "entry.reversed",
        "Entry {id} reversed by entry {reversal} ({journal} {number}).",
        "Écriture {id} extournée par l'écriture {reversal} ({journal} {number}).",
    ),
    ("equity", "Equity", "Fonds propres"),
    ("expenses", "Expenses", "Charges"),
    (
        "import.done",
        "{recorded} entries recorded, {present} already present.",
        "{recorded} écritures enregistrées, {present} déjà présentes.",
    ),
    ("income_statement", "Income statement from {from} to {to}", "Compte de résultat du {from} au {to}"),
    ("journal", "Journal", "Journal"),
    ("journal_report", "General journal", "Journal général"),
    ("kind", "Type", "Type"),
    ("label", "Label", "Libellé"),
    ("ledger", "Ledger of account {account} {label}", "Grand livre du compte {account} {label}"),
    ("liabilities", "Liabilities", "Fonds étrangers"),
    ("net_result", "Net result", "Résultat net"),
    ("number", "No.", "N°"),
    ("opening", "Opening", "Solde initial"),
    ("period.closed", "Books closed until {date}.", "Comptes clôturés jusqu'au {date}."),
    ("rate", "Rate", "Taux"),
    (
        "rebuild.done",
        "Projections rebuilt from {events} events. State hash: {hash}",
        "Projections reconstruites à partir de {events} événements. Empreinte d'état : {hash}",
    ),
    ("result_unallocated", "Result not yet allocated", "Résultat non encore réparti"),
    ("revenue", "Revenue", "Produits"),
    ("section", "Section", "Rubrique"),
    ("text", "Text", "Libellé"),
    ("total", "Total", "Total"),
    ("trial_balance", "Trial balance", "Balance des comptes"),
    ("valid_from", "Valid from", "Valable dès"),
    ("valid_until", "Valid until", "Valable jusqu'au"),
    ("vat", "VAT", "TVA"),
    ("vat_codes", "VAT codes", "Codes TVA"),
    (
        "verify.failed",
        "Verification FAILED: {count} problem(s) found.",
        "Vérification ÉCHOUÉE : {count} problème(s) trouvé(s).",
    ),
    (
        "verify.ok",
        "Verified: {events} events from {nodes} node(s), {seals} seals, all intact. State hash: {hash}",
        "Vérifié : {events} événements de {nodes} nœud(s), {seals} sceaux, tous intacts. Empreinte d'état : {hash}",
    ),
    ("chart", "Chart of accounts", "Plan comptable"),
    ("hub.listening", "Hub listening on {url}, storing in {store}", "Hub à l'écoute sur {url}, stockage dans {store}"),
    ("error.prefix", "error:", "erreur :"),
    (
        "error.admission_required",
        "This hub admits a new company (or one it lost) only with a one-time admission token from its operator: give it with --token.",
        "Ce hub n'admet une nouvelle entreprise (ou une qu'il a perdue) qu'avec un jeton d'admission à usage unique de son exploitant : indiquez-le avec --token.",
    ),
    (
        "error.company_id_taken",
        "This company's id belongs to another list of devices at this hub: it is not your company's hub, or the id was taken.",
        "L'identifiant de cette entreprise appartient à une autre liste d'appareils sur ce hub : ce n'est pas le hub de votre entreprise, ou l'identifiant a été pris.",
    ),
    (
        "error.revoked",
        "The hub no longer counts this device among the company's devices: it was revoked from an admin device.",
        "Le hub ne compte plus cet appareil parmi ceux de l'entreprise : il a été révoqué depuis un appareil administrateur.",
    ),
    (
        "error.not_admin",
        "Only an admin device of the company can do that.",
        "Seul un appareil administrateur de l'entreprise peut faire cela.",
    ),
    (
        "error.kit_refused",
        "The hub does not accept this recovery kit for this company: check the words and the company id (a kit replaced when an admin device was revoked no longer opens anything).",
        "Le hub n'accepte pas ce kit de récupération pour cette entreprise : vérifiez les mots et l'identifiant (un kit remplacé lors de la révocation d'un appareil administrateur n'ouvre plus rien).",
    ),
    (
        "error.invitation_closed",
        "The invitation is unknown, used or expired: ask an admin device for a new code.",
        "L'invitation est inconnue, déjà utilisée ou expirée : demandez un nouveau code à un appareil administrateur.",
    ),
    (
        "error.forged_roster",
        "The hub serves a list of devices that is not your company's ({why}): nothing was changed here.",
        "Le hub présente une liste d'appareils qui n'est pas celle de votre entreprise ({why}) : rien n'a été modifié ici.",
    ),
    (
        "error.enrolled_remain",
        "The device enrolled devices that are still active ({devices}): they would receive the new keys. Revoke them first, or confirm that they stay with --keep-enrolled.",
        "L'appareil a inscrit des appareils encore actifs ({devices}) : ils recevraient les nouvelles clés. Révoquez-les d'abord, ou confirmez qu'ils restent avec --keep-enrolled.",
    ),
    (
        "hub.no_store",
        "Where does the hub store? Give --store DIR or --store s3://BUCKET",
        "Où le hub stocke-t-il ? Indiquez --store RÉPERTOIRE ou --store s3://BUCKET",
    ),
    (
        "hub.token",
        "One-time admission token for one new company (give it to its owner: rempart connect URL --token TOKEN):",
        "Jeton d'admission à usage unique pour une nouvelle entreprise (à remettre à son responsable : rempart connect URL --token JETON) :",
    ),
    (
        "kit.header",
        "RECOVERY KIT of {company} (company {tenant})\nWith these 24 words the books can be restored on a new machine. Keep them on paper, away from the computers.",
        "KIT DE RÉCUPÉRATION de {company} (entreprise {tenant})\nCes 24 mots permettent de restaurer les livres sur une nouvelle machine. Gardez-les sur papier, loin des ordinateurs.",
    ),
    ("kit.genesis", "Roster fingerprint: {genesis}", "Empreinte de la liste des appareils : {genesis}"),
    (
        "kit.roster",
        "List of devices when this kit was made: {mark}",
        "Liste des appareils à la création de ce kit : {mark}",
    ),
    (
        "kit.warning",
        "The books can be recovered with any enrolled device or with this kit, which alone gives full power over the company: keep it like the key of a safe. If the kit and every device are lost, the books cannot be recovered by anyone: not by Rempart, not by the hub.",
        "Les livres se récupèrent avec un appareil inscrit ou avec ce kit, qui donne à lui seul tout pouvoir sur l'entreprise : gardez-le comme la clé d'un coffre. Si le kit et tous les appareils sont perdus, personne ne peut plus récupérer les livres : ni Rempart, ni le hub.",
    ),
    ("kit.ask", "Type word {n} of the kit:", "Tapez le mot {n} du kit :"),
    ("kit.wrong", "That is not the word. Look at the kit again.", "Ce n'est pas le mot. Regardez à nouveau le kit."),
    ("kit.checked", "The kit is checked.", "Le kit est vérifié."),
    (
        "kit.unchecked",
        "The kit was not checked: run `rempart connect` again with --kit-out FILE",
        "Le kit n'a pas été vérifié : relancez `rempart connect` avec --kit-out FICHIER",
    ),
    (
        "kit.no_terminal",
        "There is no terminal to show the recovery kit on: give --kit-out FILE to write it to a file",
        "Aucun terminal pour afficher le kit de récupération : indiquez --kit-out FICHIER pour l'écrire dans un fichier",
    ),
    (
        "kit.exists",
        "{path} exists already: the kit is never written over another file",
        "{path} existe déjà : le kit n'écrase jamais un autre fichier",
    ),
    (
        "kit.written",
        "Recovery kit written to {path}: print it, keep it safe, then delete the file.",
        "Kit de récupération écrit dans {path} : imprimez-le, rangez-le en lieu sûr, puis effacez le fichier.",
    ),
    (
        "connect.done",
        "Connected to the hub {hub} as company {tenant}.",
        "Connecté au hub {hub} comme entreprise {tenant}.",
    ),
    (
        "sync.done",
        "Synced with {hub}: {pulled} events received, {pushed} sent in {batches} batches.",
        "Synchronisé avec {hub} : {pulled} événements reçus, {pushed} envoyés en {batches} lots.",
    ),
    ("sync.refused", "The hub refused {what}", "Le hub a refusé {what}"),
    ("sync.warning", "WARNING: {what}", "ATTENTION : {what}"),
    (
        "roster.held_back",
        "WARNING: device {by} holds {len} entries of the list of devices (key epoch {epoch}); the hub serves this device only {held} (epoch {held_epoch}). It withholds the rest, a revocation perhaps: nothing new is sent from here until it serves them.",
        "ATTENTION : l'appareil {by} détient {len} entrées de la liste des appareils (clé d'époque {epoch}) ; le hub n'en présente que {held} à cet appareil (époque {held_epoch}). Il retient les autres, peut-être une révocation : rien de nouveau ne part d'ici tant qu'il ne les présente pas.",
    ),
    (
        "roster.parted",
        "WARNING: device {by} holds another list of devices than this device from its entry {len} on: the hub serves different lists, and one is not your company's. Nothing new is sent from here.",
        "ATTENTION : l'appareil {by} détient une autre liste d'appareils que celui-ci à partir de son entrée {len} : le hub présente des listes différentes, et l'une n'est pas celle de votre entreprise. Rien de nouveau ne part d'ici.",
    ),
    (
        "sync.roster_restored",
        "The hub had lost the list of devices (wiped or restored from an old copy): this node gave it back.",
        "Le hub avait perdu la liste des appareils (effacé ou restauré d'une ancienne copie) : ce nœud la lui a rendue.",
    ),
    (
        "rechain.done",
        "This device goes on as node {new}, on a new chain, and records at once. Its old identity {old} stays enrolled with what it wrote; the next sync registers the new one at the hub. An admin may revoke {old} once the original machine is known to be gone.",
        "Cet appareil continue comme nœud {new}, sur une nouvelle chaîne, et enregistre dès maintenant. Son ancienne identité {old} reste inscrite avec ce qu'elle a écrit ; la prochaine synchronisation inscrit la nouvelle au hub. Un administrateur peut révoquer {old} une fois la machine d'origine hors d'usage.",
    ),
    (
        "sync.copy_confirmed",
        "This data directory is a copy or was put back from a backup: the hub confirmed this node's own head, and recording may go on.",
        "Ce répertoire de données est une copie ou a été remis depuis une sauvegarde : le hub a confirmé la tête de la chaîne de ce nœud, l'enregistrement peut reprendre.",
    ),
    (
        "sync.copy_unconfirmed",
        "WARNING: this data directory is a copy or was put back from a backup, and this node's own head is not confirmed ({why}): recording stays refused.",
        "ATTENTION : ce répertoire de données est une copie ou a été remis depuis une sauvegarde, et la tête de la chaîne de ce nœud n'est pas confirmée ({why}) : l'enregistrement reste refusé.",
    ),
    (
        "status.copy",
        "This data directory is a copy or was put back from a backup (found {when}): nothing is recorded until `rempart sync` confirms this node's own head at the hub, or `rempart device rechain` starts a new chain.",
        "Ce répertoire de données est une copie ou a été remis depuis une sauvegarde (constaté {when}) : rien n'est enregistré tant que `rempart sync` n'a pas confirmé la tête de la chaîne de ce nœud au hub, ou que `rempart device rechain` n'a pas ouvert une nouvelle chaîne.",
    ),
    (
        "sync.retry",
        "Sync failed ({error}); next try in {seconds} s.",
        "Échec de la synchronisation ({error}) ; nouvel essai dans {seconds} s.",
    ),
    (
        "invite.done",
        "Invitation published, valid for {hours} hours and once. On the new machine run: rempart join CODE --hub URL",
        "Invitation publiée, valable {hours} heures et une seule fois. Sur la nouvelle machine, lancez : rempart join CODE --hub URL",
    ),
    (
        "revoke.done",
        "Device {node} revoked; data written from now on uses key epoch {epoch}.",
        "Appareil {node} révoqué ; les données écrites désormais utilisent l'époque de clé {epoch}.",
    ),
    ("devices.title", "Devices of the company", "Appareils de l'entreprise"),
    (
        "revoke.new_kit",
        "The revoked device was an admin and knew the recovery secret: here is the NEW recovery kit. The old kit no longer opens what is written from now on.",
        "L'appareil révoqué était administrateur et connaissait le secret de récupération : voici le NOUVEAU kit de récupération. L'ancien kit n'ouvre plus ce qui sera écrit désormais.",
    ),
    (
        "restore.kit_incomplete",
        "{path} does not name the company and the roster fingerprint printed on the recovery kit: copy these lines of the kit (and the list of devices below them) into the file with its 24 words",
        "{path} ne contient pas l'identifiant de l'entreprise et l'empreinte de la liste des appareils imprimés sur le kit de récupération : recopiez ces lignes du kit (et la liste des appareils en dessous) dans le fichier avec ses 24 mots",
    ),
    (
        "restore.done",
        "Restored {events} events in {seconds} s (download {download} s, verify {verify} s, decrypt {decrypt} s, apply {apply} s).",
        "{events} événements restaurés en {seconds} s (téléchargement {download} s, vérification {verify} s, déchiffrement {decrypt} s, application {apply} s).",
    ),
    ("status.node", "{company}: node {node} of company {tenant}", "{company} : nœud {node} de l'entreprise {tenant}"),
    (
        "status.not_connected",
        "Not connected to a hub: this node works alone (`rempart connect URL` to share the books).",
        "Pas de hub : ce nœud travaille seul (`rempart connect URL` pour partager les livres).",
    ),
    ("status.hub_up", "Hub {hub}: reachable.", "Hub {hub} : joignable."),
    (
        "status.hub_down",
        "Hub {hub}: offline since {since} ({reason}). Work goes on here and is sent when it is back.",
        "Hub {hub} : injoignable depuis le {since} ({reason}). Le travail continue ici et partira à son retour.",
    ),
    (
        "status.last_sync",
        "Last successful sync: {when} ({ago} ago).",
        "Dernière synchronisation réussie : {when} (il y a {ago}).",
    ),
    ("status.never_synced", "No successful sync yet.", "Aucune synchronisation réussie pour l'instant."),
    ("status.all_uploaded", "Every event of this node is at the hub.", "Tous les événements de ce nœud sont au hub."),
    (
        "status.pending",
        "{count} events of this node are not at the hub yet; the oldest is {age} old.",
        "{count} événements de ce nœud ne sont pas encore au hub ; le plus ancien date de {age}.",
    ),
    (
        "status.peers",
        "Nodes (events held here / at the hub when last seen):",
        "Nœuds (événements détenus ici / au hub lors du dernier contact) :",
    ),
    ("status.peer", "  {node} {role}: {here} / {hub}", "  {node} {role} : {here} / {hub}"),
    ("status.revoked", "revoked", "révoqué"),
    (
        "status.fork",
        "FORK: node {node} has two different versions of its event {seq} (the other came from {source}). A device was cloned or a copy was tampered with; its chain is frozen here. Both versions are kept.",
        "FOURCHE : le nœud {node} a deux versions différentes de son événement {seq} (l'autre venait de {source}). Un appareil a été cloné ou une copie falsifiée ; sa chaîne est gelée ici. Les deux versions sont conservées.",
    ),
    ("status.no_conflict", "No fork, no conflict.", "Aucune fourche, aucun conflit."),
    (
        "status.conflicts",
        "{count} conflicts to look at: `rempart conflicts` lists them.",
        "{count} conflits à examiner : `rempart conflicts` les liste.",
    ),
    ("unit.seconds", "{n} s", "{n} s"),
    ("unit.minutes", "{n} min", "{n} min"),
    ("unit.hours", "{n} h", "{n} h"),
    ("unit.days", "{n} days", "{n} jours"),
    ("conflicts.title", "Conflicts between nodes", "Conflits entre nœuds"),
    ("conflicts.kind", "Kind", "Nature"),
    ("conflicts.detail", "Detail", "Détail"),
    ("conflicts.id", "Id", "Réf."),
    (
        "conflicts.settled",
        "Conflict {id} settled: no device lists it any more once it has synced.",
        "Conflit {id} réglé : plus aucun appareil ne le liste une fois synchronisé.",
    ),
    ("conflict.journal_number", "Journal number used twice", "Numéro de journal utilisé deux fois"),
    (
        "conflict.journal_number.detail",
        "journal {journal} number {number}: entries {entries}",
        "journal {journal} numéro {number} : écritures {entries}",
    ),
    ("conflict.shared_identifier", "Contacts sharing an identifier", "Contacts partageant un identifiant"),
    (
        "conflict.shared_identifier.detail",
        "{field} {value}: contacts {contacts}",
        "{field} {value} : contacts {contacts}",
    ),
    ("conflict.entry_twice", "Entry recorded on several nodes", "Écriture enregistrée sur plusieurs nœuds"),
    (
        "conflict.entry_twice.detail",
        "entry {id} on nodes {nodes}; it counts once",
        "écriture {id} sur les nœuds {nodes} ; elle compte une fois",
    ),
    ("conflict.contact_twice", "Contact created on several nodes", "Contact créé sur plusieurs nœuds"),
    ("conflict.contact_twice.detail", "contact {id} on nodes {nodes}", "contact {id} sur les nœuds {nodes}"),
    ("conflict.key_twice", "Created on several nodes", "Créé sur plusieurs nœuds"),
    (
        "conflict.key_twice.detail",
        "{record} {key} on nodes {nodes}: the first creation stands; edit it to what it must be, then settle this conflict",
        "{record} {key} sur les nœuds {nodes} : la première création est retenue ; modifiez-la au besoin, puis réglez ce conflit",
    ),
    ("record.account", "account", "compte"),
    ("record.vat_code", "VAT code", "code TVA"),
    ("record.item", "item", "article"),
    ("record.contact_field", "contact field", "champ de contact"),
    ("conflict.bill_twice", "Supplier bill recorded twice", "Facture fournisseur saisie deux fois"),
    (
        "conflict.bill_twice.detail",
        "{supplier} reference {reference}: bills {bills}, each posted; reverse the duplicate",
        "{supplier} référence {reference} : factures {bills}, chacune comptabilisée ; extournez le doublon",
    ),
    ("conflict.closed_period", "Entry in a closed period", "Écriture dans une période clôturée"),
    (
        "conflict.closed_period.detail",
        "entry {entry} of {date} (node {node}) reached a period closed until {until} without the closer having seen it; for the accountant to check",
        "écriture {entry} du {date} (nœud {node}) arrivée dans une période clôturée au {until} sans que la clôture l'ait vue ; à contrôler par la fiduciaire",
    ),
    ("conflict.paid_beyond", "Invoice paid beyond its total", "Facture payée au-delà de son total"),
    (
        "conflict.paid_beyond.detail",
        "invoice {invoice}: {excess} paid more than its total, kept as a credit of {contact} to refund or use",
        "facture {invoice} : {excess} payés de plus que son total, gardés en avoir de {contact}, à rembourser ou imputer",
    ),
    (
        "conflict.bill_paid_beyond",
        "Supplier bill paid beyond its total",
        "Facture fournisseur payée au-delà de son total",
    ),
    (
        "conflict.bill_paid_beyond.detail",
        "bill {bill} of {supplier}: {excess} paid more than its total, to claim back",
        "facture {bill} de {supplier} : {excess} payés de plus que son total, à réclamer",
    ),
    ("conflict.reminder_twice", "Reminder sent twice", "Rappel envoyé deux fois"),
    (
        "conflict.reminder_twice.detail",
        "invoice {invoice}, level {level}: reminders {reminders}, each with its fee",
        "facture {invoice}, niveau {level} : rappels {reminders}, chacun avec ses frais",
    ),
    ("conflict.field_apart", "Contact field changed on two devices", "Champ de contact modifié sur deux appareils"),
    (
        "conflict.field_apart.detail",
        "contact {contact}, {field}: {values} (nodes {nodes}); the last one shows, edit the field to settle it",
        "contact {contact}, {field} : {values} (nœuds {nodes}) ; la dernière valeur s'affiche, modifiez le champ pour trancher",
    ),
    ("device", "Device", "Appareil"),
    ("role", "Role", "Rôle"),
    ("state", "State", "État"),
    ("role.admin", "admin", "administration"),
    ("role.member", "member", "membre"),
    ("device.active", "enrolled", "inscrit"),
    ("device.revoked", "revoked after its event {seq}", "révoqué après son événement {seq}"),
    ("device.this", " (this device)", " (cet appareil)"),
    ("device.successor_of", " (successor of {node})", " (successeur de {node})"),
    (
        "revoke.successor",
        "Device {node} had named {successor} as its successor, revoked with it (a stolen key can name one): if {successor} was a genuine device of yours, invite it again.",
        "L'appareil {node} avait désigné {successor} comme successeur, révoqué avec lui (une clé volée peut en désigner un) : si {successor} était bien l'un de vos appareils, invitez-le à nouveau.",
    ),
    (
        "join.done",
        "This machine is now node {node} of company {tenant}.",
        "Cette machine est désormais le nœud {node} de l'entreprise {tenant}.",
    ),
    (
        "join.exists",
        "{dir} already holds a company: join into a new directory",
        "{dir} contient déjà une entreprise : rejoignez dans un nouveau répertoire",
    ),
    ("contact", "Contact", "Contact"),
    ("contact.added", "Contact {id} added.", "Contact {id} ajouté."),
    ("contact.edited", "Contact {id} updated.", "Contact {id} modifié."),
    ("contact.field_defined", "Contact field {name} defined.", "Champ de contact {name} défini."),
    ("contact.history", "History of contact {id}", "Historique du contact {id}"),
    ("contacts", "Contacts", "Contacts"),
    ("contact_fields", "Contact fields", "Champs de contact"),
    ("current", "Current", "Actuel"),
    ("email", "E-mail", "E-mail"),
    ("field", "Field", "Champ"),
    ("name", "Name", "Nom"),
    ("node", "Node", "Nœud"),
    ("phone", "Phone", "Téléphone"),
    ("time", "Time (UTC)", "Heure (UTC)"),
    ("town", "Town", "Localité"),
    ("value", "Value", "Valeur"),
    ("active", "Active", "Actif"),
    ("code", "Code", "Code"),
    ("item.added", "Item {code} added.", "Article {code} ajouté."),
    ("item.edited", "Item {code} updated.", "Article {code} modifié."),
    ("items", "Catalogue", "Catalogue"),
    ("price", "Net price", "Prix net"),
    ("unit", "Unit", "Unité"),
    ("discount", "Discount %", "Rabais %"),
    ("due_date", "Due", "Échéance"),
    ("invoice", "Invoice", "Facture"),
    ("item", "Item", "Article"),
    ("credited", "Credited", "Crédité"),
    (
        "invoice.credited",
        "Credit note {credit} on invoice {number}, total {total}.",
        "Avoir {credit} sur la facture {number}, total {total}.",
    ),
    ("invoice.drafted", "Draft invoice {id} created.", "Brouillon de facture {id} créé."),
    (
        "invoice.issued",
        "Invoice {id} issued as {number}, total {total}.",
        "Facture {id} émise sous le numéro {number}, total {total}.",
    ),
    ("invoice.line_added", "Line added to {id}: {text}, net {net}.", "Ligne ajoutée à {id} : {text}, net {net}."),
    ("invoices", "Invoices", "Factures"),
    ("bills", "Supplier bills", "Factures fournisseurs"),
    ("line", "Line", "Ligne"),
    ("net", "Net", "Net"),
    ("quantity", "Quantity", "Quantité"),
    ("rounding", "Rounding", "Arrondi"),
    ("status", "Status", "État"),
    ("draft", "draft", "brouillon"),
    ("company.updated", "Company details updated.", "Coordonnées de l'entreprise modifiées."),
    (
        "company.logo_set",
        "Logo set: {width} x {height} pixels, {size} KiB.",
        "Logo enregistré : {width} x {height} pixels, {size} Kio.",
    ),
    ("company.logo_removed", "Logo removed.", "Logo supprimé."),
    ("company.logo_shown", "PNG, {size} KiB", "PNG, {size} Kio"),
    ("dunning", "Reminders due on {date}", "Rappels à envoyer au {date}"),
    ("due_from", "Due from", "À envoyer dès"),
    ("fee", "Fee", "Frais"),
    ("fees", "Fees", "Frais"),
    ("level", "Level", "Niveau"),
    ("reminded", "Reminded", "Rappelé"),
    (
        "reminder.sent",
        "Reminder {level} for {number} recorded, fee {fee}; {open} now open.",
        "Rappel {level} de {number} enregistré, frais {fee} ; {open} reste ouvert.",
    ),
    ("bill.paid", "Bill {id} paid: {amount}.", "Facture fournisseur {id} payée : {amount}."),
    (
        "bill.recorded",
        "Bill {id} recorded: {total}, due {due}.",
        "Facture fournisseur {id} enregistrée : {total}, échéance {due}.",
    ),
    ("id", "Id", "Id"),
    ("payables", "Bills to pay on {date}", "Factures fournisseurs à payer au {date}"),
    ("reference", "Reference", "Référence"),
    ("supplier", "Supplier", "Fournisseur"),
    ("base", "Taxable base", "Base imposable"),
    ("form_line", "Line", "Chiffre"),
    ("tax", "Tax", "Impôt"),
    ("vat_return", "VAT return from {from} to {to}", "Décompte TVA du {from} au {to}"),
    ("ageing", "Ageing", "Ancienneté"),
    ("credit_note", "Credit in the customer's favour", "Avoir en faveur du client"),
    ("days_late", "Days late", "Jours de retard"),
    ("gross", "Total", "Total"),
    ("open", "Open", "Ouvert"),
    ("paid", "Paid", "Payé"),
    (
        "payment.received",
        "Payment {id} recorded: {allocated} allocated, {credit} credited to the customer.",
        "Paiement {id} enregistré : {allocated} imputé, {credit} porté au crédit du client.",
    ),
    ("receivables", "Open receivables on {date}", "Débiteurs ouverts au {date}"),
];

impl Lang {
    /// `REMPART_LANG`, else the usual locale variables: French when they say so, else English.
    pub fn from_environment() -> Lang {
        static LANG: OnceLock<Lang> = OnceLock::new();
        *LANG.get_or_init(|| {
            let chosen = ["REMPART_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()));
            match chosen {
                Some(value) if value.starts_with("fr") => Lang::Fr,
                _ => Lang::En,
            }
        })
    }

    pub fn text(self, key: &str) -> &'static str {
        match CATALOGUE.iter().find(|(name, _, _)| *name == key) {
            Some((_, english, french)) => match self {
                Lang::En => english,
                Lang::Fr => french,
            },
            None => {
                debug_assert!(false, "message {key} is missing from the catalogue");
                "?"
            }
        }
    }

    pub fn fill(self, key: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut text = self.text(key).to_owned();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_keys_are_unique_and_placeholders_match() {
        for (index, (key, english, french)) in CATALOGUE.iter().enumerate() {
            assert!(CATALOGUE[index + 1..].iter().all(|(other, _, _)| other != key), "{key} twice");
            let holes = |text: &str| {
                let mut names: Vec<String> = text
                    .split('{')
                    .skip(1)
                    .filter_map(|part| part.split_once('}').map(|(name, _)| name.to_owned()))
                    .collect();
                names.sort();
                names
            };
            assert_eq!(holes(english), holes(french), "{key}");
        }
        assert_eq!(Lang::Fr.fill("period.closed", &[("date", &"31.03.2026")]), "Comptes clôturés jusqu'au 31.03.2026.");
    }
}
