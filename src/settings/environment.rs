//! Which environment the hub runs in (`HUB_ENV`), and so how strict its configuration
//! checks are: only `development` (or no `HUB_ENV` at all) and `test` may keep the
//! development secrets of `default.toml`; every other name is treated as production.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Environment {
    /// `HUB_ENV` unset, empty or `development`.
    #[default]
    Development,
    /// `HUB_ENV=test`.
    Test,
    /// Any other `HUB_ENV`, by its name (`production`, `staging`, …): refuses unsafe settings.
    Production(String),
}

impl Environment {
    /// Reads `HUB_ENV`.
    pub fn from_process() -> Self {
        Self::named(&std::env::var("HUB_ENV").unwrap_or_default())
    }

    pub fn named(name: &str) -> Self {
        match name {
            "" | "development" => Self::Development,
            "test" => Self::Test,
            other => Self::Production(other.to_owned()),
        }
    }

    pub fn is_production(&self) -> bool {
        matches!(self, Self::Production(_))
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Development => f.write_str("development"),
            Self::Test => f.write_str("test"),
            Self::Production(name) => f.write_str(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Environment;

    #[test]
    fn only_development_and_test_are_lenient() {
        assert_eq!(Environment::named(""), Environment::Development);
        assert_eq!(Environment::named("development"), Environment::Development);
        assert_eq!(Environment::named("test"), Environment::Test);
        for strict in ["production", "staging", "dev", "prod"] {
            assert!(Environment::named(strict).is_production(), "{strict}");
        }
    }
}
