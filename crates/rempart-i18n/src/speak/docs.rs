//! The errors of printed documents in the reader's language.

use crate::Lang;

use super::Speak;

impl Speak for rempart_docs::DocError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_docs::DocError::QrBill(value0) => value0.speak(lang),
            rempart_docs::DocError::QrCode(value0) => lang.fill("err.doc.qr_code", &[("value", value0)]),
            rempart_docs::DocError::NoAccount => lang.text("document.no_account").to_owned(),
            rempart_docs::DocError::NumberWithoutDigits { number } => {
                lang.fill("err.command.invoice_number_without_digits", &[("number", number)])
            }
        }
    }
}

impl Speak for rempart_docs::LogoError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_docs::LogoError::TooLarge => {
                lang.fill("err.logo.too_large", &[("logo_bytes_max", &(rempart_docs::logo::LOGO_BYTES_MAX / 1024))])
            }
            rempart_docs::LogoError::NotPng(value0) => lang.fill("err.logo.not_png", &[("value", value0)]),
            rempart_docs::LogoError::TooManyPixels { width, height } => lang.fill(
                "err.logo.too_many_pixels",
                &[("width", width), ("height", height), ("LOGO_SIDE_MAX", &rempart_docs::logo::LOGO_SIDE_MAX)],
            ),
        }
    }
}
