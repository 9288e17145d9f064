//! The commit: facts checked, appended to this node's chain, projected and sealed in one SQLite
//! transaction, acknowledged once durable.

use rempart_domain::Fact;
use rempart_log::{Event, EventSeq, Hash32, Hlc, NodeId, Seal};
use rusqlite::{Connection, OptionalExtension, params};

use crate::project::{Origin, Projector};
use rempart_domain::LedgerState;
use rempart_log::TenantId;

use crate::Blob;
use crate::Damage;
use crate::layout::ANCHOR_FILE;
use crate::{Store, StoreError, load_state};

/// The newest event of this node's chain, and the newest clock reading of any node.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Head {
    pub(crate) seq: EventSeq,
    pub(crate) hash: Hash32,
    pub(crate) hlc: Hlc,
}

/// SQLite's count of the commits that other connections made to the database, as this
/// connection sees it: it moves only when someone else wrote.
pub(crate) fn data_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA data_version", [], |row| row.get(0))?)
}

impl Store {
    /// Catches up with what another process committed to this data directory since this handle
    /// last looked (a long-running server beside a command): the head of this node's chain and
    /// the state of the books are read again. Returns whether there was anything to catch up.
    pub fn refresh(&mut self) -> Result<bool, StoreError> {
        let version = data_version(&self.conn)?;
        if version == self.data_version {
            return Ok(false);
        }
        // The count read before the books: should another commit land meanwhile, the next
        // refresh reads them again.
        let transaction = self.conn.transaction()?;
        let head = load_head(&transaction, self.node)?;
        let state =
            load_state(&transaction).map_err(|error| Damage::ProjectionsUnreadable { detail: error.to_string() })?;
        drop(transaction);
        (self.head, self.state, self.data_version) = (head, state, version);
        Ok(true)
    }
}

pub(crate) fn load_head(conn: &Connection, node: NodeId) -> Result<Head, StoreError> {
    let own: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM events WHERE node = ?1 ORDER BY seq DESC LIMIT 1",
            [&node.as_bytes()[..]],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let latest: Option<(i64, i64)> = conn
        .query_row(
            "SELECT hlc_wall_ms, hlc_logical FROM events ORDER BY hlc_wall_ms DESC, hlc_logical DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (seq, hash) = match own {
        Some((seq, hash)) => {
            let hash: [u8; 32] = hash.try_into().map_err(|_| Damage::WrongLength { what: Blob::EventHash })?;
            (EventSeq(seq as u64), Hash32(hash))
        }
        None => (EventSeq(0), Hash32::ZERO),
    };
    let hlc =
        latest.map_or(Hlc::default(), |(wall_ms, logical)| Hlc { wall_ms: wall_ms as u64, logical: logical as u32 });
    Ok(Head { seq, hash, hlc })
}

/// One commit in progress: appends events to the node's chain and projects them.
pub struct Commit<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) tenant: TenantId,
    pub(crate) node: NodeId,
    pub state: LedgerState,
    pub(crate) head: Head,
    pub(crate) now_ms: u64,
    pub(crate) projector: Projector,
    pub(crate) appended: u64,
    /// The user the events name (`Store::as_user`).
    pub(crate) author: Option<String>,
}

impl Commit<'_> {
    /// The wall-clock stamp the next event recorded in this commit carries.
    pub(crate) fn next_stamp_ms(&self) -> u64 {
        self.head.hlc.tick(self.now_ms).wall_ms
    }

    /// Appends a fact that the caller has checked against `state`, and projects it.
    pub fn record(&mut self, fact: Fact) -> Result<(), StoreError> {
        let payload = match &self.author {
            Some(by) => rempart_domain::facts::with_author(fact.to_payload(), by),
            None => fact.to_payload(),
        };
        let origin = self.append_raw(fact.kind(), payload)?;
        self.projector.apply(self.conn, &mut self.state, origin, &fact)
    }

    pub(crate) fn append_raw(&mut self, kind: &str, payload: Vec<u8>) -> Result<Origin, StoreError> {
        let seq = self.head.seq.next();
        let hlc = self.head.hlc.tick(self.now_ms);
        let event = Event::new(self.tenant, self.node, seq, hlc, self.head.hash, kind, payload)?;
        let hash = event.hash();
        // The chain goes on from its head, on a clock that only moves forward. The clock's last
        // reading may come from a peer's event (take-in moves it past everything seen): one at
        // the very end of the clock's range is refused here, not a panic.
        assert_eq!(seq.0, self.head.seq.0 + 1, "an event continues its chain");
        if hlc <= self.head.hlc {
            return Err(StoreError::ClockExhausted);
        }
        self.conn
            .prepare_cached(
                "INSERT INTO events (node, seq, version, tenant, hlc_wall_ms, hlc_logical, prev, kind, payload, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                &self.node.as_bytes()[..],
                seq.0 as i64,
                event.version,
                &self.tenant.as_bytes()[..],
                hlc.wall_ms as i64,
                hlc.logical,
                &event.prev.as_bytes()[..],
                event.kind,
                event.payload,
                &hash.as_bytes()[..]
            ])?;
        self.head = Head { seq, hash, hlc };
        self.appended += 1;
        Ok(Origin { tenant: self.tenant, node: self.node, seq, hlc })
    }

    /// The content digest of the entry recorded under `id`, in this commit or before.
    pub(crate) fn entry_digest(&self, id: &str) -> Result<Option<[u8; 32]>, StoreError> {
        if let Some(digest) = self.projector.pending_digest(id) {
            return Ok(Some(digest));
        }
        let stored: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT digest FROM p_entries WHERE id = ?1")?
            .query_row([id], |row| row.get(0))
            .optional()?;
        stored
            .map(|bytes| bytes.try_into().map_err(|_| Damage::WrongLength { what: Blob::EntryDigest }.into()))
            .transpose()
    }
}

impl Store {
    /// Runs `build` inside one transaction and seals what it appended. Nothing is written if it
    /// fails; success is returned only once the commit is durable.
    pub fn commit<T>(&mut self, build: impl FnOnce(&mut Commit<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let span = tracing::debug_span!("commit", tenant = %self.tenant, node = %self.node.short());
        let _entered = span.enter();
        if self.copy_unconfirmed {
            return Err(StoreError::CopyNotConfirmed);
        }
        // Immediate: the write lock is taken before anything is read, so that a checkpoint that
        // resets the WAL meanwhile cannot leave this transaction reading a snapshot it may not
        // write on (SQLITE_BUSY_SNAPSHOT); a writer waits on the lock instead.
        let transaction = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process on this data directory (`rempart sync` beside `rempart serve`) may
        // have committed since this handle last looked: the chain goes on from the head in the
        // database, with the books' state as it now stands, never from a stale copy.
        let version = data_version(&transaction)?;
        if version != self.data_version {
            self.head = load_head(&transaction, self.node)?;
            self.state = load_state(&transaction)
                .map_err(|error| Damage::ProjectionsUnreadable { detail: error.to_string() })?;
            self.data_version = version;
        }
        let mut state = self.state.clone();
        state.journal_series.clone_from(&self.journal_series);
        let mut commit = Commit {
            conn: &transaction,
            tenant: self.tenant,
            node: self.node,
            state,
            head: self.head,
            now_ms: self.env.now_ms(),
            projector: Projector::default(),
            appended: 0,
            author: self.author.clone(),
        };
        let output = build(&mut commit)?;
        commit.projector.flush(commit.conn)?;
        let (state, head, appended) = (commit.state, commit.head, commit.appended);
        // The chain grew by exactly the events appended, and a commit that appended nothing
        // leaves the head where it was.
        assert_eq!(head.seq.0, self.head.seq.0 + appended, "the head moved by the events appended");
        assert!(appended > 0 || head.hash == self.head.hash, "an empty commit keeps the head");
        let seal = (appended > 0).then(|| Seal::sign(&self.key, self.tenant, self.node, head.seq, head.hash));
        debug_assert!(seal.as_ref().is_none_or(|seal| seal.is_valid(&self.key.verifying_key())), "the seal verifies");
        if let Some(seal) = &seal {
            transaction.execute(
                "INSERT INTO seals (node, seq, head, signature) VALUES (?1, ?2, ?3, ?4)",
                params![&self.node.as_bytes()[..], seal.seq.0 as i64, &seal.head.as_bytes()[..], &seal.signature[..]],
            )?;
        }
        transaction.commit()?;
        self.state = state;
        self.head = head;
        if let Some(seal) = seal {
            crate::durable::write_atomically(&self.dir.join(ANCHOR_FILE), &seal.encode())
                .map_err(|source| StoreError::AnchorNotWritten { seq: seal.seq.0, source })?;
            tracing::debug!(events = appended, head = seal.seq.0, "commit sealed and durable");
        }
        Ok(output)
    }
}
