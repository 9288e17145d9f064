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
            rempart_hub::ObjectError::Backend(value0) => lang.fill("err.object.backend", &[("value", value0)]),
            rempart_hub::ObjectError::TooLarge { key, bytes } => {
                lang.fill("err.object.too_large", &[("key", key), ("bytes", bytes)])
            }
        }
    }
}
