//! Required and recommended checks: a missed requirement fails the scenario,
//! a missed recommendation is a warning (a failure with `--strict`).

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// "must" in a scenario: every correct implementation does this.
    Required,
    /// "should" in a scenario: what SimpleJWT does.
    Recommended,
}

impl Level {
    /// "must" or "should", as written in the feature files.
    pub fn parse(word: &str) -> Level {
        match word {
            "must" => Level::Required,
            "should" => Level::Recommended,
            other => panic!("a scenario says {other:?} where \"must\" or \"should\" belongs"),
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Required => "required",
            Level::Recommended => "recommended",
        })
    }
}

/// What a scenario leaves behind besides pass or fail.
#[derive(Clone, Debug, Default)]
pub struct Notes {
    /// Missed recommendations.
    pub warnings: Vec<String>,
    /// Differences from the reference snapshots and other information.
    pub info: Vec<String>,
}
