//! The hub's counters, served at `/metrics` in the Prometheus text format: to this machine, or
//! elsewhere with the metrics token.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::request::{Refusal, Request, Response, refuse};
use crate::{Hub, lock};

#[derive(Default)]
pub(crate) struct Metrics {
    pub(crate) requests: AtomicU64,
    pub(crate) refused: Mutex<HashMap<&'static str, u64>>,
    pub(crate) batches_stored: AtomicU64,
    pub(crate) batch_bytes_stored: AtomicU64,
    pub(crate) events_stored: AtomicU64,
}

impl Metrics {
    /// Counts one refusal (or damage found) under its short reason.
    pub(crate) fn refused(&self, reason: &'static str) {
        *lock(&self.refused).entry(reason).or_default() += 1;
    }
}

impl Hub {
    /// `GET /metrics`: served to a request from this machine, or with the metrics token.
    pub(crate) fn metrics(&self, request: &Request) -> Result<Response, Refusal> {
        let token = request.authorization.as_deref().and_then(|value| value.strip_prefix("Bearer "));
        let opened = match (&self.metrics_token, token) {
            (Some(expected), Some(given)) => blake3::hash(expected.as_bytes()) == blake3::hash(given.trim().as_bytes()),
            _ => false,
        };
        if request.from_loopback || opened {
            Ok(self.metrics_text())
        } else {
            Err(refuse(403, "forbidden", "the metrics are served on this machine, or with the metrics token"))
        }
    }

    fn metrics_text(&self) -> Response {
        let mut out = String::new();
        let counters = [
            ("rempart_hub_requests_total", "Requests handled.", &self.metrics.requests),
            ("rempart_hub_batches_stored_total", "Batches stored.", &self.metrics.batches_stored),
            ("rempart_hub_batch_bytes_stored_total", "Bytes of batches stored.", &self.metrics.batch_bytes_stored),
            ("rempart_hub_events_stored_total", "Events in the batches stored.", &self.metrics.events_stored),
        ];
        for (name, help, value) in counters {
            let value = value.load(Ordering::Relaxed);
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        }
        let _ = writeln!(
            out,
            "# HELP rempart_hub_refused_total Requests refused, by reason.\n# TYPE rempart_hub_refused_total counter"
        );
        let mut refused: Vec<(&str, u64)> = lock(&self.metrics.refused).iter().map(|(k, v)| (*k, *v)).collect();
        refused.sort();
        for (reason, count) in refused {
            let _ = writeln!(out, "rempart_hub_refused_total{{reason=\"{reason}\"}} {count}");
        }
        Response::text(200, out)
    }
}
