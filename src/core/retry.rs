//! When to try a request again. Only requests that are safe to repeat are retried (GET, and
//! DELETE, which has the same effect twice); POST and PATCH never are, so a create that failed
//! mid-flight can never make a second token.

use super::num;
use super::request::{Operation, Request};
use super::response::Failure;

/// Retries when a call gives none.
pub const DEFAULT_RETRIES: u32 = 2;
/// The most retries a client may be configured with.
pub const MAX_RETRIES: u32 = 10;
/// The first backoff, doubled on each further attempt.
const BASE_DELAY_MS: f64 = 200.0;
/// The longest single wait, whatever the server's rate-limit reset says.
pub const MAX_DELAY_MS: f64 = 30_000.0;

/// Whether `req` may be sent again without changing the outcome.
pub fn is_repeatable(req: &Request) -> bool {
    matches!(req.method(), "GET" | "DELETE")
}

/// How long to wait before attempt number `attempt + 1` (`attempt` attempts have been made),
/// or `None` to stop and report `failure`. `random` is uniform in [0, 1) (for jitter);
/// `now_ms` is the current time.
pub fn delay_before_retry(
    req: &Request,
    failure: &Failure,
    attempt: u32,
    retries: u32,
    random: f64,
    now_ms: f64,
) -> Option<f64> {
    if attempt > retries || !is_repeatable(req) {
        return None;
    }
    let backoff = BASE_DELAY_MS * num::powi(2.0, attempt.saturating_sub(1).min(16) as i32);
    let jittered = backoff * (0.5 + random.clamp(0.0, 1.0) / 2.0);
    let delay = match failure {
        Failure::Status {
            status: 429,
            rate_limit,
            ..
        } => {
            let reset_ms = rate_limit
                .and_then(|r| r.reset)
                .map(|reset| reset * 1000.0 - now_ms);
            reset_ms.map_or(jittered, |wait| wait.max(0.0) + jittered / 4.0)
        }
        Failure::Status {
            status: 500 | 502 | 503 | 504,
            ..
        }
        | Failure::Network { .. } => jittered,
        _ => return None,
    };
    Some(delay.min(MAX_DELAY_MS))
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
    use crate::core::request::{Config, Create, Update};
    use crate::core::url::Origin;

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

    #[test]
    fn retries_safe_requests_on_server_and_network_errors_with_growing_backoff() {
        let get = config().list_scopes(&None).unwrap();
        let d1 = delay_before_retry(&get, &status(503), 1, 2, 0.0, 0.0).unwrap();
        let d2 = delay_before_retry(&get, &status(502), 2, 2, 0.0, 0.0).unwrap();
        assert_eq!((d1, d2), (100.0, 200.0));
        assert_eq!(
            delay_before_retry(&get, &status(500), 1, 2, 1.0, 0.0),
            Some(200.0)
        );
        let network = Failure::Network {
            detail: "reset".into(),
        };
        assert!(delay_before_retry(&get, &network, 1, 2, 0.5, 0.0).is_some());
        assert_eq!(
            delay_before_retry(&get, &status(503), 3, 2, 0.0, 0.0),
            None,
            "bounded in count"
        );
        assert_eq!(
            delay_before_retry(&get, &status(503), 1, 0, 0.0, 0.0),
            None,
            "retries: 0"
        );
        assert_eq!(
            delay_before_retry(&get, &status(503), 40, 100, 1.0, 0.0),
            Some(MAX_DELAY_MS)
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
            assert_eq!(delay_before_retry(&get, &f, 1, 5, 0.5, 0.0), None, "{f:?}");
        }
    }

    #[test]
    fn never_repeats_creates_or_updates() {
        let c = config();
        let create = c
            .create(&Create {
                scopes: Some(vec!["a:b".into()]),
                ..Default::default()
            })
            .unwrap();
        let update = c
            .update(&Update {
                authorization_id: Some("id".into()),
                note: Some("n".into()),
                ..Default::default()
            })
            .unwrap();
        for req in [create, update] {
            assert!(!is_repeatable(&req));
            assert_eq!(delay_before_retry(&req, &status(503), 1, 5, 0.0, 0.0), None);
            assert_eq!(
                delay_before_retry(
                    &req,
                    &Failure::Network {
                        detail: String::new()
                    },
                    1,
                    5,
                    0.0,
                    0.0
                ),
                None
            );
        }
        assert!(is_repeatable(&c.delete(&None, &Some("id".into())).unwrap()));
    }

    #[test]
    fn waits_for_the_rate_limit_reset_capped() {
        let get = config().list_scopes(&None).unwrap();
        let limited = |reset| Failure::Status {
            status: 429,
            body: String::new(),
            rate_limit: Some(RateLimit {
                limit: Some(100.0),
                interval: Some(60.0),
                reset: Some(reset),
            }),
        };
        assert_eq!(
            delay_before_retry(&get, &limited(1003.0), 1, 2, 0.0, 1_000_000.0),
            Some(3025.0)
        );
        assert_eq!(
            delay_before_retry(&get, &limited(999.0), 1, 2, 0.0, 1_000_000.0),
            Some(25.0)
        );
        assert_eq!(
            delay_before_retry(&get, &limited(5000.0), 1, 2, 0.0, 1_000_000.0),
            Some(MAX_DELAY_MS)
        );
        assert_eq!(
            delay_before_retry(&get, &status(429), 1, 2, 0.0, 0.0),
            Some(100.0)
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
        assert!(
            outcome_unknown(&status(502))
                && outcome_unknown(&Failure::Network {
                    detail: String::new()
                })
        );
        assert!(!outcome_unknown(&status(404)));
    }
}
