//! The client behind the `Tokens` class, and the life of a request as one `async fn`
//! ([`Client::send`]): wait for a slot under the rate limit, fetch within the call's deadline, read
//! the answer, retry what may be retried, and turn what failed into the error the caller sees. The
//! operations made of several requests build on it, all under one deadline per call: a temporary
//! token on the API's clock, a page of a listing, and rotation.

use std::cell::RefCell;

use js_sys::{Array, Math};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortSignal, Headers};

use super::convert::{self, member, strings_of, text};
use crate::core::error::{Error, RateLimit};
use crate::core::options::{checked_timeout, AllowedApplication, Options, Patch, RateLimitOption};
use crate::core::pacing::{Pacer, Slot};
use crate::core::request::{self, Config, Request};
use crate::core::response::{self, Failure, Search, Visited};
use crate::core::retry;
use crate::core::time::ApiClock;
use crate::core::token;
use crate::core::url::{Origin, DEFAULT_ORIGIN};
use crate::transport::{self, Answer, Bell, Body, Deadline};

/// The timeout of a call when neither the call nor the client sets one.
const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;

/// The limits of one call: its time and the caller's signal.
#[derive(Clone)]
pub(crate) struct Limits {
    pub timeout_ms: f64,
    pub signal: Option<AbortSignal>,
}

/// A place under the rate limit that a call holds until its request leaves: given back if the
/// request never does (the call aborted or stopped while it waited, or was dropped), so that the
/// calls behind it move up.
struct Place<'a> {
    pacing: &'a RefCell<Pacer>,
    bell: &'a Bell,
    slot: Option<Slot>,
}

impl Place<'_> {
    /// The request leaves: the place is spent.
    fn spend(mut self) {
        self.slot = None;
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            let released = self
                .pacing
                .borrow_mut()
                .release(&slot, transport::monotonic_ms());
            if released {
                self.bell.ring();
            }
        }
    }
}

/// A successful answer: status, headers and the parsed body (`null` when there is none).
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Headers,
    pub data: JsValue,
}

impl Reply {
    /// A response header's value.
    pub fn header(&self, name: &str) -> Option<String> {
        transport::header(&self.headers, name)
    }

    /// The response object a method resolves to (see [`convert::response`]).
    pub fn into_js(self, next_start: Option<Option<String>>) -> JsValue {
        convert::response(self.status, self.headers.into(), self.data, next_start)
    }
}

/// What the client knows of the API's clock.
#[derive(Default)]
struct Clock {
    api: ApiClock,
    /// The headers of the latest answer and when it arrived (on a clock that the system clock's
    /// steps do not move): its `Date` is read only when the API's time is needed.
    latest: Option<(Headers, f64)>,
    /// Whether a request was made only to learn the API's time (once per client at most).
    asked: bool,
}

pub(crate) struct Client {
    pub config: Config,
    timeout_ms: f64,
    retries: u32,
    pacing: Option<RefCell<Pacer>>,
    /// Wakes the calls waiting for the rate limit when their places change.
    bell: Bell,
    clock: RefCell<Clock>,
}

/// A rotation that went through.
pub(crate) struct Rotated {
    /// The create's answer: the new token, with its token string.
    pub created: Reply,
    /// The old token as the listing showed it.
    pub previous: JsValue,
    /// Whether the old token was deleted.
    pub deleted: bool,
}

/// A rotation that failed; `created` holds the new token when only the delete of the old one
/// failed, so that its secret is never lost.
pub(crate) struct RotateFailed {
    pub error: Error,
    pub created: Option<JsValue>,
}

impl From<Error> for RotateFailed {
    fn from(error: Error) -> Self {
        RotateFailed {
            error,
            created: None,
        }
    }
}

/// The settings a rotation copies from the old token, as the listing shows them.
struct Listed {
    default: bool,
    scopes: Vec<String>,
    note: Option<String>,
    allowed_urls: Patch<Vec<String>>,
    allowed_applications: Patch<Vec<AllowedApplication>>,
    resources: Patch<Vec<String>>,
}

impl Listed {
    /// Reads them from the token's object in the listing (parsed by the platform): `None` when
    /// one is not of its type.
    fn read(token: &JsValue) -> Option<Listed> {
        let strings_at = |key| match member(token, key) {
            None => Some(Patch::Keep),
            Some(value) => strings_of(&value).map(Patch::Set),
        };
        let app = |app: JsValue| {
            Some(AllowedApplication {
                platform: member(&app, "platform")?.as_string()?,
                bundle_id: member(&app, "bundleId")?.as_string()?,
            })
        };
        let allowed_applications = match member(token, "allowedApplications") {
            None => Patch::Keep,
            Some(apps) => Patch::Set(
                apps.dyn_into::<Array>()
                    .ok()?
                    .iter()
                    .map(app)
                    .collect::<Option<_>>()?,
            ),
        };
        Some(Listed {
            default: member(token, "default").map_or(Some(false), |d| d.as_bool())?,
            scopes: member(token, "scopes").map_or(Some(Vec::new()), |s| strings_of(&s))?,
            note: match member(token, "note") {
                None => None,
                Some(note) => Some(note.as_string()?),
            },
            allowed_urls: strings_at("allowedUrls")?,
            allowed_applications,
            resources: strings_at("resources")?,
        })
    }
}

impl Client {
    /// A client from the constructor's options; `env` reads an environment variable (Node's
    /// `process.env`), where the access token may come from.
    pub fn new(o: Options, env: impl Fn(&str) -> Option<String>) -> Result<Client, Error> {
        let access_token = match o.access_token {
            Some(t) if t.is_empty() => {
                return Err(Error::invalid("accessToken must be a non-empty string."))
            }
            Some(t) => t,
            None => env("MAPBOX_ACCESS_TOKEN").or_else(|| env("MapboxAccessToken")).ok_or_else(|| {
                Error::invalid(
                    "No access token: pass new Tokens({ accessToken }) or, in Node, set MAPBOX_ACCESS_TOKEN \
                     (or MapboxAccessToken) in the environment.",
                )
            })?,
        };
        let origin = Origin::parse(o.origin.as_deref().unwrap_or(DEFAULT_ORIGIN))?;
        let username = match o.username {
            Some(u) if u.is_empty() => {
                return Err(Error::invalid("username must be a non-empty string."))
            }
            Some(u) => Some(u),
            None => token::parse_token(&access_token).ok().map(|info| info.user),
        };
        let retries = match o.retries {
            None => retry::DEFAULT_RETRIES,
            Some(n) if n.fract() == 0.0 && (0.0..=f64::from(retry::MAX_RETRIES)).contains(&n) => {
                n as u32
            }
            Some(_) => {
                return Err(Error::invalid(format!(
                    "retries must be a whole number from 0 to {}.",
                    retry::MAX_RETRIES
                )))
            }
        };
        let pacer = match o.rate_limit {
            None => Some(Pacer::tokens_api()),
            Some(RateLimitOption::Off) => None,
            Some(RateLimitOption::Pace { limit, interval }) => Some(Pacer::new(limit, interval)?),
        };
        Ok(Client {
            config: Config {
                origin,
                access_token,
                username,
            },
            timeout_ms: checked_timeout(o.timeout)?.unwrap_or(DEFAULT_TIMEOUT_MS),
            retries,
            pacing: pacer.map(RefCell::new),
            bell: Bell::default(),
            clock: RefCell::default(),
        })
    }

    /// The limits of a call: its `timeout` (else the client's) and its `signal`.
    pub fn limits(
        &self,
        timeout: Option<f64>,
        signal: Option<AbortSignal>,
    ) -> Result<Limits, Error> {
        Ok(Limits {
            timeout_ms: checked_timeout(timeout)?.unwrap_or(self.timeout_ms),
            signal,
        })
    }

    fn fail(&self, req: &Request, failure: Failure) -> Error {
        // A token the call sends in place of the client's (`checkValidity({ accessToken })`) is
        // as secret as the client's own.
        let other = match &req.credential {
            request::Credential::Other(token) => token.as_str(),
            request::Credential::Client => "",
        };
        response::error_for(
            req,
            &self.config.origin,
            failure,
            &[&self.config.access_token, other],
        )
    }

    /// Starts the deadline of a call whose first request is `req` (named in its error).
    pub fn start(&self, req: &Request, limits: &Limits) -> Result<Deadline, Error> {
        Deadline::start(limits.timeout_ms, limits.signal.as_ref()).map_err(|f| self.fail(req, f))
    }

    /// A call of one request: `req` sent and its answer read, within the call's limits.
    pub async fn call(&self, req: &Request, limits: &Limits) -> Result<Reply, Error> {
        self.send(req, &self.start(req, limits)?).await
    }

    /// Sends `req` and reads its answer, within the call's `deadline`.
    pub async fn send(&self, req: &Request, deadline: &Deadline) -> Result<Reply, Error> {
        let fail = |failure| self.fail(req, failure);
        let url = req.url(&self.config.origin, &self.config.access_token);
        let mut attempts = 0;
        // Whether an earlier attempt's outcome is unknown (for a repeated DELETE's 404).
        let mut outcome_unknown = false;
        loop {
            // Waiting for the rate limit does not count toward the timeout (the deadline moves).
            let place = self.pace(deadline).await.map_err(fail)?;
            if let Some(stop) = deadline.stopped() {
                return Err(fail(stop));
            }
            if let Some(place) = place {
                place.spend();
            }
            attempts += 1;
            let exchange = transport::exchange(&url, req.method(), req.body.as_deref(), deadline);
            let failure = match deadline
                .race(exchange)
                .await
                .map(|answer| self.read(answer))
            {
                Ok(Ok(reply)) => return Ok(reply),
                Ok(Err(failure)) | Err(failure) => failure,
            };
            if let Failure::Status { status, .. } = failure {
                if retry::counts_as_deleted(req, status, outcome_unknown) {
                    return Ok(Reply {
                        status: 204,
                        headers: Headers::new().map_err(|_| fail(failure))?,
                        data: JsValue::NULL,
                    });
                }
            }
            outcome_unknown |= retry::outcome_unknown(&failure);
            let api_now = self.api_now();
            if let Failure::Status {
                status: 429,
                rate_limit: Some(rate_limit),
                ..
            } = &failure
            {
                self.hold(rate_limit, api_now);
            }
            let delay = retry::delay_before_retry(
                req,
                &failure,
                attempts,
                self.retries,
                Math::random(),
                api_now,
                deadline.time_left(),
            );
            let Some(ms) = delay else {
                return Err(fail(failure));
            };
            deadline.sleep(ms).await.map_err(fail)?;
        }
    }

    /// Turns an answer into a reply, or into the failure a non-2xx status is; learns the API's
    /// clock and rate limit from it on the way.
    fn read(&self, answer: Answer) -> Result<Reply, Failure> {
        let Answer {
            status,
            headers,
            body,
        } = answer;
        self.clock.borrow_mut().latest = Some((headers.clone(), transport::steady_epoch_ms()));
        let rate_limit = response::rate_limit(|n| transport::header(&headers, n));
        if let (Some(pacing), Some(told)) = (&self.pacing, &rate_limit) {
            if pacing.borrow_mut().learn(told, transport::monotonic_ms()) {
                self.bell.ring();
            }
        }
        let data = match body {
            Body::Empty => JsValue::NULL,
            Body::Json(data) => data,
            Body::Text(body) => {
                return Err(Failure::Status {
                    status,
                    rate_limit,
                    body,
                })
            }
        };
        Ok(Reply {
            status,
            headers,
            data,
        })
    }

    /// Waits for a place under the rate limit (unless pacing is off), or until the caller aborts;
    /// the wait is added to `deadline`. A place voided while the call waited for it (a place ahead
    /// given back, the API told other figures, or a 429 a later reset) rings the bell, and the
    /// call asks for a new one at once.
    async fn pace(&self, deadline: &Deadline) -> Result<Option<Place<'_>>, Failure> {
        let Some(pacing) = &self.pacing else {
            return Ok(None);
        };
        let user = deadline.user();
        loop {
            let now = transport::monotonic_ms();
            let slot = pacing.borrow_mut().reserve(now);
            let place = Place {
                pacing,
                bell: &self.bell,
                slot: Some(slot),
            };
            if slot.at <= now {
                return Ok(Some(place));
            }
            transport::sleep_until_rung(slot.at, user, &self.bell).await;
            deadline.extend(transport::monotonic_ms() - now);
            if user.is_some_and(AbortSignal::aborted) {
                // `place` is given back as it is dropped.
                return Err(Failure::Aborted);
            }
            let due = transport::monotonic_ms() >= slot.at;
            if due && pacing.borrow().stands(&slot) {
                return Ok(Some(place));
            }
        }
    }

    /// After a 429: no request of this client starts before the API's window resets.
    fn hold(&self, rate_limit: &RateLimit, api_now: f64) {
        if let (Some(pacing), Some(reset)) = (&self.pacing, rate_limit.reset) {
            let wait = reset * 1000.0 - api_now;
            if wait.is_finite() && wait > 0.0 {
                let now = transport::monotonic_ms();
                if pacing.borrow_mut().hold_until(now + wait, now) {
                    self.bell.ring();
                }
            }
        }
    }

    /// What the pacing is doing: limit, interval (s), calls held, and ms until the next starts.
    pub fn pacing_status(&self) -> Option<(u32, f64, usize, f64)> {
        let pacer = self.pacing.as_ref()?.borrow();
        let (held, resumes_in) = pacer.waiting(transport::monotonic_ms());
        Some((pacer.limit(), pacer.interval_s(), held, resumes_in))
    }

    /// The API's time as well as the client knows it (see [`ApiClock`]).
    pub fn api_now(&self) -> f64 {
        let mut clock = self.clock.borrow_mut();
        if let Some((headers, received)) = clock.latest.take() {
            if let Some(date) = transport::header(&headers, "date") {
                clock.api.observe(js_sys::Date::parse(&date), received);
            }
        }
        clock.api.now(transport::steady_epoch_ms())
    }

    /// `createTempToken`: a relative expiry counts on the API's clock, whatever the caller's
    /// clock says. The API's time comes from the `Date` of the client's answers (the first token
    /// of a client that has had none is preceded by a `checkValidity` request to learn it); when the
    /// API still refuses the expiry (its clock moved), the time of that refusal is taken and the
    /// create made once more: a 422 creates nothing. An absolute expiry is the caller's own
    /// decision: it is checked against the caller's clock only, and sent as it is.
    pub async fn create_temp_token(&self, o: &Options, limits: &Limits) -> Result<Reply, Error> {
        // Built first, so that bad input is refused before anything is sent.
        if !o.relative() {
            let req = self
                .config
                .create_temp_token(o, transport::wall_clock_ms())?;
            return self.send(&req, &self.start(&req, limits)?).await;
        }
        let mut req = self.config.create_temp_token(o, self.api_now())?;
        let deadline = self.start(&req, limits)?;
        let ask = {
            let mut clock = self.clock.borrow_mut();
            let ask = !clock.api.known() && !clock.asked;
            clock.asked |= ask;
            ask
        };
        if ask {
            // Only its `Date` matters: a failure here is the create's to meet.
            let _ = self
                .send(&self.config.check_validity(None), &deadline)
                .await;
            req = self.config.create_temp_token(o, self.api_now())?;
        }
        match self.send(&req, &deadline).await {
            Err(e) if response::refuses_expires(&e) => {
                let req = self.config.create_temp_token(o, self.api_now())?;
                self.send(&req, &deadline).await
            }
            result => result,
        }
    }

    /// One page of a listing: its tokens, and the request for the next page if there is one (only
    /// on the configured origin).
    pub async fn page(
        &self,
        req: &Request,
        deadline: &Deadline,
    ) -> Result<(Array, Option<Request>), Error> {
        let reply = self.send(req, deadline).await?;
        let link = reply.header("link");
        let next = response::next_target(link.as_deref(), &self.config.origin)?;
        let tokens = reply.data.dyn_into::<Array>().map_err(|_| {
            self.fail(
                req,
                Failure::Decode {
                    status: reply.status,
                },
            )
        })?;
        Ok((tokens, next.map(|target| self.config.next_page(target))))
    }

    /// The first page of the account's tokens, 100 to a page, as a rotation reads them.
    fn full_listing(&self, username: &Option<String>) -> Result<Request, Error> {
        self.config.list_tokens(&Options {
            username: username.clone(),
            limit: Some(100.0),
            ..Default::default()
        })
    }

    /// Reads the listing from `listing` on, page after page within `deadline` (a page read
    /// before, or more than [`response::MAX_ROTATE_PAGES`], stops it), until `wanted` picks a
    /// token: `Ok` with it and the request of its page, or `Err(Ok(last page's request))` when no
    /// page held one.
    async fn find_listed(
        &self,
        mut listing: Request,
        deadline: &Deadline,
        wanted: &dyn Fn(&JsValue) -> bool,
    ) -> Result<(JsValue, Request), Result<Request, Error>> {
        let mut visited = Visited::new("rotate", Some(response::MAX_ROTATE_PAGES));
        loop {
            visited.visit(&listing.target).map_err(Err)?;
            let (tokens, next) = self.page(&listing, deadline).await.map_err(Err)?;
            if let Some(token) = tokens.iter().find(|t| wanted(t)) {
                return Ok((token, listing));
            }
            listing = next.ok_or(Ok(listing))?;
        }
    }

    /// `rotate`: a new token with the old one's settings, then (if asked) the old one deleted.
    /// The create always comes first; a failed delete leaves the new token in the error, and so
    /// does a create that got no clear answer when the listing shows the token it made.
    pub async fn rotate(&self, o: &Options, limits: &Limits) -> Result<Rotated, RotateFailed> {
        let id = request::authorization_id(&o.authorization_id)?;
        // Every request that can be built now is, so that bad input is refused before any is sent.
        let delete = self.config.delete(&o.username, &o.authorization_id)?;
        let listing = self.full_listing(&o.username)?;
        let deadline = self.start(&listing, limits)?;
        let began = self.api_now();
        // There is no single-token GET: the listing is read up to the page that holds the token.
        let has_id = |t: &JsValue| text(t, "id").as_deref() == Some(id);
        let (previous, listing) = match self.find_listed(listing, &deadline, &has_id).await {
            Ok(found) => found,
            Err(Ok(last)) => return Err(response::no_such_token(&last, &self.config.origin).into()),
            Err(Err(error)) => return Err(error.into()),
        };
        let listed = Listed::read(&previous)
            .ok_or_else(|| self.fail(&listing, Failure::Decode { status: 200 }))?;
        if listed.default {
            return Err(Error::invalid(
                "rotate cannot replace the default public token: the API cannot create another one. Refresh it on the account's access tokens page (https://account.mapbox.com/access-tokens/) instead.",
            )
            .into());
        }
        if listed.scopes.is_empty() {
            return Err(Error::invalid(
                "rotate cannot replace a token without scopes: the API cannot create one.",
            )
            .into());
        }
        let create = self.config.create(&Options {
            username: o.username.clone(),
            scopes: Some(listed.scopes.clone()),
            note: listed.note.clone(),
            allowed_urls: listed.allowed_urls,
            allowed_applications: listed.allowed_applications,
            resources: listed.resources,
            ..Default::default()
        })?;
        let created = match self.send(&create, &deadline).await {
            Ok(created) => created,
            Err(error) if response::outcome_unknown(&error) => {
                let (search, created) = self
                    .look_for_created(o, &listed.scopes, &listed.note, id, began, limits)
                    .await;
                return Err(RotateFailed {
                    error: response::created_unknown(error, &search),
                    created,
                });
            }
            Err(error) => return Err(error.into()),
        };
        if o.delete_old != Some(true) {
            return Ok(Rotated {
                created,
                previous,
                deleted: false,
            });
        }
        match self.send(&delete, &deadline).await {
            Ok(_) => Ok(Rotated {
                created,
                previous,
                deleted: true,
            }),
            Err(error) => {
                let new_id = text(&created.data, "id").unwrap_or_default();
                Err(RotateFailed {
                    error: response::old_token_remains(error, &new_id),
                    created: Some(created.data),
                })
            }
        }
    }

    /// After a rotation's create got no clear answer: reads the listing (within a deadline of its
    /// own, as long as the call's timeout) for a token that this rotation made: not the old one,
    /// the same note and scopes, created since the call began. Not looked for when the caller
    /// aborted.
    async fn look_for_created(
        &self,
        o: &Options,
        scopes: &[String],
        note: &Option<String>,
        old_id: &str,
        began: f64,
        limits: &Limits,
    ) -> (Search, Option<JsValue>) {
        if limits.signal.as_ref().is_some_and(AbortSignal::aborted) {
            return (Search::NotLooked, None);
        }
        let Ok(listing) = self.full_listing(&o.username) else {
            return (Search::Failed, None);
        };
        let Ok(deadline) = self.start(&listing, limits) else {
            return (Search::Failed, None);
        };
        let mut wanted = scopes.to_vec();
        wanted.sort_unstable();
        // `began` is a lower bound of the API's time then (see `ApiClock`); a second more allows
        // for a `created` written in whole seconds.
        let since = began - 1_000.0;
        let made_here = |token: &JsValue| {
            let field = |key: &str| text(token, key);
            let created = field("created").and_then(|c| crate::core::time::parse_rfc3339(&c));
            let made_since = created.is_some_and(|ms| ms as f64 >= since);
            if field("id").is_none_or(|id| id == old_id) || !made_since || &field("note") != note {
                return false;
            }
            let mut has = member(token, "scopes")
                .and_then(|s| strings_of(&s))
                .unwrap_or_default();
            has.sort_unstable();
            has == wanted
        };
        match self.find_listed(listing, &deadline, &made_here).await {
            Ok((token, _)) => {
                let id = text(&token, "id").unwrap_or_default();
                let with_token = text(&token, "token").is_some();
                (Search::Found { id, with_token }, Some(token))
            }
            Err(Ok(_)) => (Search::NotFound, None),
            Err(Err(_)) => (Search::Failed, None),
        }
    }
}
