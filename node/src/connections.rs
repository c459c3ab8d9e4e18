//! The HTTP server's connections: its own accept loop on hyper, with timeouts, a
//! connection cap, a cap per client address, and a clear refusal past them. See
//! `spec/node.md`, "Limits and faults".
//!
//! - **Header-read timeout** ([`ConnectionLimits::header_read`]): a connection must
//!   deliver a whole request head within this time of being accepted or of its last
//!   answer; hyper closes it otherwise. This is also the **keep-alive timeout**: a
//!   kept-alive connection idle for that long is closed.
//! - **Idle timeout** ([`ConnectionLimits::idle`]): a connection on which no byte
//!   moves either way for this long (a body sent slowly, an answer not read) is
//!   closed.
//! - **Request timeout** ([`ConnectionLimits::request`]): a request whose answer is
//!   not ready within this time (its body included) is answered 408.
//! - **Connection cap** ([`ConnectionLimits::max_connections`], lowered to what the
//!   open-file limit allows): at the cap, a new connection displaces the connection
//!   that has waited longest for a request head (slow or idle); if every connection
//!   is busy with a request, the newcomer is answered 503 and closed.
//! - **Cap per client** ([`ConnectionLimits::per_client`]): a client address (an IPv6
//!   /64) holding that many is answered 429 and closed.
//!
//! Each connection takes one file descriptor. At start the process raises its soft
//! `RLIMIT_NOFILE` to the hard limit ([`raise_fd_limit`]) and keeps
//! [`RESERVED_FDS`] for the store, logs and clients.

use crate::clock::Quiet;
use crate::error::NodeError;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

/// File descriptors kept for everything but connections.
pub const RESERVED_FDS: u64 = 64;

/// How long a stopping server waits for its connections to finish their requests.
const DRAIN: Duration = Duration::from_secs(5);

/// How long a refused connection is kept to discard what its client sends.
const LINGER: Duration = Duration::from_millis(250);

/// How long the accept loop pauses after an accept error (out of file descriptors).
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// The limits of the HTTP server's connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// The most connections open at once.
    pub max_connections: usize,
    /// The most connections open at once from one client address.
    pub per_client: usize,
    /// Time to deliver a request head, from acceptance or from the last answer.
    pub header_read: Duration,
    /// Time without a byte moving either way before a connection is closed.
    pub idle: Duration,
    /// Time for a request (its body included) to be answered.
    pub request: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 4096,
            per_client: 64,
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
            request: Duration::from_secs(30),
        }
    }
}

/// Who a connection comes from, for the caps and budgets: its IP address, or the /64
/// prefix of an IPv6 address (one subscriber's usual share).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Client(IpAddr);

impl Client {
    /// The client of a peer address.
    pub fn of(peer: SocketAddr) -> Client {
        match peer.ip() {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Client(IpAddr::V4(v4)),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    Client(IpAddr::V6(prefix.into()))
                }
            },
            v4 => Client(v4),
        }
    }
}

impl core::fmt::Display for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            IpAddr::V6(prefix) => write!(f, "{prefix}/64"),
            v4 => write!(f, "{v4}"),
        }
    }
}

/// Raises the soft limit of open files to the hard limit where the process may,
/// and returns the soft limit in force.
pub fn raise_fd_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(soft) => soft,
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open-file limit");
            rlimit::Resource::NOFILE
                .get()
                .map_or(1024, |(soft, _)| soft)
        }
    }
}

/// Serves `router` on `listener` under `limits` until `shutdown` completes, then
/// lets the open requests finish (for at most a few seconds).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), NodeError> {
    let limits = fit_to_fd_limit(limits, raise_fd_limit());
    let registry = Arc::new(Registry::new(limits));
    let (stop, stopping) = watch::channel(false);
    let mut accept_errors = Quiet::new(Duration::from_secs(10));
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    if let Some(more) = accept_errors.due() {
                        tracing::error!(error = %e, more, "cannot accept connections (raise the open-file limit or lower --max-connections)");
                    }
                    tokio::time::sleep(ACCEPT_PAUSE).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let client = Client::of(peer);
        match registry.enter(client) {
            Ok(ticket) => {
                tokio::spawn(connection(
                    stream,
                    peer,
                    router.clone(),
                    ticket,
                    stopping.clone(),
                ));
            }
            Err(refusal) => {
                tokio::spawn(refuse(stream, refusal));
            }
        }
    }
    let _ = stop.send(true);
    let deadline = Instant::now() + DRAIN;
    while registry.open() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Lowers the connection cap to what the open-file limit `fds` leaves.
fn fit_to_fd_limit(mut limits: ConnectionLimits, fds: u64) -> ConnectionLimits {
    let room = usize::try_from(fds.saturating_sub(RESERVED_FDS)).unwrap_or(usize::MAX);
    if limits.max_connections > room {
        tracing::warn!(
            asked = limits.max_connections,
            allowed = room,
            open_file_limit = fds,
            "the connection cap is lowered to what the open-file limit allows"
        );
        limits.max_connections = room.max(1);
    }
    limits
}

/// Serves one connection until it closes, is displaced, times out, or the server
/// stops.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    ticket: Ticket,
    mut stopping: watch::Receiver<bool>,
) {
    let limits = ticket.registry.limits;
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(IdleTimeout::new(stream, limits.idle));
    let busy = ticket.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        let busy = busy.clone();
        async move {
            busy.set_busy(true);
            let answer = tokio::time::timeout(limits.request, router.oneshot(request)).await;
            busy.set_busy(false);
            Ok::<_, std::convert::Infallible>(match answer {
                Ok(Ok(response)) => response,
                Ok(Err(never)) => match never {},
                Err(_) => request_timeout(limits.request),
            })
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let evicted = ticket.evicted();
    tokio::select! {
        _ = conn.as_mut() => return,
        () = evicted.notified() => return,
        _ = stopping.wait_for(|stop| *stop) => conn.as_mut().graceful_shutdown(),
    }
    let _ = tokio::time::timeout(DRAIN, conn).await;
}

fn request_timeout(limit: Duration) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = serde_json::json!({"error": {
        "code": "request_timeout",
        "message": format!("the request was not answered within {} s (its body arrived too slowly, or the node is overloaded); try again", limit.as_secs()),
    }});
    (axum::http::StatusCode::REQUEST_TIMEOUT, axum::Json(body)).into_response()
}

/// Why a connection is refused.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    /// Its client holds the most connections one client may.
    ClientCap(usize),
    /// The node holds its most connections and every one is busy.
    Full(usize),
}

/// Answers a refused connection in one write, as plain HTTP with the API's JSON
/// error, and closes it after a short linger that discards what the client sends,
/// so its request does not turn the close into a reset that loses the answer. Best
/// effort: a socket that cannot take the bytes at once is just closed.
async fn refuse(mut stream: TcpStream, refusal: Refusal) {
    let (status, message) = match refusal {
        Refusal::ClientCap(n) => (
            "429 Too Many Requests",
            format!("your address holds {n} connections to this node, the most one client may; close some or reuse them, then try again"),
        ),
        Refusal::Full(n) => (
            "503 Service Unavailable",
            format!("this node serves its maximum of {n} connections, all busy; try again in a moment"),
        ),
    };
    let body = serde_json::json!({"error": {"code": "too_many_connections", "message": message}})
        .to_string();
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.try_write(answer.as_bytes()).is_err() {
        return;
    }
    let _ = tokio::io::AsyncWriteExt::shutdown(&mut stream).await;
    let mut sink = [0u8; 1024];
    let linger = async {
        while let Ok(n) = tokio::io::AsyncReadExt::read(&mut stream, &mut sink).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, linger).await;
}

/// The open connections: who holds them and which wait for a request head.
struct Registry {
    limits: ConnectionLimits,
    inner: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    next: u64,
    conns: HashMap<u64, Entry>,
    per_client: HashMap<Client, usize>,
}

struct Entry {
    client: Client,
    /// Since when it waits for a request head; `None` while a request is served.
    waiting_since: Option<Instant>,
    evict: Arc<Notify>,
}

impl Registry {
    fn new(limits: ConnectionLimits) -> Registry {
        Registry {
            limits,
            inner: Mutex::new(Open::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn open(&self) -> usize {
        self.lock().conns.len()
    }

    /// Takes a place for a connection of `client`, displacing the connection that
    /// has waited longest for a request head when the node is full.
    fn enter(self: &Arc<Self>, client: Client) -> Result<Ticket, Refusal> {
        let mut open = self.lock();
        if open.per_client.get(&client).copied().unwrap_or(0) >= self.limits.per_client {
            return Err(Refusal::ClientCap(self.limits.per_client));
        }
        if open.conns.len() >= self.limits.max_connections {
            let oldest = open
                .conns
                .iter()
                .filter_map(|(id, e)| e.waiting_since.map(|t| (t, *id)))
                .min()
                .map(|(_, id)| id);
            match oldest {
                Some(id) => {
                    if let Some(entry) = open.remove(id) {
                        entry.evict.notify_one();
                    }
                }
                None => return Err(Refusal::Full(self.limits.max_connections)),
            }
        }
        let id = open.next;
        open.next += 1;
        let evict = Arc::new(Notify::new());
        open.conns.insert(
            id,
            Entry {
                client,
                waiting_since: Some(Instant::now()),
                evict: evict.clone(),
            },
        );
        *open.per_client.entry(client).or_default() += 1;
        Ok(Ticket {
            inner: Arc::new(TicketInner {
                id,
                evict,
                registry: self.clone(),
            }),
        })
    }
}

impl Open {
    fn remove(&mut self, id: u64) -> Option<Entry> {
        let entry = self.conns.remove(&id)?;
        if let Some(n) = self.per_client.get_mut(&entry.client) {
            *n -= 1;
            if *n == 0 {
                self.per_client.remove(&entry.client);
            }
        }
        Some(entry)
    }
}

/// A connection's place in the registry; it leaves when the last clone drops.
#[derive(Clone)]
struct Ticket {
    inner: Arc<TicketInner>,
}

struct TicketInner {
    id: u64,
    evict: Arc<Notify>,
    registry: Arc<Registry>,
}

impl Drop for TicketInner {
    fn drop(&mut self) {
        self.registry.lock().remove(self.id);
    }
}

impl core::ops::Deref for Ticket {
    type Target = TicketInner;
    fn deref(&self) -> &TicketInner {
        &self.inner
    }
}

impl Ticket {
    /// Marks the connection as serving a request, or waiting for the next head.
    fn set_busy(&self, busy: bool) {
        if let Some(entry) = self.registry.lock().conns.get_mut(&self.id) {
            entry.waiting_since = if busy { None } else { Some(Instant::now()) };
        }
    }

    /// Notified when the connection is displaced.
    fn evicted(&self) -> Arc<Notify> {
        self.evict.clone()
    }
}

/// A stream that fails with `TimedOut` once no byte has moved either way for its
/// idle time while it is read or written.
struct IdleTimeout {
    stream: TcpStream,
    idle: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl IdleTimeout {
    fn new(stream: TcpStream, idle: Duration) -> IdleTimeout {
        IdleTimeout {
            stream,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }

    /// What a pending operation answers: pending, or the timeout once it passed.
    fn pending<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no byte moved on the connection for its idle time",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn moved(&mut self) {
        let next = tokio::time::Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }
}

impl AsyncRead for IdleTimeout {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.moved();
                Poll::Ready(result)
            }
            Poll::Pending => this.pending(cx),
        }
    }
}

impl AsyncWrite for IdleTimeout {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write(cx, buf) {
            Poll::Ready(result) => {
                this.moved();
                Poll::Ready(result)
            }
            Poll::Pending => this.pending(cx),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(max: usize, per_client: usize) -> Arc<Registry> {
        Arc::new(Registry::new(ConnectionLimits {
            max_connections: max,
            per_client,
            ..ConnectionLimits::default()
        }))
    }

    fn client(last: u8) -> Client {
        Client::of(SocketAddr::from(([127, 0, 0, last], 1)))
    }

    #[test]
    fn a_client_past_its_cap_is_refused_and_may_return_when_one_closes() {
        let r = registry(10, 2);
        let a = r.enter(client(1)).unwrap();
        let _b = r.enter(client(1)).unwrap();
        assert_eq!(r.enter(client(1)).err(), Some(Refusal::ClientCap(2)));
        assert!(r.enter(client(2)).is_ok(), "another client is not affected");
        drop(a);
        assert!(r.enter(client(1)).is_ok());
    }

    #[test]
    fn at_the_cap_the_longest_waiting_connection_gives_way_and_busy_ones_never() {
        let r = registry(2, 10);
        let first = r.enter(client(1)).unwrap();
        let second = r.enter(client(2)).unwrap();
        second.set_busy(true);
        let notified = first.evicted();
        let third = r.enter(client(3)).unwrap();
        assert_eq!(r.open(), 2);
        // The permit stored by the displacement completes at once.
        let waited = futures_now(notified.notified());
        assert!(waited, "the waiting connection was told to close");
        third.set_busy(true);
        assert_eq!(r.enter(client(4)).err(), Some(Refusal::Full(2)));
        drop(first);
        assert_eq!(
            r.open(),
            2,
            "a displaced connection's ticket no longer counts"
        );
    }

    /// Whether a future completes at its first poll.
    fn futures_now(f: impl Future<Output = ()>) -> bool {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        f.as_mut().poll(&mut cx).is_ready()
    }

    #[test]
    fn ipv6_clients_are_their_64_prefix_and_mapped_ipv4_is_ipv4() {
        let a: SocketAddr = "[2001:db8:1:2:aaaa::1]:5".parse().unwrap();
        let b: SocketAddr = "[2001:db8:1:2:bbbb::9]:6".parse().unwrap();
        let c: SocketAddr = "[2001:db8:1:3::1]:6".parse().unwrap();
        assert_eq!(Client::of(a), Client::of(b));
        assert_ne!(Client::of(a), Client::of(c));
        assert_eq!(Client::of(a).to_string(), "2001:db8:1:2::/64");
        let mapped: SocketAddr = "[::ffff:10.0.0.1]:5".parse().unwrap();
        assert_eq!(Client::of(mapped).to_string(), "10.0.0.1");
    }

    #[test]
    fn the_cap_follows_the_open_file_limit() {
        let limits = ConnectionLimits::default();
        assert_eq!(fit_to_fd_limit(limits, 1024).max_connections, 960);
        assert_eq!(fit_to_fd_limit(limits, 1 << 20), limits);
    }
}
