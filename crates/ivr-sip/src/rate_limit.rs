//! A rate limit per source address with a bounded table: a token bucket for each address
//! seen lately, and one shared bucket for newcomers once the table is full, so a flood from
//! many addresses costs a bounded amount of memory and time.

use std::collections::HashMap;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at_s: f64,
}

#[derive(Debug, Clone)]
pub struct SourceRateLimit {
    burst: f64,
    per_second: f64,
    max_sources: usize,
    buckets: HashMap<IpAddr, Bucket>,
    /// Shared by the addresses that found the table full.
    overflow: Bucket,
    /// When the table was last swept of quiet addresses, s.
    swept_at_s: f64,
}

impl SourceRateLimit {
    /// `burst` requests at once from one address, then `per_second`; at most `max_sources`
    /// addresses with a bucket of their own.
    pub fn new(burst: f64, per_second: f64, max_sources: usize) -> SourceRateLimit {
        SourceRateLimit {
            burst,
            per_second,
            max_sources,
            buckets: HashMap::new(),
            overflow: Bucket {
                tokens: burst,
                at_s: 0.0,
            },
            swept_at_s: 0.0,
        }
    }

    /// Addresses with a bucket of their own (bounded by `max_sources`).
    pub fn tracked(&self) -> usize {
        self.buckets.len()
    }

    /// Whether `source` may go on at `now_ms`; takes a token when it may.
    pub fn take(&mut self, source: IpAddr, now_ms: u64) -> bool {
        let now = now_ms as f64 / 1000.0;
        // At most one sweep a second: a scan per newcomer would make the flood itself cheap
        // to send and dear to take.
        if !self.buckets.contains_key(&source)
            && self.buckets.len() >= self.max_sources
            && now - self.swept_at_s >= 1.0
        {
            self.swept_at_s = now;
            let full_after_s = self.burst / self.per_second;
            self.buckets.retain(|_, b| now - b.at_s < full_after_s);
        }
        let bucket = if self.buckets.len() < self.max_sources || self.buckets.contains_key(&source)
        {
            self.buckets.entry(source).or_insert(Bucket {
                tokens: self.burst,
                at_s: now,
            })
        } else {
            &mut self.overflow
        };
        bucket.tokens =
            (bucket.tokens + (now - bucket.at_s).max(0.0) * self.per_second).min(self.burst);
        bucket.at_s = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(i: u32) -> IpAddr {
        IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i))
    }

    #[test]
    fn a_burst_then_the_steady_rate() {
        let mut limit = SourceRateLimit::new(3.0, 1.0, 10);
        let taken = (0..5).filter(|_| limit.take(ip(1), 1000)).count();
        assert_eq!(taken, 3);
        assert!(
            limit.take(ip(2), 1000),
            "another address has its own bucket"
        );
        assert!(!limit.take(ip(1), 1500));
        assert!(limit.take(ip(1), 2000));
    }

    #[test]
    fn the_table_stays_bounded_under_a_flood_from_many_addresses() {
        let mut limit = SourceRateLimit::new(2.0, 1.0, 100);
        let mut taken = 0;
        for i in 0..10_000 {
            taken += usize::from(limit.take(ip(i), 5000));
        }
        assert_eq!(limit.tracked(), 100);
        // The first hundred had their own bucket; the rest shared one.
        assert_eq!(taken, 102);
        // Once the quiet ones are swept, a newcomer gets its own bucket again.
        assert!(limit.take(ip(20_000), 10_000));
        assert_eq!(limit.tracked(), 1);
    }
}
