//! A per-address rate limit for what anyone may call without logging in: public
//! certificate verification (each one is a ledger entry), share links and login.
//! In memory on each node: `governor`'s GCRA (equivalent to a token bucket) per
//! client address, with idle addresses dropped when there are many.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter as Gcra};

/// Addresses kept before idle ones are dropped.
const MAX_ADDRESSES: usize = 100_000;

/// `per_second` requests on average per address, up to `burst` at once.
pub struct RateLimiter<C: Clock = DefaultClock> {
    limiter: Gcra<IpAddr, DashMapStateStore<IpAddr>, C, NoOpMiddleware<C::Instant>>,
    clock: C,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("addresses", &self.limiter.len())
            .finish()
    }
}

fn quota(per_second: f64, burst: f64) -> Quota {
    let period = Duration::from_secs_f64(1.0 / per_second.max(0.001));
    let burst = NonZeroU32::new(burst.max(1.0) as u32).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl RateLimiter {
    pub fn new(per_second: f64, burst: f64) -> Self {
        Self::with_clock(per_second, burst, DefaultClock::default())
    }
}

impl<C: Clock + Clone> RateLimiter<C> {
    /// A limiter reading time from `clock` (tests pass one they move by hand).
    pub fn with_clock(per_second: f64, burst: f64, clock: C) -> Self {
        Self {
            limiter: Gcra::dashmap_with_clock(quota(per_second, burst), clock.clone()),
            clock,
        }
    }

    /// Takes one request for `address`; when none is allowed now, how long until one is.
    pub fn check(&self, address: IpAddr) -> Result<(), Duration> {
        if self.limiter.len() >= MAX_ADDRESSES {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&address)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use governor::clock::FakeRelativeClock;

    use super::*;

    #[test]
    fn an_address_gets_its_burst_then_its_rate() {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::with_clock(2.0, 3.0, clock.clone());
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check(one).is_ok());
        }
        let wait = limiter.check(one).unwrap_err();
        assert!(
            wait > Duration::from_millis(400) && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        // Another address has its own allowance.
        assert!(limiter.check(other).is_ok());
        // Half a second later one request is allowed again, and only one.
        clock.advance(Duration::from_millis(500));
        assert!(limiter.check(one).is_ok());
        assert!(limiter.check(one).is_err());
        // Long idle: back to the burst, not beyond.
        clock.advance(Duration::from_secs(3600));
        for _ in 0..3 {
            assert!(limiter.check(one).is_ok());
        }
        assert!(limiter.check(one).is_err());
    }
}
