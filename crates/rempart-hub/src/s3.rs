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

use rusty_s3::actions::ListObjectsV2;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use crate::objects::{Listed, ObjectError, ObjectStore, Put, check_key};

const SIGNED_FOR: Duration = Duration::from_secs(300);

pub struct S3Store {
    bucket: Bucket,
    credentials: Credentials,
    agent: ureq::Agent,
}

fn backend(what: impl std::fmt::Display) -> ObjectError {
    ObjectError::Backend(what.to_string())
}

impl S3Store {
    /// Opens `s3://BUCKET` with the endpoint, region and credentials of the environment.
    pub fn from_url(store: &str) -> Result<S3Store, ObjectError> {
        let name = store
            .strip_prefix("s3://")
            .map(|rest| rest.trim_end_matches('/'))
            .filter(|name| !name.is_empty() && !name.contains('/'))
            .ok_or_else(|| backend(format!("\"{store}\" is not s3://BUCKET")))?;
        let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".to_owned());
        let endpoint =
            std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| format!("https://s3.{region}.amazonaws.com"));
        let key = std::env::var("AWS_ACCESS_KEY_ID").map_err(|_| backend("AWS_ACCESS_KEY_ID is not set"))?;
        let secret = std::env::var("AWS_SECRET_ACCESS_KEY").map_err(|_| backend("AWS_SECRET_ACCESS_KEY is not set"))?;
        S3Store::new(&endpoint, name, &region, Credentials::new(key, secret))
    }

    pub fn new(endpoint: &str, bucket: &str, region: &str, credentials: Credentials) -> Result<S3Store, ObjectError> {
        let endpoint: url::Url = endpoint.parse().map_err(|error| backend(format!("endpoint {endpoint}: {error}")))?;
        let bucket = Bucket::new(endpoint, UrlStyle::Path, bucket.to_owned(), region.to_owned())
            .map_err(|error| backend(format!("bucket {bucket}: {error}")))?;
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Ok(S3Store { bucket, credentials, agent })
    }

    /// Creates the bucket (for tests and first setups); an existing bucket of ours is fine.
    pub fn create_bucket(&self) -> Result<(), ObjectError> {
        let url = self.bucket.create_bucket(&self.credentials).sign(SIGNED_FOR);
        let response = self.agent.put(url.as_str()).send_empty().map_err(backend)?;
        match response.status().as_u16() {
            200 | 409 => Ok(()),
            status => Err(backend(format!("creating the bucket: S3 answered {status}"))),
        }
    }

    fn read(&self, key: &str, range: Option<usize>) -> Result<Option<Vec<u8>>, ObjectError> {
        check_key(key)?;
        let url = self.bucket.get_object(Some(&self.credentials), key).sign(SIGNED_FOR);
        let mut request = self.agent.get(url.as_str());
        if let Some(len) = range {
            request = request.header("range", &format!("bytes=0-{}", len.saturating_sub(1)));
        }
        let mut response = request.call().map_err(backend)?;
        match response.status().as_u16() {
            200 | 206 => {
                let bytes = response.body_mut().with_config().limit(64 << 20).read_to_vec().map_err(backend)?;
                Ok(Some(bytes))
            }
            404 => Ok(None),
            416 => Ok(Some(Vec::new())),
            status => Err(backend(format!("reading {key}: S3 answered {status}"))),
        }
    }
}

impl ObjectStore for S3Store {
    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<Put, ObjectError> {
        check_key(key)?;
        let url = self.bucket.put_object(Some(&self.credentials), key).sign(SIGNED_FOR);
        let response = self.agent.put(url.as_str()).header("if-none-match", "*").send(bytes).map_err(backend)?;
        match response.status().as_u16() {
            200 | 201 => Ok(Put::Created),
            // 412: the key exists; 409: another conditional write on it is in flight, and won.
            412 | 409 => Ok(Put::Exists),
            status => Err(backend(format!("writing {key}: S3 answered {status}"))),
        }
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), ObjectError> {
        check_key(key)?;
        let url = self.bucket.put_object(Some(&self.credentials), key).sign(SIGNED_FOR);
        let response = self.agent.put(url.as_str()).send(bytes).map_err(backend)?;
        match response.status().as_u16() {
            200 | 201 => Ok(()),
            status => Err(backend(format!("writing {key}: S3 answered {status}"))),
        }
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        self.read(key, None)
    }

    fn get_prefix(&self, key: &str, len: usize) -> Result<Option<Vec<u8>>, ObjectError> {
        self.read(key, Some(len))
    }

    fn list(&self, prefix: &str) -> Result<Vec<Listed>, ObjectError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut action = self.bucket.list_objects_v2(Some(&self.credentials));
            action.with_prefix(prefix);
            if let Some(token) = &token {
                action.with_continuation_token(token.clone());
            }
            let url = action.sign(SIGNED_FOR);
            let mut response = self.agent.get(url.as_str()).call().map_err(backend)?;
            if response.status().as_u16() != 200 {
                return Err(backend(format!("listing {prefix}: S3 answered {}", response.status())));
            }
            let text = response.body_mut().with_config().limit(64 << 20).read_to_string().map_err(backend)?;
            let page =
                ListObjectsV2::parse_response(&text).map_err(|error| backend(format!("listing {prefix}: {error}")))?;
            // The ETag changes with the content, the modification time with any write.
            out.extend(page.contents.into_iter().map(|object| Listed {
                version: format!(
                    "{}|{}",
                    object.etag.as_deref().unwrap_or_default(),
                    object.last_modified.as_deref().unwrap_or_default()
                ),
                size: object.size.unwrap_or(0),
                key: object.key,
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
        check_key(key)?;
        let url = self.bucket.delete_object(Some(&self.credentials), key).sign(SIGNED_FOR);
        let response = self.agent.delete(url.as_str()).call().map_err(backend)?;
        match response.status().as_u16() {
            200 | 204 | 404 => Ok(()),
            status => Err(backend(format!("removing {key}: S3 answered {status}"))),
        }
    }
}
