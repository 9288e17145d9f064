//! Where the store takes time and randomness: the clock that stamps its events (HLC wall time,
//! when a fork was seen) and the bytes of the ids and keys it makes (tenant, node, signing key
//! of a new company, record ids). In the product the clock is the system's and the bytes are a
//! stream keyed by 32 bytes of the operating system's generator; a simulation gives its own clock
//! and seed, so that a replayed seed gives the same events, byte for byte.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::StoreError;

/// A clock in milliseconds since the Unix epoch.
#[derive(Debug, Clone)]
pub enum Clock {
    System,
    /// A clock a simulation moves by hand, shared by everything it drives.
    Simulated(Arc<AtomicU64>),
}

impl Clock {
    pub fn now_ms(&self) -> u64 {
        match self {
            Clock::System => {
                SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
            }
            Clock::Simulated(now) => now.load(Ordering::Relaxed),
        }
    }

    /// Waits `millis`: real time on the system clock; a simulated clock is moved on instead.
    pub fn pause(&self, millis: u64) {
        match self {
            Clock::System => std::thread::sleep(std::time::Duration::from_millis(millis)),
            Clock::Simulated(now) => {
                now.fetch_add(millis, Ordering::Relaxed);
            }
        }
    }
}

/// A clock and a stream of bytes: BLAKE3 in keyed mode over a counter, which is a
/// cryptographically secure generator for a secret key, and a reproducible one for a known key.
/// Its key never shows in a debug print.
pub struct Environment {
    clock: Clock,
    key: [u8; 32],
    drawn: Cell<u64>,
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Environment").field("clock", &self.clock).field("drawn", &self.drawn).finish()
    }
}

impl Environment {
    /// Goes on from a key drawn from the stream itself: what was drawn before (a signing key)
    /// cannot be found again from the environment the store keeps.
    pub fn rekey(&mut self) {
        self.key = self.bytes();
        self.drawn.set(0);
    }

    /// The system's clock, and a stream keyed by the operating system's generator.
    pub fn system() -> Result<Environment, StoreError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|source| StoreError::Random { source })?;
        Ok(Environment::seeded(Clock::System, key))
    }

    /// `clock`, and the stream of `seed`: the same seed gives the same bytes.
    pub fn seeded(clock: Clock, seed: [u8; 32]) -> Environment {
        Environment { clock, key: seed, drawn: Cell::new(0) }
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The next `N` bytes of the stream.
    pub fn bytes<const N: usize>(&self) -> [u8; N] {
        let drawn = self.drawn.get();
        self.drawn.set(drawn.wrapping_add(1));
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(&drawn.to_le_bytes());
        let mut out = [0u8; N];
        hasher.finalize_xof().fill(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_bytes_and_each_draw_differs() {
        let clock = Clock::Simulated(Arc::new(AtomicU64::new(1_700_000_000_000)));
        let (one, two) = (Environment::seeded(clock.clone(), [3; 32]), Environment::seeded(clock, [3; 32]));
        let first: [u8; 16] = one.bytes();
        assert_eq!(first, two.bytes::<16>());
        assert_ne!(first, one.bytes::<16>(), "the second draw differs from the first");
        assert_ne!(Environment::seeded(Clock::System, [4; 32]).bytes::<16>(), first, "another seed, other bytes");
        assert_eq!(one.now_ms(), 1_700_000_000_000);
        assert!(!format!("{one:?}").contains("[3, 3"), "the key is not printed");
        let mut rekeyed = Environment::seeded(Clock::System, [3; 32]);
        let before: [u8; 16] = Environment::seeded(Clock::System, [3; 32]).bytes();
        rekeyed.rekey();
        assert_ne!(rekeyed.bytes::<16>(), before, "another stream after a new key");
    }
}
