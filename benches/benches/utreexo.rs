//! Benchmarks: the Utreexo forest under a block-like workload, side by side with the
//! `rustreexo` crate.
//!
//! Workload, at 10^4, 10^6 and 10^7 items: a forest is built once per scale; then
//! every generation deletes `DELETIONS` random live items with their proofs, inserts
//! as many new items, and normalizes. The items deleted are drawn from a pool of
//! tracked items whose proofs are moved along after each generation (unchecked
//! relocation, as a wallet holding verified proofs may do). The pool starts as a
//! uniform sample of `DELETIONS × POOL_GENERATIONS` items (all items when the set is
//! smaller, and then new items join it), so deletions stay uniform over the items of
//! the initial set for as many generations as a run takes. Leaf hashes are computed
//! beforehand on both sides: what is timed is the accumulator's own work.
//!
//! - `utreexo/delete/N`, `utreexo/insert/N`, `utreexo/normalize/N`: one phase of a
//!   generation (throughput in items; normalize counts the generation's changes);
//! - `utreexo/generation/N`: all three;
//! - `rustreexo/generation/N`: `Stump::modify` with the same deletions (one batch
//!   proof from a `MemForest`, built outside the timing) and insertions. Its node
//!   hash is ours (a Merlin transcript under `ZkVM.utreexo`), so hash counts and
//!   times compare like for like;
//! - `utreexo/catchup/N`: catching up one proof across the latest normalization;
//! - `utreexo/hash/node`, `utreexo/hash/leaf`: one hash, to split update time into
//!   hashing and bookkeeping.
//!
//! Each generation measures every phase, whichever benchmark runs it; a table of the
//! averages over all generations (hash counts, hashing share, memory, proof sizes) is
//! printed at the end. `UTREEXO_BENCH_SCALES` (e.g. `1e4,1e6`) picks the scales.

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::cell::Cell;
use std::time::{Duration, Instant};
use utreexo::{Catchup, Forest, Hash, Hasher, MerkleItem, Proof};

const DELETIONS: usize = 4_000;
const INSERTIONS: usize = 4_000;
const POOL_GENERATIONS: usize = 64;
const SCALES: [(u64, &str); 3] = [(10_000, "1e4"), (1_000_000, "1e6"), (10_000_000, "1e7")];

/// A contract ID, committed as UTXO leaves are.
struct ContractId([u8; 32]);

impl MerkleItem for ContractId {
    fn commit(&self, t: &mut merlin::Transcript) {
        t.append_message(b"contract", &self.0);
    }
}

fn leaf(hasher: &Hasher, id: u64) -> Hash {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&id.to_le_bytes());
    hasher.leaf(&ContractId(bytes))
}

// ---------------------------------------------------------------------------------
// rustreexo with our node hash, counted.

mod rr {
    use super::Hash;
    use rustreexo::node_hash::AccumulatorHash;
    use std::cell::{Cell, RefCell};
    use std::fmt;
    use std::io::{self, Read, Write};

    thread_local! {
        static HASHER: RefCell<merkle::Hasher> = RefCell::new(utreexo::hasher());
        pub static COUNT: Cell<u64> = const { Cell::new(0) };
    }

    /// rustreexo's node type with the Utreexo node hash.
    #[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Node {
        #[default]
        Empty,
        Placeholder,
        Some([u8; 32]),
    }

    impl Node {
        fn bytes(&self) -> [u8; 32] {
            match self {
                Node::Some(b) => *b,
                _ => [0; 32],
            }
        }
    }

    impl From<super::Hash> for Node {
        fn from(h: super::Hash) -> Self {
            Node::Some(h.0)
        }
    }

    impl fmt::Display for Node {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{}", super::Hash(self.bytes()))
        }
    }

    impl fmt::Debug for Node {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Display::fmt(self, f)
        }
    }

    impl AccumulatorHash for Node {
        fn is_empty(&self) -> bool {
            matches!(self, Node::Empty)
        }
        fn empty() -> Self {
            Node::Empty
        }
        fn is_placeholder(&self) -> bool {
            matches!(self, Node::Placeholder)
        }
        fn placeholder() -> Self {
            Node::Placeholder
        }
        fn parent_hash(left: &Self, right: &Self) -> Self {
            COUNT.with(|c| c.set(c.get() + 1));
            let h = HASHER.with(|h| h.borrow().node(&Hash(left.bytes()), &Hash(right.bytes())));
            Node::Some(h.0)
        }
        fn write<W: Write>(&self, writer: &mut W) -> io::Result<()> {
            writer.write_all(&self.bytes())
        }
        fn read<R: Read>(reader: &mut R) -> io::Result<Self> {
            let mut b = [0u8; 32];
            reader.read_exact(&mut b)?;
            Ok(Node::Some(b))
        }
    }

    pub fn hashes() -> u64 {
        COUNT.with(Cell::get)
    }
}

type MemForest = rustreexo::mem_forest::MemForest<rr::Node>;
type Stump = rustreexo::stump::Stump<rr::Node>;

// ---------------------------------------------------------------------------------
// The simulation: one state per scale, advanced one generation per benchmark
// iteration.

/// Picks one phase's time out of a generation's measurements.
type Phase = fn(&Step) -> Duration;

/// What one generation measured.
#[derive(Clone, Copy, Default)]
struct Step {
    delete: Duration,
    insert: Duration,
    normalize: Duration,
    delete_hashes: u64,
    normalize_hashes: u64,
    work_bytes: usize,
    catchup_bytes: usize,
    /// Checked catch-up (`update_leaf`) of a sample of proofs.
    catchup: Duration,
    caught_up: usize,
    /// Unchecked relocation of the whole pool.
    relocate: Duration,
    relocated: usize,
    /// One node hash, timed right after the generation.
    node_hash: Duration,
    proof_bytes: usize,
    proofs: usize,
    rr_modify: Duration,
    rr_hashes: u64,
}

impl Step {
    fn update(&self) -> Duration {
        self.delete + self.insert + self.normalize
    }
}

struct Sim {
    hasher: Hasher,
    rng: StdRng,
    forest: Forest,
    /// Tracked items (leaf hash, proof against `forest`).
    pool: Vec<(Hash, Proof)>,
    /// Whether the pool is the whole set (new items join it).
    pool_is_all: bool,
    /// The latest catch-up and some proofs it applies to.
    catchup: Option<(Catchup, Vec<(Hash, Proof)>)>,
    next_id: u64,
    mem: MemForest,
    stump: Stump,
    steps: Vec<Step>,
    build: Duration,
}

impl Sim {
    fn new(n: u64) -> Sim {
        let hasher = utreexo::hasher();
        let mut rng = StdRng::seed_from_u64(n);
        let leaves: Vec<Hash> = (0..n).map(|i| leaf(&hasher, i)).collect();
        let start = Instant::now();
        let mut work = Forest::new().work();
        for l in &leaves {
            work.insert_leaf(*l).expect("insert");
        }
        let (forest, catchup) = work.normalize();
        drop(work);
        let build = start.elapsed();
        let pool_size = (DELETIONS * POOL_GENERATIONS).min(leaves.len());
        let mut sample: Vec<Hash> = leaves.clone();
        // `partial_shuffle` leaves its random sample at the end of the slice.
        sample.partial_shuffle(&mut rng, pool_size);
        let sample = sample.split_off(sample.len() - pool_size);
        let pool = sample
            .into_iter()
            .map(|l| {
                let p = catchup
                    .update_leaf(l, &Proof::Transient)
                    .expect("fresh item");
                (l, Proof::Committed(p))
            })
            .collect();
        drop(catchup);
        let mut mem = MemForest::new_with_hash();
        let nodes: Vec<rr::Node> = leaves.iter().map(|l| rr::Node::from(*l)).collect();
        drop(leaves);
        mem.modify(&nodes, &[]).expect("rustreexo build");
        drop(nodes);
        let stump = Stump {
            leaves: mem.leaves,
            roots: mem.get_roots().iter().map(|r| r.get_data()).collect(),
        };
        Sim {
            hasher,
            rng,
            forest,
            pool,
            pool_is_all: pool_size == n as usize,
            catchup: None,
            next_id: n,
            mem,
            stump,
            steps: Vec::new(),
            build,
        }
    }

    /// Runs one generation on both accumulators and records what it measured.
    fn step(&mut self) -> Step {
        let mut s = Step::default();
        let k = DELETIONS.min(self.pool.len());
        // `partial_shuffle` leaves its random sample at the end of the slice.
        self.pool.partial_shuffle(&mut self.rng, k);
        let chosen = self.pool.split_off(self.pool.len() - k);
        let fresh: Vec<Hash> = (0..INSERTIONS as u64)
            .map(|i| leaf(&self.hasher, self.next_id + i))
            .collect();
        self.next_id += INSERTIONS as u64;

        // Ours.
        let mut work = self.forest.work();
        let t = Instant::now();
        for (l, p) in &chosen {
            work.delete_leaf(*l, p).expect("valid proof");
        }
        s.delete = t.elapsed();
        let t = Instant::now();
        for l in &fresh {
            work.insert_leaf(*l).expect("insert");
        }
        s.insert = t.elapsed();
        let t = Instant::now();
        let (next, catchup) = work.normalize();
        s.normalize = t.elapsed();
        s.delete_hashes = work.hash_counts().nodes;
        s.normalize_hashes = catchup.hash_counts().nodes;
        s.work_bytes = work.memory_bytes();
        s.catchup_bytes = catchup.memory_bytes();
        drop(work);

        s.node_hash = time_node_hash(&self.hasher, 10_000);

        // Catch a sample up with checks, and move the whole pool along.
        let old: Vec<(Hash, Proof)> = self.pool.iter().take(1_000).cloned().collect();
        let t = Instant::now();
        for (l, p) in &old {
            std::hint::black_box(catchup.update_leaf(*l, p).expect("survivor"));
        }
        s.catchup = t.elapsed();
        s.caught_up = old.len();
        let t = Instant::now();
        for (_, p) in self.pool.iter_mut() {
            let path = p.path().expect("committed");
            *p = Proof::Committed(catchup.relocate(path).expect("survivor"));
        }
        s.relocate = t.elapsed();
        s.relocated = self.pool.len();
        if self.pool_is_all || self.pool.len() < 4 * DELETIONS {
            for l in &fresh {
                let p = catchup
                    .update_leaf(*l, &Proof::Transient)
                    .expect("new item");
                self.pool.push((*l, Proof::Committed(p)));
            }
        }
        s.proofs = self.pool.len();
        s.proof_bytes = self.pool.iter().map(|(_, p)| proof_len(p)).sum();
        self.forest = next;
        self.catchup = Some((catchup, old));

        // rustreexo, on the same items.
        let dels: Vec<rr::Node> = chosen.iter().map(|(l, _)| rr::Node::from(*l)).collect();
        let adds: Vec<rr::Node> = fresh.iter().map(|l| rr::Node::from(*l)).collect();
        let proof = self.mem.prove(&dels).expect("rustreexo proof");
        let before = rr::hashes();
        let t = Instant::now();
        let stump = self
            .stump
            .modify(&adds, &dels, &proof)
            .expect("rustreexo modify");
        s.rr_modify = t.elapsed();
        s.rr_hashes = rr::hashes() - before;
        self.stump = stump;
        self.mem.modify(&adds, &dels).expect("rustreexo forest");

        self.steps.push(s);
        s
    }

    /// Runs `iters` generations and returns the time `phase` took in them.
    fn run(&mut self, iters: u64, phase: Phase) -> Duration {
        (0..iters).map(|_| phase(&self.step())).sum()
    }
}

/// The v1 encoded size of a proof: kind byte, position, count, neighbors.
fn proof_len(p: &Proof) -> usize {
    1 + p.path().map_or(0, |path| 8 + 4 + 32 * path.neighbors.len())
}

// ---------------------------------------------------------------------------------
// Benchmarks.

fn wanted(name: &str) -> bool {
    std::env::var("UTREEXO_BENCH_SCALES").map_or(true, |v| v.split(',').any(|s| s.trim() == name))
}

fn bench_hashes(c: &mut Criterion) {
    let h = utreexo::hasher();
    let (a, b) = (leaf(&h, 1), leaf(&h, 2));
    let mut g = c.benchmark_group("utreexo/hash");
    g.sample_size(10).measurement_time(Duration::from_secs(2));
    g.bench_function("node", |bench| bench.iter(|| h.node(&a, &b)));
    g.bench_function("leaf", |bench| bench.iter(|| leaf(&h, 7)));
    g.finish();
}

fn bench_scale(c: &mut Criterion, n: u64, name: &str, sims: &mut Vec<(String, Sim)>) {
    eprintln!("utreexo bench: building forests of {n} items...");
    let sim = Cell::new(Some(Sim::new(n)));
    let with = |f: &mut dyn FnMut(&mut Sim) -> Duration| {
        let mut s = sim.take().expect("simulation");
        let d = f(&mut s);
        sim.set(Some(s));
        d
    };
    let big = n >= 1_000_000;
    let mut g = c.benchmark_group("utreexo");
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    // Generations carry untimed work (proofs, rustreexo's bridge): keep the counts
    // of iterations low at scale, where a generation takes a good part of a second.
    if big {
        g.warm_up_time(Duration::from_millis(1))
            .measurement_time(Duration::from_millis(100));
    } else {
        g.warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(2));
    }
    let changes = (DELETIONS + INSERTIONS) as u64;
    let phases: [(&str, u64, Phase); 4] = [
        ("delete", DELETIONS as u64, |s| s.delete),
        ("insert", INSERTIONS as u64, |s| s.insert),
        ("normalize", changes, |s| s.normalize),
        ("generation", changes, Step::update),
    ];
    for (phase, items, pick) in phases {
        g.throughput(Throughput::Elements(items));
        g.bench_function(BenchmarkId::new(phase, name), |b| {
            b.iter_custom(|iters| with(&mut |s| s.run(iters, pick)))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("rustreexo");
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    if big {
        g.warm_up_time(Duration::from_millis(1))
            .measurement_time(Duration::from_millis(100));
    }
    g.throughput(Throughput::Elements(changes));
    g.bench_function(BenchmarkId::new("generation", name), |b| {
        b.iter_custom(|iters| with(&mut |s| s.run(iters, |st| st.rr_modify)))
    });
    g.finish();

    let mut s = sim.take().expect("simulation");
    let mut g = c.benchmark_group("utreexo/catchup");
    g.sample_size(10).measurement_time(Duration::from_secs(2));
    if let Some((catchup, old)) = &s.catchup {
        let mut i = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                let (l, p) = &old[i % old.len()];
                i += 1;
                catchup.update_leaf(*l, p).expect("catch-up")
            })
        });
    }
    g.finish();
    // Keep only the summary; free the big structures before the next scale.
    s.mem = MemForest::new_with_hash();
    s.pool = Vec::new();
    s.catchup = None;
    sims.push((name.to_string(), s));
}

// ---------------------------------------------------------------------------------
// The summary table.

/// The time of one node hash, averaged over `n`.
fn time_node_hash(h: &Hasher, n: u32) -> Duration {
    let mut x = leaf(h, 1);
    let y = leaf(h, 2);
    let t = Instant::now();
    for _ in 0..n {
        x = h.node(&x, &y);
    }
    std::hint::black_box(x);
    t.elapsed() / n
}

fn mean(steps: &[Step], f: impl Fn(&Step) -> f64) -> f64 {
    steps.iter().map(f).sum::<f64>() / steps.len().max(1) as f64
}

fn summary(sims: &[(String, Sim)]) {
    println!();
    println!("utreexo summary: {DELETIONS} deletions + {INSERTIONS} insertions per generation");
    for (name, sim) in sims {
        let st = &sim.steps;
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let update = mean(st, |s| ms(s.update()));
        let hashes = mean(st, |s| (s.delete_hashes + s.normalize_hashes) as f64);
        // Hashing time per generation, with the hash timed right after it.
        let hashing = mean(st, |s| {
            (s.delete_hashes + s.normalize_hashes) as f64 * ms(s.node_hash)
        });
        let worst = st.iter().map(|s| ms(s.update())).fold(0.0, f64::max);
        let rr_ms = mean(st, |s| ms(s.rr_modify));
        let rr_hashes = mean(st, |s| s.rr_hashes as f64);
        let changes = (DELETIONS + INSERTIONS) as f64;
        println!();
        println!(
            "scale {name}: {} generations measured; build {:.2} s",
            st.len(),
            sim.build.as_secs_f64()
        );
        println!(
            "  ours  delete    {:8.3} ms  ({:.2} µs/item)",
            mean(st, |s| ms(s.delete)),
            mean(st, |s| ms(s.delete)) * 1e3 / DELETIONS as f64
        );
        println!(
            "  ours  insert    {:8.3} ms  ({:.3} µs/item)",
            mean(st, |s| ms(s.insert)),
            mean(st, |s| ms(s.insert)) * 1e3 / INSERTIONS as f64
        );
        println!("  ours  normalize {:8.3} ms", mean(st, |s| ms(s.normalize)));
        println!("  ours  update    {update:8.3} ms per generation ({:.2} µs per change); slowest {worst:.3} ms", update * 1e3 / changes);
        println!(
            "  node hash {:.3} µs (timed after each generation)",
            mean(st, |s| ms(s.node_hash) * 1e3)
        );
        println!(
            "  ours  node hashes: {:.0} in deletions + {:.0} in normalization = {hashes:.0} per generation ({:.2} per change)",
            mean(st, |s| s.delete_hashes as f64),
            mean(st, |s| s.normalize_hashes as f64),
            hashes / changes
        );
        println!(
            "  ours  hashing ≈ {hashing:.3} ms = {:.0}% of update; bookkeeping ≈ {:.0}%",
            100.0 * hashing / update,
            100.0 * (update - hashing) / update
        );
        println!(
            "  rustreexo Stump::modify {rr_ms:8.3} ms per generation ({:.2} µs per change)",
            rr_ms * 1e3 / changes
        );
        println!(
            "  rustreexo node hashes {rr_hashes:.0} per generation ({:.2} per change)",
            rr_hashes / changes
        );
        println!(
            "  memory: forest {} B ({} roots); work {:.1} MB; catch-up {:.1} MB",
            sim.forest.roots().len() * 32 + core::mem::size_of::<Forest>(),
            sim.forest.roots().len(),
            mean(st, |s| s.work_bytes as f64) / 1e6,
            mean(st, |s| s.catchup_bytes as f64) / 1e6
        );
        println!(
            "  proofs: {:.0} bytes on average; catch-up {:.2} µs per proof checked, {:.2} µs relocated (pool of {:.0})",
            mean(st, |s| s.proof_bytes as f64 / s.proofs.max(1) as f64),
            mean(st, |s| s.catchup.as_secs_f64() * 1e6 / s.caught_up.max(1) as f64),
            mean(st, |s| s.relocate.as_secs_f64() * 1e6 / s.relocated.max(1) as f64),
            mean(st, |s| s.relocated as f64)
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_hashes(&mut c);
    let mut sims = Vec::new();
    for (n, name) in SCALES {
        if wanted(name) {
            bench_scale(&mut c, n, name, &mut sims);
        }
    }
    summary(&sims);
    c.final_summary();
}
