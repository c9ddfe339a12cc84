//! A problem found while loading or checking the catalog, located by file and line.

use std::fmt;

/// One problem in the catalog, with the file and the place it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Path of the file relative to the catalog root, e.g. `items/GG00101001.toml`.
    pub file: String,
    /// 1-based line, when the place is known.
    pub line: Option<usize>,
    /// The key path inside the file, e.g. `member[2].when`.
    pub at: String,
    /// What is wrong, in Chinese for the service designer.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.file, line)?,
            None => write!(f, "{}", self.file)?,
        }
        if !self.at.is_empty() {
            write!(f, " [{}]", self.at)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in one check. Never empty when returned as an error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.0 {
            writeln!(f, "{problem}")?;
        }
        write!(f, "共 {} 个问题", self.0.len())
    }
}

impl std::error::Error for Problems {}
