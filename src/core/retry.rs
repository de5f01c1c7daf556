//! When to try a request again. A 429 is retried on every method, since the API did not process
//! the request; other failures only for requests that are safe to repeat (GET, and DELETE, which
//! has the same effect twice). POST and PATCH are never repeated after a network failure or a 5xx,
//! so a create that failed mid-flight can never make a second token.

use super::request::{Operation, Request};
use super::response::Failure;

/// Retries when a call gives none.
pub const DEFAULT_RETRIES: u32 = 2;
/// The most retries a client may be configured with.
pub const MAX_RETRIES: u32 = 10;
/// The first backoff, doubled on each further attempt.
const BASE_DELAY_MS: f64 = 200.0;
/// The longest backoff after a server or network error.
pub const MAX_BACKOFF_MS: f64 = 30_000.0;

/// Whether `req` may be sent again without changing the outcome.
pub fn is_repeatable(req: &Request) -> bool {
    matches!(req.method(), "GET" | "DELETE")
}

/// How long to wait before attempt number `attempt + 1` (`attempt` attempts have been made), or
/// `None` to stop and report `failure` now.
///
/// `random` is uniform in [0, 1) (for jitter); `api_now_ms` is the current time on the API's clock
/// (a 429's `X-Rate-Limit-Reset` is on that clock); `time_left_ms` is what remains of the call's
/// deadline: a wait that would end after it is not begun, so that the caller gets the failure at
/// hand (a 429 with its reset time, say) at once rather than a timeout later.
pub fn delay_before_retry(
    req: &Request,
    failure: &Failure,
    attempt: u32,
    retries: u32,
    random: f64,
    api_now_ms: f64,
    time_left_ms: f64,
) -> Option<f64> {
    if attempt > retries {
        return None;
    }
    let backoff = BASE_DELAY_MS * 2f64.powi(attempt.saturating_sub(1).min(16) as i32);
    let jittered = backoff * (0.5 + random.clamp(0.0, 1.0) / 2.0);
    let delay = match failure {
        // Not processed: safe to send again whatever the method, once the limit has reset.
        Failure::Status {
            status: 429,
            rate_limit,
            ..
        } => match rate_limit.and_then(|r| r.reset) {
            Some(reset) => (reset * 1000.0 - api_now_ms).max(0.0) + jittered / 4.0,
            None => jittered,
        },
        Failure::Status {
            status: 500 | 502 | 503 | 504,
            ..
        }
        | Failure::Network { .. }
            if is_repeatable(req) =>
        {
            jittered.min(MAX_BACKOFF_MS)
        }
        _ => return None,
    };
    (delay < time_left_ms).then_some(delay)
}

/// Whether a failure leaves it unknown whether the server acted on the request.
pub fn outcome_unknown(failure: &Failure) -> bool {
    matches!(
        failure,
        Failure::Network { .. }
            | Failure::Status {
                status: 500..=599,
                ..
            }
    )
}

/// A `DELETE` answered 404 after an earlier attempt whose outcome is unknown most likely deleted
/// the token then: it counts as deleted.
pub fn counts_as_deleted(req: &Request, status: u16, earlier_unknown: bool) -> bool {
    req.op == Operation::Delete && status == 404 && earlier_unknown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::RateLimit;
    use crate::core::options::Options;
    use crate::core::request::Config;
    use crate::core::url::Origin;

    const FOREVER: f64 = f64::INFINITY;

    fn config() -> Config {
        Config {
            origin: Origin::parse("http://localhost").unwrap(),
            access_token: "t".into(),
            username: Some("u".into()),
        }
    }

    fn status(status: u16) -> Failure {
        Failure::Status {
            status,
            body: String::new(),
            rate_limit: None,
        }
    }

    fn limited(reset: f64) -> Failure {
        Failure::Status {
            status: 429,
            body: String::new(),
            rate_limit: Some(RateLimit {
                limit: Some(100.0),
                interval: Some(60.0),
                reset: Some(reset),
            }),
        }
    }

    fn network() -> Failure {
        Failure::Network {
            detail: "reset".into(),
        }
    }

    fn writes() -> [Request; 2] {
        let c = config();
        let create = c
            .create(&Options {
                scopes: Some(vec!["a:b".into()]),
                ..Default::default()
            })
            .unwrap();
        let update = c
            .update(&Options {
                authorization_id: Some("id".into()),
                note: Some("n".into()),
                ..Default::default()
            })
            .unwrap();
        [create, update]
    }

    #[test]
    fn retries_safe_requests_on_server_and_network_errors_with_growing_backoff() {
        let get = config().list_scopes(&None).unwrap();
        let d1 = delay_before_retry(&get, &status(503), 1, 2, 0.0, 0.0, FOREVER).unwrap();
        let d2 = delay_before_retry(&get, &status(502), 2, 2, 0.0, 0.0, FOREVER).unwrap();
        assert_eq!((d1, d2), (100.0, 200.0));
        assert_eq!(
            delay_before_retry(&get, &status(500), 1, 2, 1.0, 0.0, FOREVER),
            Some(200.0)
        );
        assert!(delay_before_retry(&get, &network(), 1, 2, 0.5, 0.0, FOREVER).is_some());
        assert_eq!(
            delay_before_retry(&get, &status(503), 3, 2, 0.0, 0.0, FOREVER),
            None,
            "bounded in count"
        );
        assert_eq!(
            delay_before_retry(&get, &status(503), 1, 0, 0.0, 0.0, FOREVER),
            None,
            "retries: 0"
        );
        assert_eq!(
            delay_before_retry(&get, &status(503), 40, 100, 1.0, 0.0, FOREVER),
            Some(MAX_BACKOFF_MS)
        );
    }

    #[test]
    fn never_retries_client_errors_timeouts_or_aborts() {
        let get = config().list_scopes(&None).unwrap();
        for f in [
            status(400),
            status(401),
            status(404),
            status(422),
            status(501),
            Failure::Aborted,
            Failure::Timeout { ms: 1.0 },
            Failure::Decode { status: 200 },
        ] {
            assert_eq!(
                delay_before_retry(&get, &f, 1, 5, 0.5, 0.0, FOREVER),
                None,
                "{f:?}"
            );
        }
    }

    #[test]
    fn never_repeats_creates_or_updates_after_server_or_network_errors() {
        for req in writes() {
            assert!(!is_repeatable(&req));
            assert_eq!(
                delay_before_retry(&req, &status(503), 1, 5, 0.0, 0.0, FOREVER),
                None
            );
            assert_eq!(
                delay_before_retry(&req, &network(), 1, 5, 0.0, 0.0, FOREVER),
                None
            );
        }
        assert!(is_repeatable(
            &config().delete(&None, &Some("id".into())).unwrap()
        ));
    }

    #[test]
    fn a_429_is_retried_on_every_method_after_the_reset() {
        let get = config().list_scopes(&None).unwrap();
        for req in writes().iter().chain([&get]) {
            assert_eq!(
                delay_before_retry(req, &limited(1003.0), 1, 2, 0.0, 1_000_000.0, FOREVER),
                Some(3025.0)
            );
        }
        assert_eq!(
            delay_before_retry(&get, &limited(999.0), 1, 2, 0.0, 1_000_000.0, FOREVER),
            Some(25.0),
            "a reset already past: at once"
        );
        // A reset a minute away is waited for in full when the deadline allows it.
        assert_eq!(
            delay_before_retry(&get, &limited(1060.0), 1, 2, 0.0, 1_000_000.0, FOREVER),
            Some(60_025.0)
        );
        assert_eq!(
            delay_before_retry(&get, &status(429), 1, 2, 0.0, 0.0, FOREVER),
            Some(100.0),
            "no reset header: backoff"
        );
        assert_eq!(
            delay_before_retry(&get, &limited(1003.0), 3, 2, 0.0, 1_000_000.0, FOREVER),
            None,
            "bounded in count"
        );
    }

    #[test]
    fn a_wait_beyond_the_deadline_is_not_begun() {
        let get = config().list_scopes(&None).unwrap();
        let [create, _] = writes();
        for req in [&get, &create] {
            assert_eq!(
                delay_before_retry(req, &limited(1002.0), 1, 2, 0.0, 1_000_000.0, 1000.0),
                None,
                "the 429 is reported at once"
            );
            assert!(
                delay_before_retry(req, &limited(1002.0), 1, 2, 0.0, 1_000_000.0, 2100.0).is_some()
            );
        }
        assert_eq!(
            delay_before_retry(&get, &status(503), 1, 2, 0.0, 0.0, 50.0),
            None
        );
    }

    #[test]
    fn a_404_after_an_unknown_delete_counts_as_deleted() {
        let c = config();
        let del = c.delete(&None, &Some("id".into())).unwrap();
        assert!(counts_as_deleted(&del, 404, true));
        assert!(!counts_as_deleted(&del, 404, false));
        assert!(!counts_as_deleted(&del, 401, true));
        assert!(!counts_as_deleted(
            &c.list_scopes(&None).unwrap(),
            404,
            true
        ));
        assert!(outcome_unknown(&status(502)) && outcome_unknown(&network()));
        assert!(!outcome_unknown(&status(404)));
        assert!(!outcome_unknown(&limited(0.0)));
    }
}
