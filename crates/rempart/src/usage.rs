//! Mistakes in the command line itself (an unknown argument, a missing one, a value that does not
//! parse), which clap finds before any command runs, told in the reader's language. Help and
//! version go out as clap writes them (their texts are the catalogue's already, `localized`).

use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::i18n::Lang;

fn context(error: &clap::Error, kind: ContextKind) -> String {
    match error.get(kind) {
        Some(ContextValue::String(text)) => text.clone(),
        Some(ContextValue::Strings(texts)) => texts.join(", "),
        Some(ContextValue::StyledStr(text)) => text.to_string(),
        Some(ContextValue::StyledStrs(texts)) => texts.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        Some(ContextValue::Number(number)) => number.to_string(),
        Some(ContextValue::Bool(flag)) => flag.to_string(),
        Some(ContextValue::None) | None => String::new(),
        Some(_) => String::new(),
    }
}

/// The mistake in `lang`, or `None` for the kinds clap tells best itself (help, version).
pub fn message(error: &clap::Error, lang: Lang) -> Option<String> {
    let arg = || context(error, ContextKind::InvalidArg);
    let value = || context(error, ContextKind::InvalidValue);
    let mut text = match error.kind() {
        ErrorKind::UnknownArgument => lang.fill("usage.unknown_argument", &[("arg", &arg())]),
        ErrorKind::InvalidSubcommand => {
            lang.fill("usage.unknown_command", &[("command", &context(error, ContextKind::InvalidSubcommand))])
        }
        // clap tells a value left out as an empty one.
        ErrorKind::InvalidValue if value().is_empty() => lang.fill("usage.value_missing", &[("arg", &arg())]),
        ErrorKind::InvalidValue => lang.fill("usage.invalid_value", &[("value", &value()), ("arg", &arg())]),
        ErrorKind::ValueValidation => {
            // The source is the parser's own words (a number, a path), kept as they are.
            let why = std::error::Error::source(error).map(ToString::to_string).unwrap_or_default();
            lang.fill("usage.value_not_valid", &[("value", &value()), ("arg", &arg()), ("why", &why)])
        }
        ErrorKind::MissingRequiredArgument => lang.fill("usage.missing_arguments", &[("args", &arg())]),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            lang.fill("usage.missing_command", &[("command", &context(error, ContextKind::InvalidSubcommand))])
        }
        ErrorKind::ArgumentConflict => {
            lang.fill("usage.conflict", &[("arg", &arg()), ("other", &context(error, ContextKind::PriorArg))])
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            lang.fill("usage.values_count", &[("arg", &arg())])
        }
        ErrorKind::NoEquals => lang.fill("usage.no_equals", &[("arg", &arg())]),
        ErrorKind::InvalidUtf8 => lang.text("usage.invalid_utf8").to_owned(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => return None,
        // A kind a later clap adds: its own words.
        _ => return None,
    };
    let valid = context(error, ContextKind::ValidValue);
    if !valid.is_empty() {
        text.push_str(&format!(" ({})", lang.fill("usage.possible_values", &[("values", &valid)])));
    }
    let suggested = context(error, ContextKind::SuggestedArg) + &context(error, ContextKind::SuggestedSubcommand);
    if !suggested.is_empty() {
        text.push_str(&format!(" ({})", lang.fill("usage.did_you_mean", &[("suggestion", &suggested)])));
    }
    Some(text)
}

/// Ends the program on a mistake in the command line: the message in `lang` and the hint to ask
/// for help, status 2 as clap's own; help and version as clap writes them.
pub fn exit(error: clap::Error, lang: Lang) -> ! {
    match message(&error, lang) {
        Some(text) => {
            eprintln!("{} {text}\n\n{}", lang.text("error.prefix"), lang.text("usage.try_help"));
            std::process::exit(2)
        }
        None => error.exit(),
    }
}
