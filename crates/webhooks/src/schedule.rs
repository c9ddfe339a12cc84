//! The retry schedule of the Standard Webhooks guidance: the first attempt at once,
//! then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h; after the
//! tenth failed attempt the message is dead-lettered. Each wait is spread by a
//! jitter of up to ±10 % so that many failed deliveries do not return at the same
//! second. The caller passes the jitter (any value in `[-1, 1]`) and `now`.

use chrono::{DateTime, Duration, Utc};

/// Seconds to wait before attempt `n + 1` (index `n - 1`): after the first attempt
/// failed, 5 s; after the ninth, 24 h.
const WAITS_SECONDS: [i64; 9] = [
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    14 * 3600,
    20 * 3600,
    24 * 3600,
];

/// Attempts in all; after the last one fails, the message goes to the dead letters.
pub const MAX_ATTEMPTS: u32 = WAITS_SECONDS.len() as u32 + 1;

/// The share of a wait the jitter may add or take.
const JITTER_SHARE: f64 = 0.1;

/// When to try again after attempt `failed_attempt` (1-based) failed at `now`;
/// `None` when it was the last one. `jitter` in `[-1, 1]` (clamped) moves the wait by
/// up to ±10 %.
pub fn next_attempt(failed_attempt: u32, now: DateTime<Utc>, jitter: f64) -> Option<DateTime<Utc>> {
    let index = usize::try_from(failed_attempt.checked_sub(1)?).ok()?;
    let wait_seconds = *WAITS_SECONDS.get(index)?;
    let jitter = if jitter.is_finite() {
        jitter.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let wait_ms = wait_seconds as f64 * 1000.0 * (1.0 + JITTER_SHARE * jitter);
    Some(now + Duration::milliseconds(wait_ms.round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + seconds, 0).unwrap_or_default()
    }

    #[test]
    fn the_schedule_is_the_standard_one_without_jitter() {
        let expected = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400];
        for (attempt, seconds) in (1..).zip(expected) {
            assert_eq!(
                next_attempt(attempt, at(0), 0.0),
                Some(at(seconds)),
                "after attempt {attempt}"
            );
        }
        assert_eq!(MAX_ATTEMPTS, 10);
        assert_eq!(next_attempt(10, at(0), 0.0), None, "the tenth failure dead-letters");
        assert_eq!(next_attempt(0, at(0), 0.0), None, "attempts count from one");
    }

    #[test]
    fn jitter_moves_a_wait_by_at_most_ten_percent() {
        assert_eq!(next_attempt(2, at(0), 1.0), Some(at(330)));
        assert_eq!(next_attempt(2, at(0), -1.0), Some(at(270)));
        assert_eq!(next_attempt(2, at(0), 7.0), Some(at(330)), "clamped");
        assert_eq!(next_attempt(2, at(0), f64::NAN), Some(at(300)));
    }

    proptest! {
        #[test]
        fn waits_grow_with_the_attempt(attempt in 1u32..9, jitter in -1.0f64..=1.0) {
            let this = next_attempt(attempt, at(0), jitter).unwrap_or_default();
            let next = next_attempt(attempt + 1, at(0), jitter).unwrap_or_default();
            prop_assert!(this > at(0));
            prop_assert!(next > this);
        }
    }
}
