//! An S3-compatible bucket as the hub's object store: one bucket shared by any number of hub
//! processes. Writes that must not overwrite use `If-None-Match: *`, so of two hubs racing on one
//! key exactly one wins (S3 answers the other 412). Requests are signed with AWS Signature V4
//! (presigned URLs from `rusty-s3`) and sent with `ureq`.
//!
//! The store is named `s3://BUCKET` (an optional `/PREFIX` after it); the endpoint comes from
//! `AWS_ENDPOINT_URL` (default `https://s3.<region>.amazonaws.com`), the region from
//! `AWS_REGION` (default `us-east-1`), the credentials from `AWS_ACCESS_KEY_ID` and
//! `AWS_SECRET_ACCESS_KEY`. Paths are used (`endpoint/bucket/key`), which every S3-compatible
//! server accepts.

use std::time::Duration;

use instant_xml::FromXml;
use rusty_s3::actions::ListObjectsV2;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use crate::objects::{Listed, ObjectError, ObjectStore, Put, S3Step, check_key};

const SIGNED_FOR: Duration = Duration::from_secs(300);

pub struct S3Store {
    bucket: Bucket,
    credentials: Credentials,
    agent: ureq::Agent,
    /// Where in the bucket the keys are (`PREFIX/` of `s3://BUCKET/PREFIX`), or nothing.
    prefix: String,
    /// Each key read as its first version, whatever was written over it since or deleted
    /// (a backup's bucket, versioned under Object Lock: `reading_first_versions`).
    first_versions: bool,
    /// Each object written create-only is locked for this long, and sent with its checksum.
    lock: Option<ObjectLock>,
    /// The most bytes an object read may hold (a hub's batches are small; a backup's
    /// checkpoint is the whole database).
    read_limit: u64,
}

/// S3 Object Lock as each object is written: its mode and how many days it is retained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ObjectLock {
    pub mode: LockMode,
    pub days: u32,
}

/// Compliance: no one can delete a locked object or shorten its retention, the bucket's owner
/// included. Governance: only a credential allowed to bypass governance can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockMode {
    Compliance,
    Governance,
}

impl LockMode {
    fn header(self) -> &'static str {
        match self {
            LockMode::Compliance => "COMPLIANCE",
            LockMode::Governance => "GOVERNANCE",
        }
    }
}

/// S3 out of reach (or the connection broken) while `step` was done on `key`.
fn unreachable(step: S3Step, key: &str) -> impl Fn(ureq::Error) -> ObjectError + '_ {
    move |source| ObjectError::Unreachable { step, key: key.to_owned(), source: Box::new(source) }
}

/// S3 answered `status` to `step` on `key`.
fn answered(step: S3Step, key: &str, status: u16) -> ObjectError {
    ObjectError::Status { step, key: key.to_owned(), status }
}

/// S3's answer to `step` on `key` does not read.
fn unreadable<E>(step: S3Step, key: &str) -> impl Fn(E) -> ObjectError + '_ {
    move |_| ObjectError::Unreadable { step, key: key.to_owned() }
}

impl S3Store {
    /// Opens `s3://BUCKET` with the endpoint, region and credentials of the environment.
    pub fn from_url(store: &str) -> Result<S3Store, ObjectError> {
        let name = store
            .strip_prefix("s3://")
            .map(|rest| rest.trim_end_matches('/'))
            .filter(|name| !name.is_empty() && !name.contains('/'))
            .ok_or_else(|| ObjectError::NotS3 { store: store.to_owned() })?;
        let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".to_owned());
        let endpoint =
            std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| format!("https://s3.{region}.amazonaws.com"));
        let key = std::env::var("AWS_ACCESS_KEY_ID").map_err(|_| ObjectError::Unset { name: "AWS_ACCESS_KEY_ID" })?;
        let secret =
            std::env::var("AWS_SECRET_ACCESS_KEY").map_err(|_| ObjectError::Unset { name: "AWS_SECRET_ACCESS_KEY" })?;
        S3Store::new(&endpoint, name, &region, Credentials::new(key, secret))
    }

    pub fn new(endpoint: &str, bucket: &str, region: &str, credentials: Credentials) -> Result<S3Store, ObjectError> {
        let endpoint: url::Url =
            endpoint.parse().map_err(|source| ObjectError::Endpoint { endpoint: endpoint.to_owned(), source })?;
        let bucket = Bucket::new(endpoint, UrlStyle::Path, bucket.to_owned(), region.to_owned())
            .map_err(|source| ObjectError::Bucket { bucket: bucket.to_owned(), source })?;
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Ok(S3Store {
            bucket,
            credentials,
            agent,
            prefix: String::new(),
            lock: None,
            first_versions: false,
            read_limit: 64 << 20,
        })
    }

    /// The same bucket, its keys under `prefix` (segments as keys have them), each object written
    /// create-only locked as `lock` says and sent with its SHA-256 checksum, which S3 checks.
    pub fn within(mut self, prefix: &str, lock: Option<ObjectLock>) -> Result<S3Store, ObjectError> {
        let prefix = prefix.trim_matches('/');
        if !prefix.is_empty() {
            check_key(prefix)?;
            self.prefix = format!("{prefix}/");
        }
        self.lock = lock;
        Ok(self)
    }

    /// The same bucket, each key read as its first version: what was written create-only and
    /// locked, whatever someone holding a writing credential wrote over it since (a new version)
    /// or deleted (a delete marker). For a bucket with versioning, as Object Lock requires.
    pub fn reading_first_versions(mut self) -> S3Store {
        self.first_versions = true;
        self
    }

    /// The same bucket, objects read up to `bytes` each (64 MiB unless told).
    pub fn reading_objects_up_to(mut self, bytes: u64) -> S3Store {
        self.read_limit = bytes;
        self
    }

    /// Every version of the keys under `within` (a full key or prefix): key, version id and size,
    /// in key order, each key's versions newest first. Delete markers are no versions.
    fn versions_under(&self, within: &str) -> Result<Vec<(String, String, u64)>, ObjectError> {
        let mut all: Vec<(String, String, u64)> = Vec::new();
        let (mut key_marker, mut version_marker) = (String::new(), String::new());
        loop {
            let mut url = self.bucket.object_url("");
            url.set_query(None);
            let mut query: Vec<(&str, &str)> = Vec::new();
            if !key_marker.is_empty() {
                query.push(("key-marker", &key_marker));
            }
            query.push(("prefix", within));
            if !version_marker.is_empty() {
                query.push(("version-id-marker", &version_marker));
            }
            query.push(("versions", ""));
            let signed = rusty_s3::signing::sign(
                &jiff::Timestamp::now(),
                rusty_s3::Method::Get,
                url,
                self.credentials.key(),
                self.credentials.secret(),
                self.credentials.token(),
                self.bucket.region(),
                SIGNED_FOR.as_secs(),
                query.iter().copied(),
                std::iter::empty(),
            );
            let step = S3Step::ListVersions;
            let mut response = self.agent.get(signed.as_str()).call().map_err(unreachable(step, within))?;
            if response.status().as_u16() != 200 {
                return Err(answered(step, within, response.status().as_u16()));
            }
            let text = response
                .body_mut()
                .with_config()
                .limit(64 << 20)
                .read_to_string()
                .map_err(unreachable(step, within))?;
            let page: ListVersions = instant_xml::from_str(&text).map_err(unreadable(step, within))?;
            all.extend(page.versions.into_iter().map(|v| (v.key, v.version_id, v.size.unwrap_or(0))));
            match (page.is_truncated, page.next_key_marker, page.next_version_id_marker) {
                (Some(true), Some(key), Some(version)) if !key.is_empty() => {
                    key_marker = key;
                    version_marker = version;
                }
                _ => break,
            }
        }
        Ok(all)
    }

    /// Each key's first version (the oldest) under `within`, with its version id and size, in
    /// key order.
    fn first_versions_under(&self, within: &str) -> Result<Vec<(String, String, u64)>, ObjectError> {
        let mut firsts: Vec<(String, String, u64)> = Vec::new();
        // S3 lists a key's versions newest first: the last one seen is its first.
        for version in self.versions_under(within)? {
            match firsts.last_mut() {
                Some(last) if last.0 == version.0 => *last = version,
                _ => firsts.push(version),
            }
        }
        Ok(firsts)
    }

    /// Every version of every key of ours under `prefix` (delete markers left out), each with
    /// its version id: what pruning a key removes is all of them.
    pub fn versions(&self, prefix: &str) -> Result<Vec<Listed>, ObjectError> {
        let within = format!("{}{prefix}", self.prefix);
        Ok(self
            .versions_under(&within)?
            .into_iter()
            .map(|(key, version, size)| Listed {
                key: key.strip_prefix(&self.prefix).unwrap_or(&key).to_owned(),
                size,
                version,
            })
            .collect())
    }

    /// The moment (Unix milliseconds) until which Object Lock retains a version of a key, if it
    /// was ever locked (the moment may have passed).
    pub fn retained_until(&self, key: &str, version: &str) -> Result<Option<u64>, ObjectError> {
        let full = &self.full(key)?;
        let mut action = self.bucket.head_object(Some(&self.credentials), full);
        action.query_mut().insert("versionId", version.to_owned());
        let url = action.sign(SIGNED_FOR);
        let step = S3Step::ReadLock;
        let response = self.agent.head(url.as_str()).call().map_err(unreachable(step, full))?;
        if response.status().as_u16() != 200 {
            return Err(answered(step, full, response.status().as_u16()));
        }
        let Some(until) = response.headers().get("x-amz-object-lock-retain-until-date") else { return Ok(None) };
        let until = until
            .to_str()
            .ok()
            .and_then(|text| text.parse::<jiff::Timestamp>().ok())
            .ok_or_else(|| unreadable(step, full)(()))?;
        Ok(u64::try_from(until.as_millisecond()).ok())
    }

    /// Removes one version of a key for good: S3 refuses while a retention holds it (compliance
    /// mode, or governance without the right to bypass it), and a credential without the right
    /// to delete versions is refused too.
    pub fn remove_version(&self, key: &str, version: &str) -> Result<(), ObjectError> {
        let full = &self.full(key)?;
        let mut action = self.bucket.delete_object(Some(&self.credentials), full);
        action.query_mut().insert("versionId", version.to_owned());
        let url = action.sign(SIGNED_FOR);
        let response = self.agent.delete(url.as_str()).call().map_err(unreachable(S3Step::Remove, full))?;
        match response.status().as_u16() {
            200 | 204 => Ok(()),
            status => Err(answered(S3Step::Remove, full, status)),
        }
    }

    /// A key's first version, read whole or its first `range` bytes.
    fn read_first(&self, key: &str, range: Option<usize>) -> Result<Option<Vec<u8>>, ObjectError> {
        let limit = self.read_limit.min(crate::objects::read_limit(key));
        let full = self.full(key)?;
        let Some((_, version, _)) =
            self.first_versions_under(&full)?.into_iter().find(|(listed, _, _)| *listed == full)
        else {
            return Ok(None);
        };
        let mut action = self.bucket.get_object(Some(&self.credentials), &full);
        action.query_mut().insert("versionId", version);
        let url = action.sign(SIGNED_FOR);
        let mut request = self.agent.get(url.as_str());
        if let Some(len) = range {
            request = request.header("range", &format!("bytes=0-{}", len.saturating_sub(1)));
        }
        let mut response = request.call().map_err(unreachable(S3Step::Read, &full))?;
        match response.status().as_u16() {
            200 | 206 => read_body(&mut response, (key, limit)).map(Some),
            416 => Ok(Some(Vec::new())),
            status => Err(answered(S3Step::Read, &full, status)),
        }
    }

    /// Extends the retention of an object (of its `version`, else its latest) to `lock.days` from
    /// now (S3 refuses to shorten one; in compliance mode nobody can).
    pub fn extend_retention(&self, key: &str, version: Option<&str>, lock: ObjectLock) -> Result<(), ObjectError> {
        let key = &self.full(key)?;
        let until = std::time::SystemTime::now() + Duration::from_secs(u64::from(lock.days) * 86_400);
        let body = format!(
            "<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>{}</Mode><RetainUntilDate>{}</RetainUntilDate></Retention>",
            lock.mode.header(),
            rfc3339(until)
        );
        let sum = checksum(body.as_bytes());
        let mut action = self.bucket.put_object(Some(&self.credentials), key);
        action.query_mut().insert("retention", "");
        if let Some(version) = version {
            action.query_mut().insert("versionId", version.to_owned());
        }
        action.headers_mut().insert("x-amz-checksum-sha256", sum.clone());
        action.headers_mut().insert("x-amz-sdk-checksum-algorithm", "SHA256");
        let url = action.sign(SIGNED_FOR);
        let response = self
            .agent
            .put(url.as_str())
            .header("x-amz-checksum-sha256", &sum)
            .header("x-amz-sdk-checksum-algorithm", "SHA256")
            .send(body.as_bytes())
            .map_err(unreachable(S3Step::ExtendRetention, key))?;
        match response.status().as_u16() {
            200 | 204 => Ok(()),
            status => Err(answered(S3Step::ExtendRetention, key, status)),
        }
    }

    /// The key in the bucket of one of ours.
    fn full(&self, key: &str) -> Result<String, ObjectError> {
        check_key(key)?;
        Ok(format!("{}{key}", self.prefix))
    }

    /// Creates the bucket (for tests and first setups); an existing bucket of ours is fine.
    pub fn create_bucket(&self) -> Result<(), ObjectError> {
        let url = self.bucket.create_bucket(&self.credentials).sign(SIGNED_FOR);
        let bucket = self.bucket.name();
        let response = self.agent.put(url.as_str()).send_empty().map_err(unreachable(S3Step::CreateBucket, bucket))?;
        match response.status().as_u16() {
            200 | 409 => Ok(()),
            status => Err(answered(S3Step::CreateBucket, bucket, status)),
        }
    }

    fn read(&self, key: &str, range: Option<usize>) -> Result<Option<Vec<u8>>, ObjectError> {
        let limit = self.read_limit.min(crate::objects::read_limit(key));
        let ours = key;
        let key = &self.full(key)?;
        let url = self.bucket.get_object(Some(&self.credentials), key).sign(SIGNED_FOR);
        let mut request = self.agent.get(url.as_str());
        if let Some(len) = range {
            request = request.header("range", &format!("bytes=0-{}", len.saturating_sub(1)));
        }
        let mut response = request.call().map_err(unreachable(S3Step::Read, key))?;
        match response.status().as_u16() {
            200 | 206 => read_body(&mut response, (ours, limit)).map(Some),
            404 => Ok(None),
            416 => Ok(Some(Vec::new())),
            status => Err(answered(S3Step::Read, key, status)),
        }
    }
}

impl ObjectStore for S3Store {
    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<Put, ObjectError> {
        let key = &self.full(key)?;
        let mut action = self.bucket.put_object(Some(&self.credentials), key);
        // Locked until a day it is retained to, with the checksum S3 requires of a locked write.
        let mut headers: Vec<(&str, String)> = Vec::new();
        if let Some(lock) = self.lock {
            let until = std::time::SystemTime::now() + Duration::from_secs(u64::from(lock.days) * 86_400);
            headers.push(("x-amz-object-lock-mode", lock.mode.header().to_owned()));
            headers.push(("x-amz-object-lock-retain-until-date", rfc3339(until)));
            headers.push(("x-amz-checksum-sha256", checksum(bytes)));
            headers.push(("x-amz-sdk-checksum-algorithm", "SHA256".to_owned()));
        }
        for (name, value) in &headers {
            action.headers_mut().insert(*name, value.clone());
        }
        let url = action.sign(SIGNED_FOR);
        let mut request = self.agent.put(url.as_str()).header("if-none-match", "*");
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        let response = request.send(bytes).map_err(unreachable(S3Step::Write, key))?;
        match response.status().as_u16() {
            200 | 201 => Ok(Put::Created),
            // 412: the key exists; 409: another conditional write on it is in flight, and won.
            412 | 409 => Ok(Put::Exists),
            status => Err(answered(S3Step::Write, key, status)),
        }
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), ObjectError> {
        let key = &self.full(key)?;
        let url = self.bucket.put_object(Some(&self.credentials), key).sign(SIGNED_FOR);
        let response = self.agent.put(url.as_str()).send(bytes).map_err(unreachable(S3Step::Write, key))?;
        match response.status().as_u16() {
            200 | 201 => Ok(()),
            status => Err(answered(S3Step::Write, key, status)),
        }
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        if self.first_versions {
            return self.read_first(key, None);
        }
        self.read(key, None)
    }

    fn get_prefix(&self, key: &str, len: usize) -> Result<Option<Vec<u8>>, ObjectError> {
        if self.first_versions {
            return self.read_first(key, Some(len));
        }
        self.read(key, Some(len))
    }

    fn list(&self, prefix: &str) -> Result<Vec<Listed>, ObjectError> {
        if self.first_versions {
            let within = format!("{}{prefix}", self.prefix);
            return Ok(self
                .first_versions_under(&within)?
                .into_iter()
                .map(|(key, version, size)| Listed {
                    key: key.strip_prefix(&self.prefix).unwrap_or(&key).to_owned(),
                    size,
                    version,
                })
                .collect());
        }
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut action = self.bucket.list_objects_v2(Some(&self.credentials));
            let within = format!("{}{prefix}", self.prefix);
            action.with_prefix(&within);
            if let Some(token) = &token {
                action.with_continuation_token(token.clone());
            }
            let url = action.sign(SIGNED_FOR);
            let step = S3Step::List;
            let mut response = self.agent.get(url.as_str()).call().map_err(unreachable(step, &within))?;
            if response.status().as_u16() != 200 {
                return Err(answered(step, &within, response.status().as_u16()));
            }
            let text = response
                .body_mut()
                .with_config()
                .limit(64 << 20)
                .read_to_string()
                .map_err(unreachable(step, &within))?;
            let page = ListObjectsV2::parse_response(&text).map_err(unreadable(step, &within))?;
            // The ETag changes with the content, the modification time with any write.
            out.extend(page.contents.into_iter().map(|object| Listed {
                version: format!(
                    "{}|{}",
                    object.etag.as_deref().unwrap_or_default(),
                    object.last_modified.as_deref().unwrap_or_default()
                ),
                size: object.size.unwrap_or(0),
                key: object.key.strip_prefix(&self.prefix).unwrap_or(&object.key).to_owned(),
            }));
            match page.next_continuation_token {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    fn remove(&self, key: &str) -> Result<(), ObjectError> {
        let key = &self.full(key)?;
        let url = self.bucket.delete_object(Some(&self.credentials), key).sign(SIGNED_FOR);
        let response = self.agent.delete(url.as_str()).call().map_err(unreachable(S3Step::Remove, key))?;
        match response.status().as_u16() {
            200 | 204 | 404 => Ok(()),
            status => Err(answered(S3Step::Remove, key, status)),
        }
    }
}

/// An object's body, refused as too large (`ObjectError::TooLarge`, so that a reader can tell
/// it from a failure of the server) when S3 says it holds more than `limit` bytes, or sends more.
fn read_body(
    response: &mut ureq::http::Response<ureq::Body>,
    (key, limit): (&str, u64),
) -> Result<Vec<u8>, ObjectError> {
    let too_large = |bytes| ObjectError::TooLarge { key: key.to_owned(), bytes };
    let announced = response.headers().get("content-length").and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if let Some(bytes) = announced.filter(|bytes| *bytes > limit) {
        return Err(too_large(bytes));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(response.body_mut().as_reader(), limit + 1), &mut bytes)
        .map_err(|source| ObjectError::Io { key: key.to_owned(), source })?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// A page of `GET ?versions`: the versions of the keys listed (delete markers left out).
#[derive(FromXml)]
#[xml(rename = "ListVersionsResult", ns("http://s3.amazonaws.com/doc/2006-03-01/"))]
struct ListVersions {
    versions: Vec<ObjectVersion>,
    #[xml(rename = "IsTruncated")]
    is_truncated: Option<bool>,
    #[xml(rename = "NextKeyMarker")]
    next_key_marker: Option<String>,
    #[xml(rename = "NextVersionIdMarker")]
    next_version_id_marker: Option<String>,
}

#[derive(FromXml)]
#[xml(rename = "Version", ns("http://s3.amazonaws.com/doc/2006-03-01/"))]
struct ObjectVersion {
    #[xml(rename = "Key")]
    key: String,
    #[xml(rename = "VersionId")]
    version_id: String,
    #[xml(rename = "Size")]
    size: Option<u64>,
}

/// A time as S3 writes its dates: `2026-12-07T10:00:00Z`.
fn rfc3339(time: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The SHA-256 of an object's bytes as S3 checks it (`x-amz-checksum-sha256`, base64).
fn checksum(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_dates_and_checksums() {
        let at = |seconds: u64| rfc3339(std::time::UNIX_EPOCH + Duration::from_secs(seconds));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_796_647_323), "2026-12-07T12:42:03Z");
        // The SHA-256 of "abc", as FIPS 180-2 gives it, in base64.
        assert_eq!(checksum(b"abc"), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    }

    /// What cannot name a bucket is told by its kind, with what was given.
    #[test]
    fn a_store_that_is_no_bucket_is_refused_by_kind() {
        for store in ["/media/usb", "s3://", "s3://bucket/more", "https://bucket"] {
            assert!(
                matches!(S3Store::from_url(store), Err(ObjectError::NotS3 { store: given }) if given == store),
                "{store}"
            );
        }
        let credentials = Credentials::new("key", "secret");
        assert!(matches!(
            S3Store::new("not a url", "bucket", "us-east-1", credentials.clone()),
            Err(ObjectError::Endpoint { endpoint, .. }) if endpoint == "not a url"
        ));
        assert!(matches!(
            S3Store::new("ftp://127.0.0.1:9", "bucket", "us-east-1", credentials),
            Err(ObjectError::Bucket { bucket, .. }) if bucket == "bucket"
        ));
    }

    /// A server that does not answer is told as out of reach, with the step and the key.
    #[test]
    fn a_bucket_out_of_reach_is_told_with_the_step_and_the_key() {
        // A port just freed: nothing listens on it.
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr()).map(|a| a.port());
        let endpoint = format!("http://127.0.0.1:{}", port.expect("a free port"));
        let store = S3Store::new(&endpoint, "bucket", "us-east-1", Credentials::new("key", "secret")).expect("a store");
        let written = store.put_new("t/a/b", b"x");
        assert!(
            matches!(&written, Err(ObjectError::Unreachable { step: S3Step::Write, key, .. }) if key == "t/a/b"),
            "{written:?}"
        );
    }
}
