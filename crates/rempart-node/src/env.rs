//! Where the node's time and randomness come from: an `Env`, the system's clock and generator in
//! the product (`system_now_ms`, `system_random`), a seeded clock and stream in the simulation.

use rempart_store::{Clock, Environment};

/// Clock and randomness, from the system in the product and from a seed in the simulation. A
/// data directory the node makes (join, restore) takes its clock and a stream seeded from
/// `random`, so that a simulation's devices have the same ids in every run of a seed.
pub struct Env<'a> {
    pub clock: Clock,
    pub random: &'a mut dyn FnMut(&mut [u8]),
}

impl Env<'_> {
    pub(crate) fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        (self.random)(&mut out);
        out
    }

    pub(crate) fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    /// Waits about `millis`: between half and one and a half times it, drawn, so that devices
    /// refused together do not come back together. A simulated clock is moved on instead.
    pub(crate) fn pause_about(&mut self, millis: u64) {
        let drawn = u64::from_le_bytes(self.bytes());
        self.clock.pause(millis / 2 + drawn % millis.max(1));
    }

    /// The environment of a data directory this node makes.
    pub(crate) fn store_environment(&mut self) -> Environment {
        Environment::seeded(self.clock.clone(), self.bytes())
    }
}

/// The system clock and random generator.
pub fn system_now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

pub fn system_random(buffer: &mut [u8]) {
    // The operating system's generator failing is not something to carry on from.
    if let Err(error) = getrandom::fill(buffer) {
        panic!("the system random number generator failed: {error}");
    }
}
