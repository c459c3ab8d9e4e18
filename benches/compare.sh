#!/usr/bin/env bash
# Compares this project's payments with the reference implementation's, on this
# machine, in one run: builds the `payments` harness, runs it and the reference's
# harness interleaved, and prints the ratios (project / reference).
#
#   benches/compare.sh REFHARNESS [ROUNDS] [RUNS]
#   REFHARNESS=PATH benches/compare.sh [ROUNDS] [RUNS]
#
# ROUNDS defaults to 3, RUNS (timed transactions per case and round) to 7.
#
# REFHARNESS is a program built outside this repository from the reference
# implementation: stellar/slingshot at commit 4a9ec80a5a65f54a63626aaee4c0daad4d627029,
# whose zkvm, spacesuit and token crates take dalek-cryptography/bulletproofs from its
# `develop` branch at 464acb72432ccc6c5131397fd811a5f01ec2454b (point that git
# dependency at a local checkout of the commit; leave out the p2p, node and demo
# crates and the unused dependencies whose every version is yanked: subtle-encoding
# 0.3 and postgres 0.15). The program links slingshot's zkvm and, given
# `bench --runs N`, proves and verifies on one thread the payments that `payments
# bench` makes (benches/src/bin/payments.rs: the same shapes, quantities, header and
# definitions of prove and verify, one warm-up then the median of N), and prints the
# same table: one row per case, `NAME PROVE_MS VERIFY_MS TX_BYTES`, then the line
# `sequential verify of 64 distinct 2x2 txs: X ms/tx`. spec/performance.md gives the
# last figures and the details.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${REFHARNESS:-}" ]]; then
    if [[ $# -lt 1 ]]; then
        sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2
        echo "compare.sh: give the reference harness: benches/compare.sh REFHARNESS [ROUNDS] [RUNS]" >&2
        exit 2
    fi
    REFHARNESS=$1
    shift
fi
[[ -x "$REFHARNESS" ]] || { echo "compare.sh: $REFHARNESS is not an executable program" >&2; exit 1; }
rounds=${1:-3}
runs=${2:-7}

cargo run --release -p benches --bin payments -- \
    compare --reference "$REFHARNESS" --rounds "$rounds" --runs "$runs"
