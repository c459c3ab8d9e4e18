//! Hosts of a simulated network for the tests: Linux network namespaces, one per
//! host, each with `lo` up and one interface at `10.X.0.{1..n}/24`, joined to the
//! root namespace (the test) at `10.X.0.254`. Every packet a host sends waits 50 ms
//! ± 10 ms (uniform) and 0.5 % of them are lost; packets from the root namespace
//! (the test's requests) are neither delayed nor lost.
//!
//! Two ways of joining them, chosen by what the kernel has:
//! - **kernel netem**: a bridge in the root namespace, a veth pair per host, `tc
//!   qdisc … netem delay 50ms 10ms loss 0.5%` on the host's end;
//! - **userspace netem** (kernels built without `sch_netem`, such as the CI
//!   machine's): a TUN device per host, moved into its namespace, and one in the
//!   root namespace, all read by [`router::Router`], which forwards each packet by its
//!   IPv4 destination after the same delay and loss.
//!
//! `ZKVM_NETEM=kernel` demands the kernel's netem: without it the test fails.
//!
//! Names carry the test's process ID (namespaces `zks<pid>-<i>`, interfaces `zk?<pid>…`): [`Hosts::create`]
//! first removes what a crashed run left behind (names whose process is gone), and
//! dropping the [`Hosts`] removes everything it made, on a panic too.

mod router;

use std::net::Ipv4Addr;
use std::process::Command;

/// Every name this module gives starts with this.
const PREFIX: &str = "zk";
/// Set to `kernel`, the hosts must use the kernel's netem (the test fails without it).
const NEED_KERNEL: &str = "ZKVM_NETEM";
/// What `tc` adds on a host's interface.
const NETEM: &[&str] = &["netem", "delay", "50ms", "10ms", "loss", "0.5%"];

/// What joins the hosts.
enum Links {
    /// A bridge and veth pairs with the kernel's netem.
    Kernel { bridge: String },
    /// TUN devices and the userspace router.
    Emulated(router::Router),
}

/// The namespaces of a test and what joins them; removed when dropped.
pub struct Hosts {
    pid: u32,
    subnet: u8,
    count: usize,
    links: Option<Links>,
}

impl Hosts {
    /// Makes `count` hosts (at most 200). Panics with what to do when this is not
    /// root, `ip` is missing or the kernel refuses namespaces.
    pub fn create(count: usize) -> Hosts {
        check_root();
        remove_leftovers();
        let pid = std::process::id();
        let mut hosts = Hosts {
            pid,
            subnet: 64 + (pid % 128) as u8,
            count,
            links: None,
        };
        for i in 0..count {
            let ns = hosts.namespace(i);
            ip(&["netns", "add", &ns]).unwrap_or_else(|e| {
                panic!(
                    "the kernel refused a network namespace ({e}); this test needs CONFIG_NET_NS and root (CAP_SYS_ADMIN): run it as root on the host or in a privileged container (docker run --privileged)"
                )
            });
            must(&["-n", &ns, "link", "set", "lo", "up"]);
        }
        let kernel = kernel_has_netem(pid);
        assert!(
            kernel || std::env::var(NEED_KERNEL).as_deref() != Ok("kernel"),
            "{NEED_KERNEL}=kernel, but the kernel has no netem qdisc: load it (modprobe sch_netem; on Debian it is in the kernel's linux-modules package), use a kernel built with CONFIG_NET_SCH_NETEM, or unset {NEED_KERNEL} to delay packets in userspace"
        );
        hosts.links = Some(if kernel {
            hosts.bridge()
        } else {
            hosts.tunnels()
        });
        hosts
    }

    /// How packets are delayed and lost, for messages.
    pub fn shaping(&self) -> &'static str {
        match self.links {
            Some(Links::Kernel { .. }) => {
                "kernel netem (tc qdisc netem delay 50ms 10ms loss 0.5%) on veth pairs joined by a bridge"
            }
            _ => {
                "userspace netem (the kernel has no sch_netem): TUN devices and a router in the test delaying each packet a host sends by 50 ms ± 10 ms, losing 0.5 %"
            }
        }
    }

    /// The namespace of host `i`.
    pub fn namespace(&self, i: usize) -> String {
        format!("{PREFIX}s{}-{i}", self.pid)
    }

    /// The address of host `i`.
    pub fn address(&self, i: usize) -> Ipv4Addr {
        Ipv4Addr::new(10, self.subnet, 0, i as u8 + 1)
    }

    /// The root namespace's address on the hosts' network.
    pub fn gateway(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, self.subnet, 0, 254)
    }

    /// The command prefix that runs a program on host `i`.
    pub fn wrap(&self, i: usize) -> Vec<String> {
        ["ip", "netns", "exec"]
            .into_iter()
            .map(String::from)
            .chain([self.namespace(i)])
            .collect()
    }

    /// Cuts host `i` off: nothing reaches it or leaves it (the test's requests
    /// neither).
    pub fn cut(&self, i: usize) {
        match &self.links {
            Some(Links::Kernel { .. }) => must(&["link", "set", &self.veth(i), "down"]),
            Some(Links::Emulated(router)) => router.cut(i, true),
            None => {}
        }
    }

    /// Joins host `i` again.
    pub fn heal(&self, i: usize) {
        match &self.links {
            Some(Links::Kernel { .. }) => must(&["link", "set", &self.veth(i), "up"]),
            Some(Links::Emulated(router)) => router.cut(i, false),
            None => {}
        }
    }

    /// The root-side end of host `i`'s veth pair.
    fn veth(&self, i: usize) -> String {
        format!("{PREFIX}v{}-{i}", self.pid)
    }

    /// The bridge, the veth pairs and netem.
    fn bridge(&self) -> Links {
        let bridge = format!("{PREFIX}b{}", self.pid);
        must(&["link", "add", &bridge, "type", "bridge"]);
        self.gateway_on(&bridge);
        for i in 0..self.count {
            let (ns, outer, inner) = (
                self.namespace(i),
                self.veth(i),
                format!("{PREFIX}i{}-{i}", self.pid),
            );
            must(&[
                "link", "add", &outer, "type", "veth", "peer", "name", &inner,
            ]);
            must(&["link", "set", &inner, "netns", &ns]);
            must(&["link", "set", &outer, "master", &bridge, "up"]);
            self.address_in(i, &inner);
            tc(&ns, &inner).unwrap_or_else(|e| panic!("{e}"));
        }
        Links::Kernel { bridge }
    }

    /// The TUN devices and the router.
    fn tunnels(&self) -> Links {
        let tun = |i: &str| format!("{PREFIX}t{}-{i}", self.pid);
        let root = tun("r");
        let names: Vec<String> = (0..self.count).map(|i| tun(&i.to_string())).collect();
        let router = router::Router::start(&names, &root, self.address(0)).unwrap_or_else(|e| {
            panic!("could not create TUN devices ({e}); this test needs /dev/net/tun (CONFIG_TUN) and root")
        });
        for (i, name) in names.iter().enumerate() {
            must(&["link", "set", name, "netns", &self.namespace(i)]);
            self.address_in(i, name);
        }
        self.gateway_on(&root);
        Links::Emulated(router)
    }

    /// Gives the root namespace's device `dev` the gateway address and brings it up.
    fn gateway_on(&self, dev: &str) {
        must(&["addr", "add", &format!("{}/24", self.gateway()), "dev", dev]);
        must(&["link", "set", dev, "up"]);
    }

    /// Gives host `i`'s interface `name` its address and brings it up.
    fn address_in(&self, i: usize, name: &str) {
        let ns = self.namespace(i);
        let address = format!("{}/24", self.address(i));
        for args in [
            &["-n", &ns, "addr", "add", &address, "dev", name][..],
            &["-n", &ns, "link", "set", name, "up"],
        ] {
            must(args);
        }
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        // Removing a namespace removes the interfaces in it.
        for i in 0..self.count {
            let _ = ip(&["netns", "del", &self.namespace(i)]);
        }
        match self.links.take() {
            Some(Links::Kernel { bridge }) => {
                // A namespace lives on while a process in it does; its veth with it.
                for i in 0..self.count {
                    let _ = ip(&["link", "del", &self.veth(i)]);
                }
                let _ = ip(&["link", "del", &bridge]);
            }
            Some(Links::Emulated(router)) => router.stop(),
            None => {}
        }
    }
}

/// Panics unless the test runs as root.
fn check_root() {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let uid = uid.unwrap_or_else(|e| format!("unknown ({e})"));
    assert!(
        uid == "0",
        "this test creates network namespaces and needs root, but runs as user {uid}: run it as root (./test.sh in CI runs as root) or with sudo -E cargo test"
    );
}

/// `ip ARGS`; an error with what it said when it failed.
fn ip(args: &[&str]) -> Result<String, String> {
    run("ip", args)
}

/// Adds netem to `dev` in namespace `ns`.
fn tc(ns: &str, dev: &str) -> Result<String, String> {
    let mut args = vec!["-n", ns, "qdisc", "add", "dev", dev, "root"];
    args.extend(NETEM);
    run("tc", &args)
}

/// `ip ARGS`, panicking with what it said when it failed.
fn must(args: &[&str]) {
    ip(args).unwrap_or_else(|e| panic!("{e}"));
}

fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program).args(args).output().map_err(|e| {
        format!("{program} could not run ({e}): install iproute2 (apt-get install iproute2); ./test.sh installs it")
    })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{program} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Whether `tc` can add netem: tried on a throwaway veth pair.
fn kernel_has_netem(pid: u32) -> bool {
    let probe = format!("{PREFIX}p{pid}");
    let peer = format!("{PREFIX}q{pid}");
    if ip(&["link", "add", &probe, "type", "veth", "peer", "name", &peer]).is_err() {
        return false;
    }
    let has = run(
        "tc",
        &[
            "qdisc", "add", "dev", &probe, "root", "netem", "delay", "1ms",
        ],
    )
    .is_ok();
    let _ = ip(&["link", "del", &probe]);
    has
}

/// Removes the namespaces and interfaces of runs whose process is gone.
fn remove_leftovers() {
    let dead = |name: &str| {
        let digits: String = name
            .get(3..)
            .unwrap_or("")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        !digits.is_empty() && !std::path::Path::new(&format!("/proc/{digits}")).exists()
    };
    let namespaces = ip(&["netns", "list"]).unwrap_or_default();
    for ns in namespaces
        .lines()
        .filter_map(|l| l.split_whitespace().next())
    {
        if ns.starts_with(PREFIX) && dead(ns) {
            let _ = ip(&["netns", "del", ns]);
        }
    }
    let links = ip(&["-o", "link", "show"]).unwrap_or_default();
    for link in links.lines().filter_map(|l| l.split(": ").nth(1)) {
        let link = link.split('@').next().unwrap_or(link);
        if link.starts_with(PREFIX) && dead(link) {
            let _ = ip(&["link", "del", link]);
        }
    }
}
