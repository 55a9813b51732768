//! The policy book: `default.toml` plus region-prefix files, each with dated changes, and
//! which parameters apply to a region on a date (docs/POLICY.md#parameters).
//!
//! For a region and an `as_of`, the parameters are built in layers, later ones winning:
//! `default.toml`'s top level, its `[[changes]]` with `effective_from` ≤ `as_of` in date
//! order, then the longest-prefix region file's top level and its changes ≤ `as_of`. A
//! prefix file (`50.toml`, `5001.toml`, `500103.toml`) layers over the default alone, never
//! over a shorter prefix.
//!
//! Every combination a date can select is built when the book is loaded (a file's
//! timeline: one parameter set per change date of it or of the default), so a bad set is
//! refused at load and looking one up is a search, not a merge. Each set carries its
//! version, `sha256:` and the first 16 hex digits of the SHA-256 of its canonical JSON:
//! equal parameters give equal versions, whatever files they came from.

mod effective;
mod file;
pub(crate) mod keys;

pub use effective::{Effective, Origin};

use super::PolicyParams;
use crate::domain::RegionCode;
use file::PolicyFile;
use sha2::{Digest, Sha256};
use std::path::Path;
use time::Date;

const EMBEDDED_DEFAULT: &str = include_str!("../../../config/policies/default.toml");
const DEFAULT_FILE: &str = "default.toml";

#[derive(Debug, thiserror::Error)]
pub enum PolicyBookError {
    #[error("cannot read policy directory {dir}: {source}")]
    ReadDir { dir: String, source: std::io::Error },
    #[error("cannot read policy file {file}: {source}")]
    ReadFile { file: String, source: std::io::Error },
    #[error("policy directory {dir} has no default.toml")]
    MissingDefault { dir: String },
    #[error("{file}: policy files are named default.toml or after a region prefix of 1 to 6 digits")]
    BadFileName { file: String },
    #[error("{file}: not valid TOML: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: unknown key `{key}`")]
    UnknownKey { file: String, key: String },
    #[error("{file}: key `{key}` is missing")]
    MissingKey { file: String, key: String },
    #[error("{file}: key `{key}` {problem}")]
    InvalidValue { file: String, key: String, problem: String },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

impl PolicyBookError {
    /// The file (or directory) at fault and, when one is, the key: `changes[1].tekun_multiplier`.
    pub fn location(&self) -> (&str, Option<&str>) {
        match self {
            Self::ReadDir { dir, .. } | Self::MissingDefault { dir } => (dir, None),
            Self::ReadFile { file, .. }
            | Self::BadFileName { file }
            | Self::Syntax { file, .. }
            | Self::Invalid { file, .. } => (file, None),
            Self::UnknownKey { file, key }
            | Self::MissingKey { file, key }
            | Self::InvalidValue { file, key, .. } => (file, Some(key)),
        }
    }

    /// What is wrong, without the location.
    pub fn problem(&self) -> String {
        match self {
            Self::ReadDir { source, .. } | Self::ReadFile { source, .. } => {
                format!("cannot be read: {source}")
            }
            Self::MissingDefault { .. } => "has no default.toml".into(),
            Self::BadFileName { .. } => {
                "policy files are named default.toml or after a region prefix of 1 to 6 digits".into()
            }
            Self::Syntax { message, .. } => format!("not valid TOML: {message}"),
            Self::UnknownKey { .. } => "unknown key".into(),
            Self::MissingKey { .. } => "is missing".into(),
            Self::InvalidValue { problem, .. } => problem.clone(),
            Self::Invalid { message, .. } => message.clone(),
        }
    }
}

/// The parameter sets of one file layered over the default, by date.
#[derive(Debug, Clone, PartialEq)]
struct Timeline {
    /// Before any dated change.
    base: Effective,
    /// One set per change date, ascending.
    dated: Vec<Effective>,
}

impl Timeline {
    fn on(&self, as_of: Date) -> &Effective {
        self.dated
            .iter()
            .rev()
            .find(|set| set.effective_from.is_some_and(|from| from <= as_of))
            .unwrap_or(&self.base)
    }
}

/// Every region's parameters over time.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyBook {
    default: Timeline,
    /// Longest prefix first, so the first match is the one that wins.
    prefixes: Vec<(String, Timeline)>,
    /// The files read, by name, with their number of dated changes.
    files: Vec<(String, usize)>,
}

impl PolicyBook {
    /// The default parameters compiled into the binary (no prefix files).
    pub fn embedded() -> Result<Self, PolicyBookError> {
        Self::from_texts("config/policies/default.toml", EMBEDDED_DEFAULT, Vec::new())
    }

    /// `dir` when it holds a `default.toml`, else the embedded defaults (a fresh checkout
    /// run from elsewhere still starts).
    pub fn load_or_embedded(dir: &Path) -> Result<Self, PolicyBookError> {
        if dir.join(DEFAULT_FILE).exists() { Self::load(dir) } else { Self::embedded() }
    }

    /// Reads `default.toml` (required) and every `<prefix>.toml` in `dir`; other files are ignored.
    pub fn load(dir: &Path) -> Result<Self, PolicyBookError> {
        let shown = dir.display().to_string();
        let entries = std::fs::read_dir(dir)
            .map_err(|source| PolicyBookError::ReadDir { dir: shown.clone(), source })?;
        let mut default = None;
        let mut prefixes = Vec::new();
        for entry in entries {
            let path =
                entry.map_err(|source| PolicyBookError::ReadDir { dir: shown.clone(), source })?.path();
            if !path.is_file() || path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let file = path.display().to_string();
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
            let text = std::fs::read_to_string(&path)
                .map_err(|source| PolicyBookError::ReadFile { file: file.clone(), source })?;
            if stem == "default" {
                default = Some((file, text));
            } else if is_region_prefix(&stem) {
                prefixes.push((stem, file, text));
            } else {
                return Err(PolicyBookError::BadFileName { file });
            }
        }
        let (file, text) = default.ok_or(PolicyBookError::MissingDefault { dir: shown })?;
        Self::from_texts(&file, &text, prefixes)
    }

    /// Builds the book from file contents: `prefixes` holds (prefix, path, text); files are
    /// named in errors by the path given.
    pub(crate) fn from_texts(
        default_path: &str,
        default_text: &str,
        prefixes: Vec<(String, String, String)>,
    ) -> Result<Self, PolicyBookError> {
        let mut default = PolicyFile::parse(DEFAULT_FILE, default_path, default_text)?;
        complete_default(&mut default)?;
        let mut files = vec![(DEFAULT_FILE.to_owned(), default.changes.len())];
        let mut timelines = Vec::new();
        for (prefix, path, text) in prefixes {
            let name = format!("{prefix}.toml");
            let region = PolicyFile::parse(&name, &path, &text)?;
            files.push((name, region.changes.len()));
            timelines.push((prefix.clone(), timeline(&default, Some((&prefix, &region)))?));
        }
        timelines.sort_by(|(a, _), (b, _)| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        files.sort();
        Ok(Self { default: timeline(&default, None)?, prefixes: timelines, files })
    }

    /// The parameters for a region on a date: the longest matching prefix file, else the default.
    pub fn effective(&self, region: &RegionCode, as_of: Date) -> &Effective {
        self.prefixes
            .iter()
            .find(|(prefix, _)| region.as_str().starts_with(prefix.as_str()))
            .map_or(&self.default, |(_, timeline)| timeline)
            .on(as_of)
    }

    /// The files read (names in the policy directory) with their number of dated changes.
    pub fn files(&self) -> &[(String, usize)] {
        &self.files
    }
}

/// The policy version of a parameter set: equal parameters give equal versions.
pub fn policy_version(params: &PolicyParams) -> Result<String, serde_json::Error> {
    let canonical = serde_json::to_string(params)?;
    let digest = Sha256::digest(canonical.as_bytes());
    Ok(format!("sha256:{}", &hex::encode(digest)[..16]))
}

/// `default.toml` must set every key, except those added since v1, which take their
/// built-in defaults (so an older deployment's default file still loads).
fn complete_default(default: &mut PolicyFile) -> Result<(), PolicyBookError> {
    for (key, _) in keys::KEYS {
        if default.top.contains_key(key) {
            continue;
        }
        match keys::built_in_default(key) {
            Some(value) => {
                default.implied.insert(key.to_owned(), value);
            }
            None => {
                return Err(PolicyBookError::MissingKey { file: default.path.clone(), key: key.to_owned() });
            }
        }
    }
    Ok(())
}

/// The parameter sets `region` (or the default alone) gives over time: one before any
/// change, then one from each change date of either file.
fn timeline(default: &PolicyFile, region: Option<(&str, &PolicyFile)>) -> Result<Timeline, PolicyBookError> {
    let files: Vec<&PolicyFile> = std::iter::once(default).chain(region.map(|(_, file)| file)).collect();
    let prefix = region.map(|(prefix, _)| prefix);
    let mut dates: Vec<Date> =
        files.iter().flat_map(|file| file.changes.iter().map(|change| change.effective_from)).collect();
    dates.sort_unstable();
    dates.dedup();
    let base = Effective::layer(&files, prefix, None)?;
    let dated = dates
        .into_iter()
        .map(|date| Effective::layer(&files, prefix, Some(date)))
        .collect::<Result<_, _>>()?;
    Ok(Timeline { base, dated })
}

fn is_region_prefix(stem: &str) -> bool {
    (1..=6).contains(&stem.len()) && stem.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
pub(crate) fn known_keys() -> Vec<&'static str> {
    keys::KEYS.iter().map(|(key, _)| *key).collect()
}
