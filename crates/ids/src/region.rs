//! 行政区划代码 (GB/T 2260): the administrative division codes an identity number's
//! first six digits and a credit code's positions 3–8 are taken from.
//!
//! The table is data (`data/gb2260.tsv`, with its source and coverage in its header),
//! compiled in and parsed once on first use. It keeps, for each code, the last year it
//! was in force, so that a number can be checked against the codes that existed when
//! its holder was born.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The bundled table: `code<TAB>name<TAB>until` per line, `#` comments.
const TABLE: &str = include_str!("../data/gb2260.tsv");

/// One administrative division code of GB/T 2260.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// The six-digit code.
    pub code: &'static str,
    /// Its name (the latest one, where a place was renamed under the same code).
    pub name: &'static str,
    /// The last year the code was in force; `None` while it still is.
    pub until: Option<i32>,
}

impl Region {
    /// Whether someone born in `birth_year` can carry this code: it was still in force
    /// that year or the year before (a code withdrawn mid-year was still given to
    /// children born in the months before; the lists record only the year).
    pub fn in_force_for_birth_year(&self, birth_year: i32) -> bool {
        self.until.is_none_or(|until| birth_year <= until + 1)
    }
}

static REGIONS: LazyLock<HashMap<&'static str, Region>> = LazyLock::new(|| parse_table(TABLE));

fn parse_table(table: &'static str) -> HashMap<&'static str, Region> {
    table
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let code = fields.next()?;
            let name = fields.next()?;
            let until = match fields.next()? {
                "-" => None,
                year => Some(year.parse().ok()?),
            };
            Some((code, Region { code, name, until }))
        })
        .collect()
}

/// The division with this six-digit code, if GB/T 2260 has ever listed it.
pub fn region(code: &str) -> Option<Region> {
    REGIONS.get(code).copied()
}

/// Every division of the bundled table, in no particular order (for generators).
pub fn regions() -> impl Iterator<Item = Region> {
    REGIONS.values().copied()
}

/// How many codes the bundled table holds (for `catalog check`-style summaries).
pub fn region_count() -> usize {
    REGIONS.len()
}

/// `100000`: the code a national registration authority writes in a credit code
/// (国家市场监督管理总局 and other central registrars); not a place in GB/T 2260.
pub const NATIONAL_REGISTRAR_AREA: &str = "100000";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_line_of_the_table_is_well_formed() {
        let mut lines = 0;
        for line in TABLE.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            lines += 1;
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "{line:?}");
            assert!(
                fields[0].len() == 6 && fields[0].bytes().all(|b| b.is_ascii_digit()),
                "{line:?}"
            );
            assert!(!fields[1].trim().is_empty(), "{line:?}");
            assert!(
                fields[2] == "-" || fields[2].parse::<i32>().is_ok_and(|y| (1980..=2100).contains(&y)),
                "{line:?}"
            );
        }
        assert_eq!(region_count(), lines, "a code is listed twice");
        // Every code can begin an identity number: its province is one.
        for region in regions() {
            assert!(crate::is_valid_province_code(&region.code[..2]), "{}", region.code);
        }
        assert!(lines > 3_000);
    }

    #[test]
    fn current_and_withdrawn_codes() {
        let chaoyang = region("110105").unwrap();
        assert_eq!(chaoyang.name, "朝阳区");
        assert!(chaoyang.in_force_for_birth_year(2026));
        // 崇文区 was merged into 东城区 in 2010.
        let chongwen = region("110103").unwrap();
        assert_eq!(chongwen.until, Some(2009));
        assert!(chongwen.in_force_for_birth_year(1985));
        assert!(chongwen.in_force_for_birth_year(2010));
        assert!(!chongwen.in_force_for_birth_year(2011));
        assert_eq!(region("119999"), None);
    }
}
