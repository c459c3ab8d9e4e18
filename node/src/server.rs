//! `zkvm-node run`: a devnet node (the producer, with the data directory's producer
//! key, or a follower of another node) serving the HTTP API and the explorer; and
//! [`start_node`], the same node inside another program (the demo, tests).

use crate::api::budget::ClientBudget;
use crate::api::{router_with, ApiState, Role, Submission};
use crate::client::Remote;
use crate::connections::ConnectionLimits;
use crate::devnet::PRODUCER_KEY_FILE;
use crate::engine::{Engine, EngineConfig, EngineSlot, Submitter};
use crate::error::NodeError;
use crate::follow;
use crate::keys::read_secret;
use crate::producer::{produce_blocks, BlockProducer, MAX_BLOCK_BYTES};
use clap::Args;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// `run`.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// The data directory (created from the remote's genesis with --follow).
    #[arg(long)]
    pub data_dir: PathBuf,
    /// Where the API listens (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080", value_parser = parse_listen)]
    pub listen: SocketAddr,
    /// Milliseconds between blocks of the producer.
    #[arg(long, default_value_t = 1000)]
    pub block_interval_ms: u64,
    /// Follow the node whose API is at this URL instead of producing blocks.
    #[arg(long)]
    pub follow: Option<String>,
    /// The HTTP server's limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// The limits of the HTTP server (`spec/node.md`, "Limits and faults").
#[derive(Debug, Args, Clone, PartialEq)]
pub struct LimitArgs {
    /// The most HTTP connections open at once (lowered to what the open-file limit
    /// allows, keeping 64 files for the rest of the node).
    #[arg(long, default_value_t = ConnectionLimits::default().max_connections)]
    pub max_connections: usize,
    /// The most HTTP connections one client address (an IPv6 /64) may hold.
    #[arg(long, default_value_t = ConnectionLimits::default().per_client)]
    pub connections_per_client: usize,
    /// Requests per second one client address may make, sustained (ten times as
    /// many at once).
    #[arg(long, default_value_t = ClientBudget::default().requests_per_s)]
    pub client_requests_per_s: f64,
    /// Milliseconds of verification per second that one client address's refused
    /// transactions may cost the node, sustained.
    #[arg(long, default_value_t = ClientBudget::default().verify_ms_per_s)]
    pub client_verify_ms_per_s: f64,
}

impl Default for LimitArgs {
    fn default() -> Self {
        let (c, b) = (ConnectionLimits::default(), ClientBudget::default());
        LimitArgs {
            max_connections: c.max_connections,
            connections_per_client: c.per_client,
            client_requests_per_s: b.requests_per_s,
            client_verify_ms_per_s: b.verify_ms_per_s,
        }
    }
}

impl LimitArgs {
    /// The connections' limits.
    pub fn connections(&self) -> ConnectionLimits {
        ConnectionLimits {
            max_connections: self.max_connections,
            per_client: self.connections_per_client,
            ..ConnectionLimits::default()
        }
    }

    /// Each client's budget (bursts of ten seconds of requests; of a quarter second
    /// of verification, or of the sustained rate if higher).
    pub fn budget(&self) -> ClientBudget {
        ClientBudget {
            requests_per_s: self.client_requests_per_s,
            request_burst: 10.0 * self.client_requests_per_s,
            verify_ms_per_s: self.client_verify_ms_per_s,
            verify_burst_ms: ClientBudget::default()
                .verify_burst_ms
                .max(self.client_verify_ms_per_s),
            ..ClientBudget::default()
        }
    }
}

/// Parses a listening address: `IP:PORT`, or `localhost:PORT` for the loopback
/// address.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Some(port) = text.strip_prefix("localhost:") {
        let port: u16 = port
            .parse()
            .map_err(|_| format!("{port:?} is not a port number (0 to 65535)"))?;
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse().map_err(|_| {
        format!("{text:?} is not an address to listen on; give IP:PORT such as 127.0.0.1:8080 or localhost:8080")
    })
}

/// `run`: opens the store, starts the producer or the follower and serves the API
/// until Ctrl-C or SIGTERM. `on_listen` is told the bound address.
pub async fn run(args: RunArgs, on_listen: impl FnOnce(SocketAddr)) -> Result<(), NodeError> {
    run_until(args, on_listen, shutdown_signal()).await
}

/// Like [`run`], until `shutdown` completes (for nodes run inside another program,
/// such as a demo or a test). The producer or follower task stops with the server.
pub async fn run_until(
    args: RunArgs,
    on_listen: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), NodeError> {
    if args.block_interval_ms == 0 {
        return Err(NodeError::Invalid {
            what: "--block-interval-ms",
            reason: "must be at least 1".into(),
        });
    }
    // Bind first: a taken port must not leave a store behind.
    let listener = bind(args.listen).await?;
    let dir = args.data_dir.clone();
    let remote = match &args.follow {
        Some(url) => {
            let remote = Remote::new(url)?;
            follow::bootstrap(&dir, &remote).await?;
            Some(remote)
        }
        None => None,
    };
    let produce = remote.is_none();
    let (engine, producer) = tokio::task::spawn_blocking(move || open(&dir, produce))
        .await
        .map_err(|e| NodeError::Task(e.to_string()))??;
    let addr = listener
        .local_addr()
        .map_err(|e| NodeError::io("listener", e))?;
    let tip = engine.status().tip;
    tracing::info!(%addr, height = tip.height, tip = %tip.id(), "node started");
    let (worker, role) = match (remote, producer) {
        (Some(remote), _) => (
            tokio::spawn(follow::follow(engine.clone(), remote)),
            Role::Follower,
        ),
        (None, Some(producer)) => (
            tokio::spawn(produce_blocks(
                Arc::new(producer),
                Duration::from_millis(args.block_interval_ms),
            )),
            Role::Producer,
        ),
        (None, None) => {
            return Err(NodeError::Task(
                "a producing node without a producer".into(),
            ))
        }
    };
    let slot = EngineSlot::with(engine);
    let state = ApiState {
        submission: Submission::Engine(Submitter::spawn(slot.clone())),
        engine: slot,
        role,
    };
    on_listen(addr);
    let served = serve_api_with(listener, state, &args.limits, shutdown).await;
    worker.abort();
    served
}

/// Opens the engine of `dir` and, for a producing node, its producer.
fn open(
    dir: &std::path::Path,
    produce: bool,
) -> Result<(Arc<Engine>, Option<BlockProducer>), NodeError> {
    let key = if produce {
        Some(
            read_secret(dir, PRODUCER_KEY_FILE)?.ok_or_else(|| NodeError::Invalid {
                what: "data directory",
                reason: format!(
                    "{} has no {PRODUCER_KEY_FILE}; a node without it runs with --follow URL",
                    dir.display()
                ),
            })?,
        )
    } else {
        None
    };
    let engine = Arc::new(Engine::open(dir, EngineConfig::default())?);
    let producer = key
        .map(|key| BlockProducer::new(engine.clone(), key, MAX_BLOCK_BYTES))
        .transpose()?;
    Ok((engine, producer))
}

/// Binds the API's address, saying what to do when it is taken.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, NodeError> {
    TcpListener::bind(addr).await.map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            " (another program listens there: stop it or choose another --listen port)"
        } else {
            ""
        };
        NodeError::io(format!("listen on {addr}{hint}"), e)
    })
}

/// Serves the API and the explorer on `listener` with the default limits until
/// `shutdown` completes.
pub async fn serve_api(
    listener: TcpListener,
    state: ApiState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), NodeError> {
    serve_api_with(listener, state, &LimitArgs::default(), shutdown).await
}

/// Serves the API and the explorer on `listener` under `limits` until `shutdown`
/// completes ([`crate::connections::serve`]).
pub async fn serve_api_with(
    listener: TcpListener,
    state: ApiState,
    limits: &LimitArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), NodeError> {
    let app = router_with(state, limits.budget());
    crate::connections::serve(listener, app, limits.connections(), shutdown).await
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminate = async {
        match term.as_mut() {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}

/// A node running inside this program (see [`start_node`]): its address, its stop
/// switch and its task.
pub struct NodeTask {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), NodeError>>,
}

/// Starts a node inside this program on an ephemeral loopback port (producing, or
/// following `follow`), and returns once it listens.
pub async fn start_node(
    data_dir: PathBuf,
    follow: Option<String>,
    interval_ms: u64,
) -> Result<NodeTask, NodeError> {
    let (stop, stopped) = oneshot::channel::<()>();
    let (tell, told) = oneshot::channel();
    let args = RunArgs {
        data_dir,
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        block_interval_ms: interval_ms,
        follow,
        limits: LimitArgs::default(),
    };
    let task = tokio::spawn(run_until(
        args,
        move |addr| {
            let _ = tell.send(addr);
        },
        async move {
            let _ = stopped.await;
        },
    ));
    match told.await {
        Ok(addr) => Ok(NodeTask { addr, stop, task }),
        Err(_) => Err(task
            .await
            .map_err(|e| NodeError::Task(e.to_string()))?
            .err()
            .unwrap_or_else(|| NodeError::Task("the node stopped before listening".into()))),
    }
}

impl NodeTask {
    /// Stops the node and waits for it to finish.
    pub async fn stop(self) -> Result<(), NodeError> {
        let _ = self.stop.send(());
        self.task
            .await
            .map_err(|e| NodeError::Task(e.to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses_take_ip_port_or_localhost() {
        assert_eq!(
            parse_listen("127.0.0.1:8080").unwrap(),
            SocketAddr::from(([127, 0, 0, 1], 8080))
        );
        assert_eq!(
            parse_listen("localhost:18080").unwrap(),
            SocketAddr::from(([127, 0, 0, 1], 18080))
        );
        assert!(parse_listen("localhost:http").unwrap_err().contains("port"));
        assert!(parse_listen("example.org:80")
            .unwrap_err()
            .contains("IP:PORT"));
    }
}
