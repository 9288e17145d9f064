//! The words the command line shows, in English, French and German, kept in Project Fluent
//! catalogues (`crates/rempart/i18n/{en,fr,de}.ftl`, built into the binary): translators edit
//! one file per language with the tools they know. Code names a message by its key (`sync.done`;
//! its Fluent id is `sync-done`) and fills its placeables (`{ $name }`) with text already written
//! in the company's locale (amounts, dates).

use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
    De,
}

/// Each language's catalogue, as built into the binary.
const SOURCES: [(Lang, &str, &str); 3] = [
    (Lang::En, "en", include_str!("../i18n/en.ftl")),
    (Lang::Fr, "fr", include_str!("../i18n/fr.ftl")),
    (Lang::De, "de", include_str!("../i18n/de.ftl")),
];

/// One language's messages: the bundle that fills placeables, and the messages without any,
/// written once.
struct Catalogue {
    bundle: FluentBundle<FluentResource>,
    plain: HashMap<String, String>,
}

/// The Fluent id of a message key: `sync.done` and `due_date` are `sync-done` and `due-date`.
fn fluent_id(key: &str) -> String {
    key.replace(['.', '_'], "-")
}

fn catalogue(lang: Lang) -> &'static Catalogue {
    // Each language is read when first needed: a command reads one catalogue, not three.
    static CATALOGUES: [OnceLock<Catalogue>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let index = SOURCES.iter().position(|(each, _, _)| *each == lang).unwrap_or_default();
    CATALOGUES[index].get_or_init(|| {
        let (_, code, source) = SOURCES[index];
        // The catalogues are part of the program: a broken one is a bug caught by the tests, and
        // its messages that do parse are still shown.
        let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(resource, errors)| {
            debug_assert!(errors.is_empty(), "the {code} catalogue does not parse: {errors:?}");
            resource
        });
        let language: unic_langid::LanguageIdentifier = code.parse().unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![language]);
        // The terminal shows text as is: no Unicode isolation marks around placeables.
        bundle.set_use_isolating(false);
        if let Err(errors) = bundle.add_resource(resource) {
            debug_assert!(false, "the {code} catalogue names a message twice: {errors:?}");
        }
        let mut plain = HashMap::new();
        for entry in fluent_syntax_ids(source) {
            if let Some(pattern) = bundle.get_message(&entry).and_then(|message| message.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, None, &mut errors);
                if errors.is_empty() {
                    plain.insert(entry, text.into_owned());
                }
            }
        }
        Catalogue { bundle, plain }
    })
}

/// The message ids a catalogue defines, in order (`id = ...` at the start of a line).
fn fluent_syntax_ids(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|line| line.split_once('=').map(|(id, _)| id.trim().to_owned()))
        .collect()
}

impl Lang {
    /// `REMPART_LANG`, else the usual locale variables: French or German when they say so, else
    /// English.
    pub fn from_environment() -> Lang {
        static LANG: OnceLock<Lang> = OnceLock::new();
        *LANG.get_or_init(|| {
            let chosen = ["REMPART_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()));
            match chosen {
                Some(value) if value.starts_with("fr") => Lang::Fr,
                Some(value) if value.starts_with("de") => Lang::De,
                _ => Lang::En,
            }
        })
    }

    /// Every language of the catalogues.
    pub const ALL: [Lang; 3] = [Lang::Fr, Lang::De, Lang::En];

    /// The language's tag (`fr`, `de`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::De => "de",
        }
    }

    /// The language a tag names (`fr`, `fr-CH`, `de_CH.UTF-8`), if it is one of the catalogues'.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_', '.', ';']).next().unwrap_or_default().to_ascii_lowercase();
        Lang::ALL.into_iter().find(|lang| lang.code() == primary)
    }

    /// The first language of an HTTP `Accept-Language` header the catalogues have, by the order
    /// of its weights (`de-CH, fr;q=0.8`).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut ranked: Vec<(u16, usize, Lang)> = Vec::new();
        for (index, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Lang::from_tag) else { continue };
            let weight = pieces
                .find_map(|piece| piece.trim().strip_prefix("q="))
                .map_or(1000, |q| q.trim().parse::<f32>().map_or(0, |q| (q.clamp(0.0, 1.0) * 1000.0) as u16));
            if weight > 0 {
                ranked.push((weight, index, lang));
            }
        }
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map(|(_, _, lang)| *lang)
    }

    pub fn text(self, key: &str) -> &'static str {
        match catalogue(self).plain.get(&fluent_id(key)) {
            Some(text) => text,
            None => {
                debug_assert!(false, "message {key} is missing from the {self:?} catalogue");
                "?"
            }
        }
    }

    /// A message without placeables, if the catalogue has it (for texts that have a default
    /// elsewhere, such as the descriptions of the command line's commands).
    pub fn try_text(self, key: &str) -> Option<&'static str> {
        catalogue(self).plain.get(&fluent_id(key)).map(String::as_str)
    }

    /// Whether the catalogue has the message, with or without placeables.
    pub fn has(self, key: &str) -> bool {
        catalogue(self).bundle.has_message(&fluent_id(key))
    }

    pub fn fill(self, key: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
        let catalogue = catalogue(self);
        let Some(pattern) = catalogue.bundle.get_message(&fluent_id(key)).and_then(|message| message.value()) else {
            debug_assert!(false, "message {key} is missing from the {self:?} catalogue");
            return "?".to_owned();
        };
        let mut args = FluentArgs::new();
        for (name, value) in values {
            args.set(*name, value.to_string());
        }
        let mut errors = Vec::new();
        let text = catalogue.bundle.format_pattern(pattern, Some(&args), &mut errors);
        debug_assert!(errors.is_empty(), "message {key} in {self:?}: {errors:?}");
        text.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The placeables of each message of a catalogue, by id.
    fn placeables(source: &str) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        let mut current = String::new();
        for line in source.lines() {
            if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
                current = line.split_once('=').map(|(id, _)| id.trim().to_owned()).unwrap_or_default();
                assert!(out.insert(current.clone(), Vec::new()).is_none(), "{current} twice");
            }
            for part in line.split("{ $").skip(1) {
                let name = part.split_once(' ').map(|(name, _)| name.to_owned()).unwrap_or_default();
                out.entry(current.clone()).or_default().push(name);
            }
        }
        for names in out.values_mut() {
            names.sort();
        }
        out
    }

    /// Issue 19: a message that exists in one language exists in the others, with the same
    /// placeables, and every catalogue parses whole.
    #[test]
    fn every_message_is_in_every_language_with_the_same_placeables() {
        let english = placeables(SOURCES[0].2);
        assert!(english.len() > 200);
        for (lang, code, source) in SOURCES {
            FluentResource::try_new(source.to_owned()).unwrap_or_else(|(_, errors)| panic!("{code}: {errors:?}"));
            let other = placeables(source);
            let mut ids: Vec<&String> = english.keys().chain(other.keys()).collect();
            ids.sort();
            ids.dedup();
            for id in ids {
                assert_eq!(english.get(id), other.get(id), "{code}: {id}");
            }
            // Every message without placeables is written once, whole.
            let plain = english.iter().filter(|(_, names)| names.is_empty()).count();
            assert_eq!(catalogue(lang).plain.len(), plain, "{code}");
        }
        assert_eq!(Lang::Fr.fill("period.closed", &[("date", &"31.03.2026")]), "Comptes clôturés jusqu'au 31.03.2026.");
        assert_eq!(Lang::En.fill("period.closed", &[("date", &"31.03.2026")]), "Books closed until 31.03.2026.");
        assert!(Lang::De.fill("period.closed", &[("date", &"31.03.2026")]).contains("31.03.2026"));
    }

    /// Every key the program names (`.text("...")`, `.fill("...", ...)`) is in the catalogue.
    #[test]
    fn every_key_the_program_names_is_in_the_catalogue() {
        let english = placeables(SOURCES[0].2);
        let mut named = 0;
        let mut files = Vec::new();
        let mut folders: Vec<std::path::PathBuf> = ["rempart-i18n", "rempart", "rempart-web", "rempart-reports"]
            .iter()
            .map(|krate| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(krate).join("src"))
            .collect();
        while let Some(folder) = folders.pop() {
            for path in std::fs::read_dir(&folder).unwrap().flatten().map(|entry| entry.path()) {
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|extension| extension == "rs") {
                    files.push(path);
                }
            }
        }
        {
            for file in &files {
                let text = std::fs::read_to_string(file).unwrap();
                for call in [".text(", ".fill("] {
                    // The key may follow on the next line, where rustfmt breaks a long call.
                    for part in text.split(call).skip(1).filter_map(|part| part.trim_start().strip_prefix('"')) {
                        let key = part.split('"').next().unwrap_or_default();
                        let shaped = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_';
                        if !key.starts_with(|c: char| c.is_ascii_lowercase()) || !key.chars().all(shaped) {
                            continue;
                        }
                        named += 1;
                        assert!(english.contains_key(&fluent_id(key)), "{}: {key}", file.display());
                    }
                }
            }
        }
        assert!(named > 100, "{named}");
    }

    #[test]
    fn the_language_of_a_browser_is_its_first_one_the_catalogues_have() {
        assert_eq!(Lang::from_accept_language("de-CH, fr;q=0.8"), Some(Lang::De));
        assert_eq!(Lang::from_accept_language("it-CH, fr-CH;q=0.9, de;q=0.5"), Some(Lang::Fr));
        assert_eq!(Lang::from_accept_language("en;q=0.2, de;q=0.7"), Some(Lang::De));
        assert_eq!(Lang::from_accept_language("fr;q=0, it"), None);
        assert_eq!(Lang::from_accept_language(""), None);
        assert_eq!(Lang::from_tag("fr_CH.UTF-8"), Some(Lang::Fr));
    }
}
