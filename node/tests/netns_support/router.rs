//! The userspace netem: one TUN device per host and one for the root namespace, a
//! thread reading each, and a thread writing each packet to the device of its IPv4
//! destination once it is due. A packet a host sends is due 40 to 60 ms later
//! (uniform, as `netem delay 50ms 10ms` draws it) and lost with probability 0.5 %;
//! one from the root namespace is due at once. Packets of a cut host are dropped.

use rand::Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tun_tap::{Iface, Mode};

/// The delay of a host's packet, in µs: from, to.
const DELAY_US: (u64, u64) = (40_000, 60_000);
/// Packets lost per million a host sends.
const LOSS_PER_MILLION: u32 = 5_000;
/// The last byte of the root namespace's address.
const ROOT_HOST: u8 = 254;

/// A packet waiting: when it is due, its arrival number (keeping the order of
/// packets due at the same instant), the device it goes to, its bytes.
type Waiting = Reverse<(Instant, u64, usize, Vec<u8>)>;

struct Shared {
    devices: Vec<Arc<Iface>>,
    network: [u8; 3],
    queue: Mutex<BinaryHeap<Waiting>>,
    due: Condvar,
    arrivals: AtomicU64,
    cut: Vec<AtomicBool>,
    stopped: AtomicBool,
}

/// The running router; [`Router::stop`] ends it.
pub struct Router {
    shared: Arc<Shared>,
    root: String,
}

impl Router {
    /// Creates TUN devices named `hosts` (host `i` is `network` with last byte `i +
    /// 1`) and `root` (last byte 254), and starts routing between them. The caller
    /// moves each host's device into its namespace and gives the addresses.
    pub fn start(hosts: &[String], root: &str, network: Ipv4Addr) -> std::io::Result<Router> {
        let mut devices = Vec::new();
        for name in hosts.iter().map(String::as_str).chain([root]) {
            let device = Iface::without_packet_info(name, Mode::Tun)?;
            if device.name() != name {
                return Err(std::io::Error::other(format!(
                    "asked for TUN device {name}, the kernel named it {}",
                    device.name()
                )));
            }
            devices.push(Arc::new(device));
        }
        let [a, b, c, _] = network.octets();
        let shared = Arc::new(Shared {
            devices,
            network: [a, b, c],
            queue: Mutex::new(BinaryHeap::new()),
            due: Condvar::new(),
            arrivals: AtomicU64::new(0),
            cut: hosts.iter().map(|_| AtomicBool::new(false)).collect(),
            stopped: AtomicBool::new(false),
        });
        for from in 0..shared.devices.len() {
            let shared = shared.clone();
            std::thread::spawn(move || read(&shared, from));
        }
        let writer = shared.clone();
        std::thread::spawn(move || write(&writer));
        Ok(Router {
            shared,
            root: root.to_string(),
        })
    }

    /// Cuts host `i` off (`true`) or joins it again.
    pub fn cut(&self, i: usize, cut: bool) {
        self.shared.cut[i].store(cut, Ordering::SeqCst);
    }

    /// Stops routing and removes the root namespace's device (the hosts' go with
    /// their namespaces); a reader blocked on a removed device wakes with an error.
    pub fn stop(self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.shared.due.notify_all();
        let _ = std::process::Command::new("ip")
            .args(["link", "del", &self.root])
            .output();
    }
}

/// Reads device `from` until the router stops or the device goes away.
fn read(shared: &Shared, from: usize) {
    let mut buf = vec![0u8; 65_536];
    while let Ok(n) = shared.devices[from].recv(&mut buf) {
        if n == 0 || shared.stopped.load(Ordering::SeqCst) {
            return;
        }
        if let Some((to, delay)) = route(shared, from, &buf[..n]) {
            let arrival = shared.arrivals.fetch_add(1, Ordering::SeqCst);
            let mut queue = shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.push(Reverse((
                Instant::now() + delay,
                arrival,
                to,
                buf[..n].to_vec(),
            )));
            shared.due.notify_one();
        }
    }
}

/// Where an IPv4 packet read from device `from` goes and after how long; `None` to
/// drop it (not IPv4, not for the network, a cut host, or lost).
fn route(shared: &Shared, from: usize, packet: &[u8]) -> Option<(usize, Duration)> {
    if packet.len() < 20 || packet[0] >> 4 != 4 || packet[16..19] != shared.network {
        return None;
    }
    let hosts = shared.cut.len();
    let to = match packet[19] {
        ROOT_HOST => hosts,
        last if (1..=hosts).contains(&(last as usize)) => last as usize - 1,
        _ => return None,
    };
    let is_cut = |i: usize| i < hosts && shared.cut[i].load(Ordering::SeqCst);
    if is_cut(from) || is_cut(to) {
        return None;
    }
    if from == hosts {
        return Some((to, Duration::ZERO));
    }
    let mut rng = rand::thread_rng();
    if rng.gen_range(0..1_000_000) < LOSS_PER_MILLION {
        return None;
    }
    Some((
        to,
        Duration::from_micros(rng.gen_range(DELAY_US.0..=DELAY_US.1)),
    ))
}

/// Writes each packet to its device when it is due, until the router stops.
fn write(shared: &Shared) {
    while let Some((to, packet)) = next_due(shared) {
        // A full or removed device drops the packet, as a congested link would.
        let _ = shared.devices[to].send(&packet);
    }
}

/// Waits for the next packet to be due; `None` once the router stops.
fn next_due(shared: &Shared) -> Option<(usize, Vec<u8>)> {
    let mut queue = shared.queue.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if shared.stopped.load(Ordering::SeqCst) {
            return None;
        }
        let wait = match queue.peek() {
            Some(Reverse((due, ..))) => due.saturating_duration_since(Instant::now()),
            None => Duration::from_secs(1),
        };
        if wait.is_zero() {
            let Reverse((_, _, to, packet)) = queue.pop()?;
            return Some((to, packet));
        }
        queue = shared
            .due
            .wait_timeout(queue, wait)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}
