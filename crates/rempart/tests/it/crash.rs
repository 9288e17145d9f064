//! Crash safety: the binary, posting entries and importing files in a loop, is killed with SIGKILL
//! at seeded random moments. Afterwards verify passes, every entry whose success was printed is
//! present, and every file import is all or nothing.

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use crate::{Company, path_arg};

/// Kills that must land on a running process, and the most rounds tried to get them.
const KILLS_MIN: usize = 50;
const ROUNDS_MAX: usize = 400;
const FILE_ENTRIES: usize = 150;

/// SplitMix64: a seeded generator for the kill moments, so a failing run can be replayed.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
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
    let mut random = SplitMix(seed);
    let company = Company::new("CH");
    let mut acknowledged: Vec<String> = Vec::new();
    let mut files: Vec<(usize, bool)> = Vec::new();
    let mut killed_while_running = 0;
    let mut round = 0;
    while killed_while_running < KILLS_MIN && round < ROUNDS_MAX {
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
        if is_file {
            files.push((round, stdout.contains("entries recorded")));
        } else if stdout.contains("recorded as") {
            acknowledged.push(id);
        }
    }
    assert!(
        killed_while_running >= KILLS_MIN,
        "only {killed_while_running} of {round} kills hit a running process (seed {seed})"
    );
    eprintln!(
        "seed {seed}: {round} rounds, {killed_while_running} processes killed while running, {} entries acknowledged",
        acknowledged.len()
    );
    let verified = company.ok(&["verify"]);
    assert!(verified.starts_with("Verified: "), "seed {seed}: {verified}");
    for id in &acknowledged {
        assert!(present(&company, id), "seed {seed}: acknowledged entry {id} is lost");
    }
    for (round, acknowledged) in files {
        let count = (0..FILE_ENTRIES).filter(|index| present(&company, &format!("F{round}-{index}"))).count();
        assert!(count == 0 || count == FILE_ENTRIES, "seed {seed}: file {round} was half imported ({count} entries)");
        if acknowledged {
            assert_eq!(count, FILE_ENTRIES, "seed {seed}: acknowledged file {round} is lost");
        }
    }
}
