//! Pacing under the API's rate limit: a client starts at most `limit` requests in any `interval`,
//! holding later ones until the window allows them, so that bulk work meets no 429s at all once
//! the limit is known. The Tokens API allows 100 requests per minute per account; its responses
//! say the real figures (`X-Rate-Limit-Limit`, `X-Rate-Limit-Interval`), which the pacer learns.
//!
//! Times are milliseconds on one monotonic clock of the caller's choosing.

use std::collections::VecDeque;

use super::error::{Error, RateLimit};

/// Added to every interval: the API counts requests when they arrive, the pacer when they leave,
/// and arrival times jitter; without a margin a request sent exactly one interval after another
/// could arrive inside the API's previous window.
pub const MARGIN_MS: f64 = 250.0;

/// The default pacing: the Tokens API's documented limit.
pub const DEFAULT_LIMIT: u32 = 100;
/// The default interval, in seconds.
pub const DEFAULT_INTERVAL_S: f64 = 60.0;

/// The starts of recent and reserved requests, and what they allow.
#[derive(Debug, Clone, PartialEq)]
pub struct Pacer {
    limit: u32,
    interval_ms: f64,
    /// The start times handed out, in order: every one still ahead, and the `limit` latest past
    /// ones (older ones no longer constrain anything).
    starts: VecDeque<f64>,
    /// No request starts before this (after a 429: the window's reset).
    held_until: f64,
    /// Counts the changes that void the places handed out (new figures, a longer hold): a call
    /// that waited for a place of an earlier generation takes a new one.
    generation: u32,
}

/// A place under the rate limit: when its request may start, and under which figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    /// When the request may start.
    pub at: f64,
    generation: u32,
}

impl Pacer {
    /// A pacer for `limit` requests per `interval_s` seconds: a positive whole number and a
    /// positive number of seconds.
    pub fn new(limit: f64, interval_s: f64) -> Result<Pacer, Error> {
        let valid = limit.fract() == 0.0
            && (1.0..=1_000_000.0).contains(&limit)
            && interval_s > 0.0
            && interval_s <= 86_400.0;
        if !valid {
            return Err(Error::invalid(
                "rateLimit must be false or { limit, interval }: limit a whole number of requests from 1 to 1000000, interval the seconds they may take (greater than 0, at most 86400).",
            ));
        }
        Ok(Pacer {
            limit: limit as u32,
            interval_ms: interval_s * 1000.0,
            starts: VecDeque::new(),
            held_until: f64::NEG_INFINITY,
            generation: 0,
        })
    }

    /// The Tokens API's documented limit: 100 requests per minute.
    pub fn tokens_api() -> Pacer {
        Pacer {
            limit: DEFAULT_LIMIT,
            interval_ms: DEFAULT_INTERVAL_S * 1000.0,
            starts: VecDeque::new(),
            held_until: f64::NEG_INFINITY,
            generation: 0,
        }
    }

    /// Requests allowed per interval.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The interval, in seconds.
    pub fn interval_s(&self) -> f64 {
        self.interval_ms / 1000.0
    }

    /// Reserves the start of one request asked for at `now`: when it may start (`now` when the
    /// window has room). Requests start in the order they ask.
    pub fn reserve(&mut self, now: f64) -> Slot {
        let mut at = now.max(self.held_until);
        if let Some(&last) = self.starts.back() {
            at = at.max(last);
        }
        let len = self.starts.len();
        if len >= self.limit as usize {
            // The request `limit` places back must be a whole interval old first.
            if let Some(&oldest) = self.starts.get(len - self.limit as usize) {
                at = at.max(oldest + self.interval_ms + MARGIN_MS);
            }
        }
        self.starts.push_back(at);
        // Past starts beyond the `limit` latest constrain nothing; those ahead are all kept (a
        // place given back must not take an older start's constraint with it).
        let past = self.starts.partition_point(|&start| start <= now);
        self.starts
            .drain(..past.saturating_sub(self.limit as usize));
        Slot {
            at,
            generation: self.generation,
        }
    }

    /// Whether `slot` still stands: no change since it was handed out voids it. A call whose
    /// place was voided while it waited asks for a new one.
    pub fn stands(&self, slot: &Slot) -> bool {
        slot.generation == self.generation
    }

    /// Voids the places still ahead of `now`: the calls waiting for them ask again.
    fn void_places(&mut self, now: f64) {
        self.starts.retain(|&at| at <= now);
        self.generation = self.generation.wrapping_add(1);
    }

    /// Gives back the place of a call that will not send (aborted while it waited, or stopped
    /// before its request left): its start no longer counts, and the places ahead of `now` are
    /// voided so that the calls waiting for them ask again and move up. `true` when something
    /// changed (the waiting calls should be woken).
    pub fn release(&mut self, slot: &Slot, now: f64) -> bool {
        if !self.stands(slot) {
            // Voided already: its start was dropped with the others ahead.
            return false;
        }
        if let Some(i) = self.starts.iter().rposition(|&at| at == slot.at) {
            self.starts.remove(i);
        }
        self.void_places(now);
        true
    }

    /// Takes the figures a response gave (`X-Rate-Limit-Limit`, `-Interval`), when sane. When
    /// they differ from those in force, the places handed out under the old ones are voided, and
    /// `true` says so (the waiting calls should be woken).
    pub fn learn(&mut self, rate_limit: &RateLimit, now: f64) -> bool {
        let (Some(limit), Some(interval)) = (rate_limit.limit, rate_limit.interval) else {
            return false;
        };
        let Ok(told) = Pacer::new(limit, interval) else {
            return false;
        };
        if (told.limit, told.interval_ms) == (self.limit, self.interval_ms) {
            return false;
        }
        self.limit = told.limit;
        self.interval_ms = told.interval_ms;
        self.void_places(now);
        true
    }

    /// The longest hold a 429 may impose: the API's window is one interval long (at least the
    /// documented minute), so a reset said to lie further ahead is not believed beyond it.
    fn longest_hold(&self) -> f64 {
        self.interval_ms.max(DEFAULT_INTERVAL_S * 1000.0) + MARGIN_MS
    }

    /// After a 429: no request starts before `until`, when the API's window resets (at most one
    /// interval from `now`); the places handed out for earlier are voided, and `true` says so.
    pub fn hold_until(&mut self, until: f64, now: f64) -> bool {
        let until = until.min(now + self.longest_hold());
        if until > self.held_until {
            self.held_until = until;
            self.void_places(now);
            return true;
        }
        false
    }

    /// How many reserved starts still lie ahead of `now`, and how long until the first of them.
    pub fn waiting(&self, now: f64) -> (usize, f64) {
        let ahead = self.starts.iter().filter(|&&at| at > now);
        let held = ahead.clone().count();
        let next = ahead.fold(f64::INFINITY, |soonest, &at| soonest.min(at));
        (held, if held == 0 { 0.0 } else { next - now })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lets_a_full_window_through_then_holds_the_rest() {
        let mut p = Pacer::new(5.0, 4.0).unwrap();
        let starts: Vec<f64> = (0..12).map(|_| p.reserve(1000.0).at).collect();
        assert_eq!(&starts[..5], &[1000.0; 5]);
        assert_eq!(&starts[5..10], &[5250.0; 5]);
        assert_eq!(&starts[10..], &[9500.0; 2]);
        // Never more than `limit` starts in any interval.
        for (i, &a) in starts.iter().enumerate() {
            let within = starts[i..].iter().filter(|&&b| b < a + 4000.0).count();
            assert!(within <= 5, "{within} starts after {a}");
        }
        assert_eq!(p.waiting(1000.0), (7, 4250.0));
        assert_eq!(p.waiting(6000.0), (2, 3500.0));
        assert_eq!(p.waiting(10_000.0), (0, 0.0));
    }

    #[test]
    fn spaced_requests_are_never_held() {
        let mut p = Pacer::tokens_api();
        for i in 0..1000 {
            let now = f64::from(i) * 700.0; // 86 a minute
            assert_eq!(p.reserve(now).at, now);
        }
    }

    #[test]
    fn learns_the_real_figures_and_holds_after_a_429() {
        let told = |limit, interval| RateLimit {
            limit: Some(limit),
            interval: Some(interval),
            reset: None,
        };
        let mut p = Pacer::tokens_api();
        for _ in 0..5 {
            assert_eq!(p.reserve(0.0).at, 0.0);
        }
        p.learn(&told(5.0, 4.0), 0.0);
        assert_eq!((p.limit(), p.interval_s()), (5, 4.0));
        assert_eq!(p.reserve(10.0).at, 4250.0);
        // Nonsense is not learned.
        for (limit, interval) in [(0.0, 4.0), (2.5, 4.0), (5.0, -1.0), (f64::NAN, 1.0)] {
            p.learn(&told(limit, interval), 10.0);
            assert_eq!((p.limit(), p.interval_s()), (5, 4.0));
        }
        p.hold_until(20_000.0, 10.0);
        assert_eq!(p.reserve(5000.0).at, 20_000.0);
        p.hold_until(100.0, 5000.0);
        assert_eq!(p.reserve(5000.0).at, 20_000.0, "a hold never moves back");
    }

    #[test]
    fn places_handed_out_under_old_figures_are_voided() {
        let mut p = Pacer::new(10.0, 2.0).unwrap();
        let places: Vec<Slot> = (0..15).map(|_| p.reserve(0.0)).collect();
        assert!(places.iter().all(|s| p.stands(s)));
        // The same figures again change nothing.
        p.learn(
            &RateLimit {
                limit: Some(10.0),
                interval: Some(2.0),
                reset: None,
            },
            1.0,
        );
        assert!(places.iter().all(|s| p.stands(s)));
        // A lower limit voids every place; the waiting calls ask again and are spaced by it.
        p.learn(
            &RateLimit {
                limit: Some(3.0),
                interval: Some(30.0),
                reset: None,
            },
            1.0,
        );
        assert!(places.iter().all(|s| !p.stands(s)));
        let again: Vec<f64> = (0..5).map(|_| p.reserve(2250.0).at).collect();
        assert_eq!(again, [30_250.0, 30_250.0, 30_250.0, 60_500.0, 60_500.0]);
        // So does a longer hold after a 429.
        let before = p.reserve(70_000.0);
        p.hold_until(100_000.0, 70_000.0);
        assert!(!p.stands(&before));
        assert_eq!(p.reserve(70_000.0).at, 100_000.0);
    }

    #[test]
    fn a_place_given_back_lets_the_calls_behind_move_up() {
        let mut p = Pacer::new(1.0, 30.0).unwrap();
        assert_eq!(p.reserve(0.0).at, 0.0);
        let second = p.reserve(1000.0);
        assert_eq!(second.at, 30_250.0);
        let third = p.reserve(2000.0);
        assert_eq!(third.at, 60_500.0);
        assert_eq!(p.waiting(2000.0).0, 2);
        // The second is aborted while it waits: its place goes, and the third's is voided.
        assert!(p.release(&second, 3000.0));
        assert!(!p.stands(&third));
        assert_eq!(p.waiting(3000.0).0, 0, "no ghost is counted");
        assert_eq!(
            p.reserve(3000.0).at,
            30_250.0,
            "the third asks again and moves up"
        );
        // Giving back a voided place changes nothing.
        assert!(!p.release(&second, 3000.0));
        assert_eq!(p.waiting(3000.0).0, 1);
    }

    #[test]
    fn a_reset_far_ahead_holds_for_one_interval_at_most() {
        let mut p = Pacer::tokens_api();
        assert!(p.hold_until(1e15, 1000.0));
        assert_eq!(p.reserve(1000.0).at, 1000.0 + 60_000.0 + MARGIN_MS);
        let mut long = Pacer::new(1.0, 86_400.0).unwrap();
        long.hold_until(f64::INFINITY, 0.0);
        assert_eq!(long.reserve(0.0).at, 86_400_000.0 + MARGIN_MS);
    }

    #[test]
    fn refuses_nonsense_settings() {
        for (limit, interval) in [
            (0.0, 60.0),
            (1.5, 60.0),
            (-3.0, 60.0),
            (100.0, 0.0),
            (100.0, f64::INFINITY),
            (f64::NAN, 60.0),
        ] {
            let e = Pacer::new(limit, interval).unwrap_err();
            assert!(e.message.starts_with("rateLimit must be"), "{}", e.message);
        }
        assert!(Pacer::new(1.0, 0.5).is_ok());
    }
}
