//! The per-client rate limit of `POST /receipts`: a token bucket per client address, in a table
//! of bounded size, and the choice of the client address (the TCP peer, or `X-Forwarded-For`
//! when the peer is a proxy named with `--trust-forwarded-for`). Socket-free: the clock is a
//! parameter, so the tests need no sleeps.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;

/// `--rate` unless given: receipts per second refilled into each bucket.
pub const DEFAULT_RATE: f64 = 5.0;
/// `--burst` unless given: the size of each bucket.
pub const DEFAULT_BURST: f64 = 20.0;
/// Most client addresses tracked at once.
pub const DEFAULT_MAX_CLIENTS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    /// Milliseconds of the last refill.
    at: i64,
}

/// Token buckets per client address. IPv6 addresses are counted per /64 (what one host or
/// household usually gets), so one client cannot get a fresh bucket per address.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    max_clients: usize,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// `rate` tokens per second, at most `burst` in a bucket, at most `max_clients` buckets.
    pub fn new(rate: f64, burst: f64, max_clients: usize) -> RateLimiter {
        RateLimiter {
            rate,
            burst: burst.max(1.0),
            max_clients: max_clients.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `client` at `now_ms`: `Ok` if there was one, else `Err(seconds)` until
    /// the next one (for `Retry-After`, at least 1).
    pub fn take(&self, client: IpAddr, now_ms: i64) -> Result<(), u64> {
        let key = key(client);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if !buckets.contains_key(&key) && buckets.len() >= self.max_clients {
            self.evict(&mut buckets, now_ms);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: self.burst,
            at: now_ms,
        });
        let elapsed = (now_ms - bucket.at).max(0) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.at = bucket.at.max(now_ms);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else if self.rate <= 0.0 {
            Err(3600)
        } else {
            let wait = (1.0 - bucket.tokens) / self.rate;
            Err((wait.ceil() as u64).max(1))
        }
    }

    /// Makes room: drops every bucket that has refilled to full (forgetting it changes nothing),
    /// and if none has, the one idle longest.
    fn evict(&self, buckets: &mut HashMap<IpAddr, Bucket>, now_ms: i64) {
        let (rate, burst) = (self.rate, self.burst);
        buckets.retain(|_, b| b.tokens + (now_ms - b.at).max(0) as f64 / 1000.0 * rate < burst);
        if buckets.len() >= self.max_clients {
            if let Some(oldest) = buckets.iter().min_by_key(|(_, b)| b.at).map(|(k, _)| *k) {
                buckets.remove(&oldest);
            }
        }
    }

    /// Buckets held (for tests).
    pub fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The bucket key: the address, an IPv6 one cut to its /64 (an IPv4-mapped one is IPv4).
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The client's address: the TCP `peer`, unless it is one of `trusted` (`--trust-forwarded-for`)
/// and `X-Forwarded-For` names a client. Then the right-most entry that is not itself a trusted
/// proxy (entries left of it can be forged by the client). Without a trusted peer the header is
/// ignored entirely; an unreadable entry stops the walk (the peer is used).
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| {
        trusted
            .iter()
            .any(|t| t.to_canonical() == ip.to_canonical())
    };
    if !is_trusted(&peer) {
        return peer;
    }
    let entries = forwarded_for
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for entry in entries.iter().rev() {
        let Ok(ip) = entry.parse::<IpAddr>() else {
            return peer;
        };
        if !is_trusted(&ip) {
            return ip;
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_bucket_allows_a_burst_then_the_rate() {
        let l = RateLimiter::new(5.0, 20.0, 100);
        let a = ip("192.0.2.1");
        for _ in 0..20 {
            assert_eq!(l.take(a, 1000), Ok(()));
        }
        assert_eq!(l.take(a, 1000), Err(1));
        // another client has its own bucket
        assert_eq!(l.take(ip("192.0.2.2"), 1000), Ok(()));
        // 5 per second: one token every 200 ms
        assert_eq!(l.take(a, 1199), Err(1));
        assert_eq!(l.take(a, 1201), Ok(()));
        assert_eq!(l.take(a, 1201), Err(1));
        // after 4 s the bucket is full again, and no fuller
        for _ in 0..20 {
            assert_eq!(l.take(a, 100_000), Ok(()));
        }
        assert_eq!(l.take(a, 100_000), Err(1));
        // a slow rate says how long to wait
        let slow = RateLimiter::new(0.1, 1.0, 10);
        assert_eq!(slow.take(a, 0), Ok(()));
        assert_eq!(slow.take(a, 0), Err(10));
        assert_eq!(slow.take(a, 5000), Err(5));
        assert_eq!(slow.take(a, 10_000), Ok(()));
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        let l = RateLimiter::new(1.0, 2.0, 100);
        assert_eq!(l.take(ip("2001:db8:1:2::1"), 0), Ok(()));
        assert_eq!(l.take(ip("2001:db8:1:2:ffff::9"), 0), Ok(()));
        assert_eq!(l.take(ip("2001:db8:1:2::77"), 0), Err(1));
        assert_eq!(l.take(ip("2001:db8:1:3::1"), 0), Ok(()));
        assert_eq!(l.take(ip("::ffff:192.0.2.1"), 0), Ok(()));
        assert_eq!(l.take(ip("192.0.2.1"), 0), Ok(()));
        assert_eq!(l.take(ip("192.0.2.1"), 0), Err(1));
    }

    #[test]
    fn the_table_is_bounded() {
        let l = RateLimiter::new(1.0, 3.0, 1000);
        // 5000 addresses, each taking one token: never more than 1000 buckets
        for i in 0..5000u32 {
            let a = IpAddr::V4((0x0a00_0000 + i).into());
            assert_eq!(l.take(a, i64::from(i)), Ok(()));
            assert!(l.len() <= 1000);
        }
        assert_eq!(l.len(), 1000);
        // once the buckets have refilled (3 s later), they are dropped first, all at once
        assert_eq!(l.take(ip("192.0.2.9"), 10_000), Ok(()));
        assert_eq!(l.len(), 1);
        // an emptied bucket is kept while younger ones are around: the idlest goes instead
        let l = RateLimiter::new(1.0, 3.0, 2);
        let a = ip("192.0.2.1");
        for _ in 0..3 {
            l.take(a, 0).unwrap();
        }
        l.take(ip("192.0.2.2"), 0).unwrap();
        l.take(a, 100).unwrap_err();
        l.take(ip("192.0.2.3"), 200).unwrap();
        assert_eq!(l.take(a, 200), Err(1), "the empty bucket of a was kept");
    }

    #[test]
    fn forwarded_for_only_from_a_trusted_proxy() {
        let proxy = ip("127.0.0.1");
        let trusted = [proxy, ip("10.0.0.2")];
        // not from a trusted proxy: the header is ignored
        assert_eq!(
            client_address(ip("192.0.2.7"), &["203.0.113.5"], &trusted),
            ip("192.0.2.7")
        );
        assert_eq!(client_address(proxy, &["203.0.113.5"], &[]), proxy);
        // from the proxy: the right-most entry that is not a trusted proxy
        assert_eq!(
            client_address(proxy, &["1.1.1.1, 203.0.113.5"], &trusted),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_address(proxy, &["1.1.1.1, 203.0.113.5, 10.0.0.2"], &trusted),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_address(proxy, &["9.9.9.9", "203.0.113.5 , 10.0.0.2"], &trusted),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_address(proxy, &["2001:db8::1"], &trusted),
            ip("2001:db8::1")
        );
        // no header, only proxies, or garbage: the peer
        assert_eq!(client_address(proxy, &[], &trusted), proxy);
        assert_eq!(client_address(proxy, &["10.0.0.2"], &trusted), proxy);
        assert_eq!(client_address(proxy, &["1.1.1.1, junk"], &trusted), proxy);
    }
}
