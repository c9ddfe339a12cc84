//! Small statistics helpers.

/// The nearest-rank `percent`-th percentile of `sorted` (ascending): the value at
/// rank ⌈percent/100 · n⌉ (1-based), i.e. the smallest observed value such that at
/// least `percent` % of the values are less than or equal to it. `percent` is clamped
/// to 1..=100 (rank at least 1). `None` for no values.
///
/// ```
/// use metrics::stats::nearest_rank;
/// assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
/// assert_eq!(nearest_rank(&[1, 2, 3, 4], 90), Some(4));
/// assert_eq!(nearest_rank(&[], 50), None);
/// ```
pub fn nearest_rank(sorted: &[u32], percent: u32) -> Option<u32> {
    let n = sorted.len();
    let percent = percent.clamp(1, 100) as usize;
    let rank = (percent * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// [`nearest_rank`] of the values a histogram (value → how many times) holds: the
/// same answer as over the sorted list of all of them, without the list.
///
/// ```
/// use metrics::stats::nearest_rank_counted;
/// let histogram = std::collections::BTreeMap::from([(1, 1), (2, 1), (3, 1), (4, 1)]);
/// assert_eq!(nearest_rank_counted(&histogram, 50), Some(2));
/// ```
pub fn nearest_rank_counted(histogram: &std::collections::BTreeMap<u32, u64>, percent: u32) -> Option<u32> {
    let n: u64 = histogram.values().sum();
    let percent = u64::from(percent.clamp(1, 100));
    let rank = (percent * n).div_ceil(100).max(1);
    let mut seen = 0u64;
    histogram.iter().find_map(|(value, count)| {
        seen += count;
        (seen >= rank).then_some(*value)
    })
}

/// `part / whole` as a share in 0..=1; `None` when `whole` is 0.
pub(crate) fn share(part: u64, whole: u64) -> Option<f64> {
    if whole == 0 {
        None
    } else {
        Some(part as f64 / whole as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_matches_the_textbook_examples() {
        // The classic example: 15, 20, 35, 40, 50.
        let values = [15, 20, 35, 40, 50];
        assert_eq!(nearest_rank(&values, 5), Some(15));
        assert_eq!(nearest_rank(&values, 30), Some(20));
        assert_eq!(nearest_rank(&values, 40), Some(20));
        assert_eq!(nearest_rank(&values, 50), Some(35));
        assert_eq!(nearest_rank(&values, 100), Some(50));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[1, 2], 50), Some(1));
        assert_eq!(nearest_rank(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), Some(9));
        assert_eq!(nearest_rank(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90), Some(10));
    }

    proptest::proptest! {
        /// The definition: an observed value, with at least p % of the values at or
        /// below it and fewer than p % strictly below it.
        #[test]
        fn nearest_rank_is_the_smallest_value_covering_p_percent(
            mut values in proptest::collection::vec(0u32..40, 1..200),
            percent in 1u32..=100,
        ) {
            values.sort_unstable();
            let n = values.len() as u64;
            let p = u64::from(percent);
            let result = nearest_rank(&values, percent);
            proptest::prop_assert!(result.is_some());
            let value = result.unwrap_or_default();
            proptest::prop_assert!(values.contains(&value));
            let at_or_below = values.iter().filter(|v| **v <= value).count() as u64;
            let below = values.iter().filter(|v| **v < value).count() as u64;
            proptest::prop_assert!(at_or_below * 100 >= p * n);
            proptest::prop_assert!(below * 100 < p * n);
        }
    }

    proptest::proptest! {
        /// Counting the values in a histogram changes no percentile.
        #[test]
        fn the_histogram_gives_the_percentile_of_the_list(
            mut values in proptest::collection::vec(0u32..40, 0..200),
            percent in 0u32..=120,
        ) {
            values.sort_unstable();
            let mut histogram = std::collections::BTreeMap::new();
            for value in &values {
                *histogram.entry(*value).or_insert(0u64) += 1;
            }
            proptest::prop_assert_eq!(nearest_rank_counted(&histogram, percent), nearest_rank(&values, percent));
        }
    }

    #[test]
    fn share_is_none_without_a_whole() {
        assert_eq!(share(0, 0), None);
        assert_eq!(share(1, 4), Some(0.25));
    }
}
