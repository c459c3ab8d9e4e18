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

impl Shared {
    /// Routing between `hosts` hosts of `network` and the root namespace, through
    /// `devices` (the hosts', then the root's).
    fn new(devices: Vec<Arc<Iface>>, network: Ipv4Addr, hosts: usize) -> Shared {
        let [a, b, c, _] = network.octets();
        Shared {
            devices,
            network: [a, b, c],
            queue: Mutex::new(BinaryHeap::new()),
            due: Condvar::new(),
            arrivals: AtomicU64::new(0),
            cut: (0..hosts).map(|_| AtomicBool::new(false)).collect(),
            stopped: AtomicBool::new(false),
        }
    }
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
        let shared = Arc::new(Shared::new(devices, network, hosts.len()));
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

#[cfg(test)]
mod tests {
    use super::*;

    const NETWORK: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 0);
    const ROOT: usize = 4;

    fn shared() -> Shared {
        Shared::new(Vec::new(), NETWORK, 4)
    }

    /// An IPv4 header (no payload) to `10.77.0.last`.
    fn to(last: u8) -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 77, 0, 9];
        p.extend([10, 77, 0, last]);
        p
    }

    /// Where a packet goes when not lost (tried until one is not).
    fn routed(shared: &Shared, from: usize, packet: &[u8]) -> (usize, Duration) {
        (0..100)
            .find_map(|_| route(shared, from, packet))
            .expect("a packet that is routed")
    }

    #[test]
    fn a_host_s_packets_wait_40_to_60_ms_and_the_root_s_none() {
        let s = shared();
        for _ in 0..1_000 {
            let (dest, delay) = routed(&s, 0, &to(2));
            assert_eq!(dest, 1);
            assert!(delay >= Duration::from_millis(40) && delay <= Duration::from_millis(60));
            assert_eq!(routed(&s, 3, &to(254)).0, ROOT);
        }
        assert_eq!(route(&s, ROOT, &to(4)), Some((3, Duration::ZERO)));
    }

    #[test]
    fn one_packet_in_two_hundred_a_host_sends_is_lost() {
        let s = shared();
        let sent = 400_000;
        let lost = (0..sent).filter(|_| route(&s, 1, &to(1)).is_none()).count();
        // 2 000 expected; the bounds are 9 standard deviations away.
        assert!((1_600..2_400).contains(&lost), "lost {lost} of {sent}");
        assert!((0..10_000).all(|_| route(&s, ROOT, &to(1)).is_some()));
    }

    #[test]
    fn packets_not_for_the_network_or_its_hosts_are_dropped() {
        let s = shared();
        for last in [0, 5, 200, 255] {
            assert_eq!(route(&s, ROOT, &to(last)), None, "to .{last}");
        }
        let mut elsewhere = to(1);
        elsewhere[17] = 78;
        assert_eq!(route(&s, ROOT, &elsewhere), None);
        let mut ipv6 = to(1);
        ipv6[0] = 0x60;
        assert_eq!(route(&s, ROOT, &ipv6), None);
        assert_eq!(route(&s, ROOT, &to(1)[..19]), None);
    }

    #[test]
    fn a_cut_host_neither_sends_nor_receives_until_healed() {
        let s = shared();
        s.cut[2].store(true, Ordering::SeqCst);
        for _ in 0..1_000 {
            assert_eq!(route(&s, 2, &to(1)), None);
            assert_eq!(route(&s, 2, &to(254)), None);
            assert_eq!(route(&s, 0, &to(3)), None);
            assert_eq!(route(&s, ROOT, &to(3)), None);
        }
        assert_eq!(routed(&s, 0, &to(2)).0, 1);
        s.cut[2].store(false, Ordering::SeqCst);
        assert_eq!(routed(&s, 2, &to(1)).0, 0);
        assert_eq!(route(&s, ROOT, &to(3)), Some((2, Duration::ZERO)));
    }
}
