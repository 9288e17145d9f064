//! What one hub allows a company, and all of them: requests per second (a bucket per company,
//! spent by authenticated requests only), bytes stored per company (counted from one listing,
//! then by each write) and for the whole hub, and the sizes of bodies and downloads.

use rempart_log::TenantId;
use rempart_sync::batch::HEADER_BYTES;

use crate::layout::{TENANTS_PREFIX, tenant_prefix};
use crate::request::{Refusal, refuse};
use crate::{Hub, Put, lock};

/// Limits of one hub, per tenant.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes a tenant may store.
    pub quota_bytes: u64,
    /// Sustained requests per second per tenant, and the burst allowed above it.
    pub requests_per_second: u32,
    pub burst: u32,
    /// How far ahead of the hub's clock a batch's events may be stamped.
    pub clock_ahead_ms: u64,
    /// Largest request body.
    pub body_bytes_max: usize,
    /// Most bytes of batches served by one download request.
    pub download_bytes_max: usize,
    /// Most companies the hub admits, and most bytes it stores for all of them.
    pub companies_max: u64,
    pub hub_bytes_max: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            quota_bytes: 20 << 30,
            requests_per_second: 200,
            burst: 400,
            clock_ahead_ms: 10 * 60 * 1000,
            body_bytes_max: rempart_sync::batch::CIPHERTEXT_BYTES_MAX + HEADER_BYTES,
            download_bytes_max: 16 << 20,
            companies_max: 10_000,
            hub_bytes_max: 4 << 40,
        }
    }
}

/// A company's request budget: tokens refilled at the sustained rate, up to the burst.
pub(crate) struct Bucket {
    tokens: f64,
    at_ms: u64,
}

/// Rate buckets kept before idle ones are forgotten.
const BUCKETS_MAX: usize = 100_000;

fn rate_limited() -> Refusal {
    refuse(429, "rate_limited", "too many requests for this company: slow down and retry")
}

impl Hub {
    /// A company's budget of requests, counted once a request is authenticated, so that strangers
    /// cannot spend it. Nothing is served to a request that is not signed.
    pub(crate) fn rate_limit(&self, tenant: TenantId, now_ms: u64) -> Result<(), Refusal> {
        let mut buckets = lock(&self.buckets);
        if buckets.len() > BUCKETS_MAX {
            buckets.retain(|_, bucket| bucket.at_ms + 60_000 > now_ms);
        }
        let burst = f64::from(self.limits.burst);
        let bucket = buckets.entry(tenant).or_insert(Bucket { tokens: burst, at_ms: now_ms });
        bucket.tokens = self.tokens(bucket, now_ms);
        bucket.at_ms = bucket.at_ms.max(now_ms);
        if bucket.tokens < 1.0 {
            return Err(rate_limited());
        }
        bucket.tokens -= 1.0;
        Ok(())
    }

    /// Refuses, before its body is read, a request of a company whose budget is spent at
    /// `now_ms` (nothing is taken from it): a device sending again what was refused for the
    /// rate costs the hub no body and no signature check.
    pub(crate) fn rate_spent(&self, tenant: TenantId, now_ms: u64) -> Result<(), Refusal> {
        match lock(&self.buckets).get(&tenant) {
            Some(bucket) if self.tokens(bucket, now_ms) < 1.0 => Err(rate_limited()),
            _ => Ok(()),
        }
    }

    /// The tokens of `bucket` at `now_ms`: refilled at the sustained rate, up to the burst.
    fn tokens(&self, bucket: &Bucket, now_ms: u64) -> f64 {
        let (rate, burst) = (f64::from(self.limits.requests_per_second), f64::from(self.limits.burst));
        let elapsed = now_ms.saturating_sub(bucket.at_ms) as f64 / 1000.0;
        (bucket.tokens + elapsed * rate).min(burst)
    }

    /// Bytes stored for the company: listed once, then counted as this process stores.
    pub(crate) fn usage(&self, tenant: TenantId) -> Result<u64, Refusal> {
        if let Some(bytes) = lock(&self.usage).get(&tenant) {
            return Ok(*bytes);
        }
        let total = self.objects.list(&tenant_prefix(tenant))?.iter().map(|object| object.size).sum();
        lock(&self.usage).insert(tenant, total);
        Ok(total)
    }

    /// Bytes stored for every company, listed once and then counted as this process stores (other
    /// processes sharing the storage count their own: the cap holds to within what they add).
    fn hub_usage(&self) -> Result<u64, Refusal> {
        if let Some(bytes) = *lock(&self.hub_usage) {
            return Ok(bytes);
        }
        let total = self.objects.list(TENANTS_PREFIX)?.iter().map(|object| object.size).sum();
        *lock(&self.hub_usage) = Some(total);
        Ok(total)
    }

    fn quota_used_up(&self) -> Refusal {
        refuse(
            507,
            "quota",
            format!("the company's storage quota of {} bytes at the hub is used up", self.limits.quota_bytes),
        )
    }

    /// A create-only write counted against the tenant's quota and the hub's.
    pub(crate) fn store_new(&self, key: &str, bytes: &[u8], tenant: TenantId) -> Result<Put, Refusal> {
        if self.hub_usage()?.saturating_add(bytes.len() as u64) > self.limits.hub_bytes_max {
            return Err(refuse(507, "hub_full", "the hub's storage is full: nothing was stored"));
        }
        let used = self.usage(tenant)?;
        if used + bytes.len() as u64 > self.limits.quota_bytes {
            return Err(self.quota_used_up());
        }
        let put = self.objects.put_new(key, bytes)?;
        if put == Put::Created {
            *lock(&self.usage).entry(tenant).or_default() += bytes.len() as u64;
            if let Some(total) = lock(&self.hub_usage).as_mut() {
                *total = total.saturating_add(bytes.len() as u64);
            }
        }
        Ok(put)
    }

    /// An overwrite of an object of `old_len` bytes, counted against the tenant's quota by the
    /// difference in size.
    pub(crate) fn store_replace(&self, key: &str, bytes: &[u8], old_len: u64, tenant: TenantId) -> Result<(), Refusal> {
        let used = self.usage(tenant)?;
        let after = used.saturating_sub(old_len) + bytes.len() as u64;
        if after > used && after > self.limits.quota_bytes {
            return Err(self.quota_used_up());
        }
        self.objects.put(key, bytes)?;
        // By the difference, so that writes counted meanwhile by other requests stay counted.
        let mut usage = lock(&self.usage);
        let used = usage.entry(tenant).or_default();
        *used = used.saturating_sub(old_len) + bytes.len() as u64;
        Ok(())
    }
}
