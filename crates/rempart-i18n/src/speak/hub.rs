//! The errors of the hub's storage in the reader's language.

use crate::Lang;

use super::Speak;

impl Speak for rempart_hub::ObjectError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_hub::ObjectError::BadKey(value0) => lang.fill("err.object.bad_key", &[("value", value0)]),
            rempart_hub::ObjectError::Io { key, source } => {
                lang.fill("err.object.io", &[("key", key), ("source", source)])
            }
            rempart_hub::ObjectError::TooLarge { key, bytes } => {
                lang.fill("err.object.too_large", &[("key", key), ("bytes", bytes)])
            }
            rempart_hub::ObjectError::NotS3 { store } => lang.fill("err.object.not_s3", &[("store", store)]),
            rempart_hub::ObjectError::Unset { name } => lang.fill("err.object.unset", &[("name", name)]),
            rempart_hub::ObjectError::Endpoint { endpoint, source } => {
                lang.fill("err.object.endpoint", &[("endpoint", endpoint), ("source", source)])
            }
            rempart_hub::ObjectError::Bucket { bucket, source } => {
                lang.fill("err.object.bucket", &[("bucket", bucket), ("source", source)])
            }
            rempart_hub::ObjectError::Unreachable { step, key, source } => {
                lang.fill("err.object.unreachable", &[("step", &step.speak(lang)), ("key", key), ("source", source)])
            }
            rempart_hub::ObjectError::Status { step, key, status } => {
                lang.fill("err.object.status", &[("step", &step.speak(lang)), ("key", key), ("status", status)])
            }
            rempart_hub::ObjectError::Unreadable { step, key } => {
                lang.fill("err.object.unreadable", &[("step", &step.speak(lang)), ("key", key)])
            }
            rempart_hub::ObjectError::Random(source) => lang.fill("err.object.random", &[("source", source)]),
        }
    }
}

impl Speak for rempart_hub::S3Step {
    fn speak(&self, lang: Lang) -> String {
        use rempart_hub::S3Step;
        lang.text(match self {
            S3Step::List => "object.step.list",
            S3Step::ListVersions => "object.step.list_versions",
            S3Step::ReadLock => "object.step.read_lock",
            S3Step::Read => "object.step.read",
            S3Step::Write => "object.step.write",
            S3Step::ExtendRetention => "object.step.extend_retention",
            S3Step::Remove => "object.step.remove",
            S3Step::CreateBucket => "object.step.create_bucket",
        })
        .to_owned()
    }
}
