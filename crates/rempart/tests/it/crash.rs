//! Crash safety: the binary, posting entries and importing files in a loop, is killed with SIGKILL
//! at seeded random moments. Afterwards verify passes, every entry whose success was printed is
//! present, and every file import is all or nothing. The run must bite: it goes on until it has
//! seen every outcome a kill can leave (acknowledged entries and files, a commit made but not
//! acknowledged, a file absent), and fails if it could not.

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use crate::{Company, path_arg};

/// Kills that must land on a running process (`REMPART_CRASH_KILLS`, 50 by default), and the
/// most rounds tried per kill asked for.
const KILLS_DEFAULT: usize = 50;
const ROUNDS_PER_KILL_MAX: usize = 12;
const FILE_ENTRIES: usize = 150;
/// What every run must have seen at its end.
const ACKNOWLEDGED_ENTRIES_MIN: usize = 20;

/// What the kills left, counted.
#[derive(Debug, Default)]
struct Outcomes {
    acknowledged_entries: usize,
    acknowledged_files: usize,
    /// Entries or files present although their success was never printed: the kill came between
    /// the commit and the acknowledgement.
    committed_unacknowledged: usize,
    /// Files neither acknowledged nor present: the kill came before the commit.
    absent_files: usize,
}

impl Outcomes {
    fn complete(&self) -> bool {
        self.acknowledged_entries >= ACKNOWLEDGED_ENTRIES_MIN
            && self.acknowledged_files >= 1
            && self.committed_unacknowledged >= 1
            && self.absent_files >= 1
    }
}

/// SplitMix64: a seeded generator for the kill moments, so a failing run can be replayed.
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn jsonl(round: usize) -> String {
    (0..FILE_ENTRIES)
        .map(|index| {
            format!(
                "{{\"id\":\"F{round}-{index}\",\"date\":\"2026-05-{:02}\",\"text\":\"Crash test\",\"postings\":[{{\"account\":\"6000\",\"amount\":\"{}.05\"}},{{\"account\":\"1020\",\"amount\":\"-{}.05\"}}]}}\n",
                1 + index % 28,
                index + 1,
                index + 1
            )
        })
        .collect()
}

fn present(company: &Company, id: &str) -> bool {
    company
        .database()
        .query_row("SELECT count(*) FROM p_entries WHERE id = ?1", [id], |row| row.get::<_, i64>(0))
        .expect("query")
        == 1
}

#[test]
fn acknowledged_entries_survive_sigkill() {
    let seed = std::env::var("REMPART_CRASH_SEED").ok().and_then(|text| text.parse().ok()).unwrap_or(20_261_122u64);
    let kills_min =
        std::env::var("REMPART_CRASH_KILLS").ok().and_then(|text| text.parse().ok()).unwrap_or(KILLS_DEFAULT);
    let rounds_max = kills_min.max(KILLS_DEFAULT) * ROUNDS_PER_KILL_MAX;
    let mut random = SplitMix(seed);
    let company = Company::new("CH");
    // Entries by id with whether their success was printed; files by round, likewise.
    let mut entries: Vec<(String, bool)> = Vec::new();
    let mut files: Vec<(usize, bool)> = Vec::new();
    let mut outcomes = Outcomes::default();
    let mut killed_while_running = 0;
    let mut round = 0;
    while (killed_while_running < kills_min || !outcomes.complete()) && round < rounds_max {
        round += 1;
        let mut command = crate::binary();
        command.arg("--data-dir").arg(&company.dir);
        let is_file = round % 2 == 1;
        let id = format!("K{round}");
        if is_file {
            let path = company.write(&format!("round-{round}.jsonl"), &jsonl(round));
            command.args(["import", "entries", path_arg(&path)]);
        } else {
            command.args([
                "entry",
                "add",
                "--id",
                &id,
                "--date",
                "2026-06-01",
                "--text",
                "Crash",
                "--post",
                "6000=1.00",
                "--post",
                "1020=-1.00",
            ]);
        }
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn");
        // The kill moment, not a synchronisation: anywhere from before start-up to after the end.
        std::thread::sleep(Duration::from_micros(random.next() % 40_000));
        if child.try_wait().expect("try_wait").is_none() {
            killed_while_running += 1;
        }
        let _ = child.kill();
        child.wait().expect("wait");
        let mut stdout = String::new();
        child.stdout.take().expect("stdout").read_to_string(&mut stdout).expect("read stdout");
        // What this round left, counted as it comes so that the loop knows when it has seen all.
        if is_file {
            let acknowledged = stdout.contains("entries recorded");
            let present = present(&company, &format!("F{round}-0"));
            match (acknowledged, present) {
                (true, _) => outcomes.acknowledged_files += 1,
                (false, true) => outcomes.committed_unacknowledged += 1,
                (false, false) => outcomes.absent_files += 1,
            }
            files.push((round, acknowledged));
        } else {
            let acknowledged = stdout.contains("recorded as");
            if acknowledged {
                outcomes.acknowledged_entries += 1;
            } else if present(&company, &id) {
                outcomes.committed_unacknowledged += 1;
            }
            entries.push((id, acknowledged));
        }
    }
    eprintln!("seed {seed}: {round} rounds, {killed_while_running} processes killed while running, {outcomes:?}");
    assert!(
        killed_while_running >= kills_min,
        "only {killed_while_running} of {round} kills hit a running process (seed {seed})"
    );
    assert!(outcomes.complete(), "seed {seed}: {round} rounds did not leave every outcome: {outcomes:?}");
    let verified = company.ok(&["verify"]);
    assert!(verified.starts_with("Verified: "), "seed {seed}: {verified}");
    for (id, acknowledged) in &entries {
        if *acknowledged {
            assert!(present(&company, id), "seed {seed}: acknowledged entry {id} is lost");
        }
    }
    let mut lost = 0;
    for (round, acknowledged) in files {
        let count = (0..FILE_ENTRIES).filter(|index| present(&company, &format!("F{round}-{index}"))).count();
        assert!(count == 0 || count == FILE_ENTRIES, "seed {seed}: file {round} was half imported ({count} entries)");
        if acknowledged && count != FILE_ENTRIES {
            lost += 1;
        }
    }
    assert_eq!(lost, 0, "seed {seed}: acknowledged files lost");
}
