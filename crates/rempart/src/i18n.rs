//! The command line's words come from the catalogues of `rempart-i18n`, shared with the web app.

pub use rempart_i18n::Lang;
