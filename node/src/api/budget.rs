//! Per-client budgets of the HTTP API, and refusals logged once per client per
//! interval. A client is its address ([`Client`]: an IPv4 address or an IPv6 /64).
//!
//! Each client has two token buckets:
//! - **requests**: every request takes one token; the bucket holds
//!   [`ClientBudget::request_burst`] and refills at [`ClientBudget::requests_per_s`];
//! - **verification CPU**: a submission the node refuses after verifying it costs its
//!   client the time the engine spent on it ([`crate::engine::Verdict::cost`]); the
//!   bucket holds [`ClientBudget::verify_burst_ms`], refills at
//!   [`ClientBudget::verify_ms_per_s`] and may go below zero by the last refusal's
//!   cost. Admitted transactions cost nothing: they pay fees.
//!
//! An empty bucket is answered 429 with `Retry-After` (whole seconds until it holds
//! enough again), and that answer is held back for up to [`TARPIT`], so that a
//! client ignoring `Retry-After` cannot turn refusals into a flood of its own: with
//! at most [`crate::connections::ConnectionLimits::per_client`] connections, it gets
//! at most that many answers per pause. Submissions are refused before they are
//! verified while the verification bucket is below zero.
//!
//! Refusals (4xx answers) are logged at `info` once per client per
//! [`ClientBudget::log_interval`], counting those held back.

use crate::clock::Quiet;
use crate::connections::Client;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest an over-budget answer is held back.
pub const TARPIT: Duration = Duration::from_secs(1);

/// How many clients are tracked before idle ones are forgotten.
const MAX_CLIENTS: usize = 65_536;

/// What each client may spend.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClientBudget {
    /// Requests per second, sustained.
    pub requests_per_s: f64,
    /// Requests at once, after a pause.
    pub request_burst: f64,
    /// Milliseconds of verification per second spent on refused submissions.
    pub verify_ms_per_s: f64,
    /// Milliseconds of it at once, after a pause.
    pub verify_burst_ms: f64,
    /// How often refusals of one client are logged at most.
    pub log_interval: Duration,
}

impl Default for ClientBudget {
    fn default() -> Self {
        ClientBudget {
            requests_per_s: 100.0,
            request_burst: 1_000.0,
            verify_ms_per_s: 20.0,
            verify_burst_ms: 250.0,
            log_interval: Duration::from_secs(10),
        }
    }
}

/// The budgets of every client seen lately.
#[derive(Clone, Debug)]
pub struct Budgets {
    budget: ClientBudget,
    clients: Arc<Mutex<HashMap<Client, Account>>>,
}

#[derive(Debug)]
struct Account {
    requests: Bucket,
    verify_ms: Bucket,
    refusals: Quiet,
}

/// A token bucket: `level` tokens at `at`, refilling at `rate` per second up to `cap`.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    level: f64,
    cap: f64,
    rate: f64,
    at: Instant,
}

impl Bucket {
    fn full(cap: f64, rate: f64) -> Bucket {
        Bucket {
            level: cap,
            cap,
            rate,
            at: Instant::now(),
        }
    }

    fn refill(&mut self) {
        let now = Instant::now();
        let earned = now.duration_since(self.at).as_secs_f64() * self.rate;
        self.level = (self.level + earned).min(self.cap);
        self.at = now;
    }

    /// Takes `n` tokens if there are; else how long until there are.
    fn take(&mut self, n: f64) -> Result<(), Duration> {
        self.refill();
        if self.level >= n {
            self.level -= n;
            Ok(())
        } else {
            Err(self.wait(n))
        }
    }

    /// Takes `n` tokens, going below zero if needed.
    fn charge(&mut self, n: f64) {
        self.refill();
        self.level -= n;
    }

    /// Whether the level is at least zero; else how long until it is.
    fn solvent(&mut self) -> Result<(), Duration> {
        self.refill();
        if self.level >= 0.0 {
            Ok(())
        } else {
            Err(self.wait(0.0))
        }
    }

    fn wait(&self, n: f64) -> Duration {
        if self.rate <= 0.0 {
            return Duration::from_secs(3600);
        }
        Duration::from_secs_f64(((n - self.level) / self.rate).max(0.0))
    }

    fn is_full(&mut self) -> bool {
        self.refill();
        self.level >= self.cap
    }
}

/// What a handler charges a refused submission to: its client's account.
#[derive(Clone, Debug)]
pub struct Charge {
    budgets: Budgets,
    client: Client,
}

impl Charge {
    /// Charges the verification time of a refused submission.
    pub fn verification(&self, cost: Duration) {
        self.budgets.with(self.client, |a| {
            a.verify_ms.charge(cost.as_secs_f64() * 1e3)
        });
    }
}

impl Budgets {
    /// Budgets of `budget` for every client.
    pub fn new(budget: ClientBudget) -> Budgets {
        Budgets {
            budget,
            clients: Arc::default(),
        }
    }

    fn with<T>(&self, client: Client, f: impl FnOnce(&mut Account) -> T) -> T {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&client) {
            // Forget the clients whose buckets refilled: they are as good as new.
            clients.retain(|_, a| !(a.requests.is_full() && a.verify_ms.is_full()));
        }
        let b = self.budget;
        let account = clients.entry(client).or_insert_with(|| Account {
            requests: Bucket::full(b.request_burst, b.requests_per_s),
            verify_ms: Bucket::full(b.verify_burst_ms, b.verify_ms_per_s),
            refusals: Quiet::new(b.log_interval),
        });
        f(account)
    }

    /// Takes a request token of `client`, and for a submission checks its
    /// verification budget; the refusal if either is spent.
    fn admit(&self, client: Client, submission: bool) -> Result<(), OverBudget> {
        self.with(client, |a| {
            a.requests.take(1.0).map_err(|wait| OverBudget {
                wait,
                verify: false,
            })?;
            if submission {
                a.verify_ms
                    .solvent()
                    .map_err(|wait| OverBudget { wait, verify: true })?;
            }
            Ok(())
        })
    }

    /// The 429 answer of a refusal.
    fn over_budget(&self, OverBudget { wait, verify }: OverBudget) -> Response {
        let b = self.budget;
        let message = if verify {
            format!("transactions from your address that this node refused used up its verification budget ({} ms of CPU per second); try again in {} s, or check your transactions before sending them", b.verify_ms_per_s, retry_secs(wait))
        } else {
            format!("your address sent more requests than this node serves one client ({} per second); try again in {} s", b.requests_per_s, retry_secs(wait))
        };
        let body = serde_json::json!({"error": {"code": "over_budget", "message": message}});
        let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
        if let Ok(value) = HeaderValue::from_str(&retry_secs(wait).to_string()) {
            response.headers_mut().insert("retry-after", value);
        }
        response
    }

    /// Counts a refusal of `client`, logging once per interval.
    fn refused(&self, client: Client, method: &Method, path: &str, status: u16) {
        if let Some(held) = self.with(client, |a| a.refusals.due()) {
            tracing::info!(
                %client, %method, %path, status, earlier_unlogged = held,
                "request refused (refusals of one client are logged once per interval)"
            );
        }
    }
}

/// Which bucket is spent, and how long until it holds enough.
#[derive(Clone, Copy, Debug)]
struct OverBudget {
    wait: Duration,
    verify: bool,
}

fn retry_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

/// The middleware: budgets, the charge handle for the handlers, refusal logging.
/// Requests without a peer address (none come over the network) are not budgeted.
pub async fn enforce(State(budgets): State<Budgets>, mut request: Request, next: Next) -> Response {
    let Some(ConnectInfo(peer)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    else {
        return next.run(request).await;
    };
    let client = Client::of(peer);
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let submission = method == Method::POST && path == "/v1/txs";
    if let Err(over) = budgets.admit(client, submission) {
        let refusal = budgets.over_budget(over);
        budgets.refused(client, &method, &path, refusal.status().as_u16());
        tokio::time::sleep(over.wait.min(TARPIT)).await;
        return refusal;
    }
    request.extensions_mut().insert(Charge {
        budgets: budgets.clone(),
        client,
    });
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status();
    if status.is_client_error() {
        budgets.refused(client, &method, &path, status.as_u16());
    } else {
        let ms = started.elapsed().as_secs_f64() * 1e3;
        tracing::debug!(%client, %method, %path, status = status.as_u16(), ms, "request");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client::of(SocketAddr::from(([127, 0, 0, 1], 9)))
    }

    #[test]
    fn requests_past_the_burst_are_refused_with_retry_after() {
        let budgets = Budgets::new(ClientBudget {
            requests_per_s: 1.0,
            request_burst: 3.0,
            ..ClientBudget::default()
        });
        for _ in 0..3 {
            assert!(budgets.admit(client(), false).is_ok());
        }
        let refusal = budgets.over_budget(budgets.admit(client(), false).unwrap_err());
        assert_eq!(refusal.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refusal.headers()["retry-after"], "1");
        let other = Client::of(SocketAddr::from(([127, 0, 0, 2], 9)));
        assert!(
            budgets.admit(other, false).is_ok(),
            "budgets are per client"
        );
    }

    #[test]
    fn refused_verification_is_charged_and_submissions_wait_until_it_is_repaid() {
        let budgets = Budgets::new(ClientBudget {
            verify_ms_per_s: 100.0,
            verify_burst_ms: 10.0,
            ..ClientBudget::default()
        });
        let charge = Charge {
            budgets: budgets.clone(),
            client: client(),
        };
        assert!(budgets.admit(client(), true).is_ok());
        charge.verification(Duration::from_millis(210));
        let refusal = budgets.over_budget(budgets.admit(client(), true).unwrap_err());
        assert_eq!(refusal.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            refusal.headers()["retry-after"],
            "2",
            "200 ms owed at 100 ms/s"
        );
        assert!(
            budgets.admit(client(), false).is_ok(),
            "reads are not verification"
        );
    }
}
