#!/usr/bin/env bash
# Compares this project's payments with the reference implementation's, on this
# machine, in one run: builds the reference with ../shared/reference/build.sh, builds
# the `payments` harness, runs both interleaved and prints the ratios.
#
#   SLINGSHOT_MIRROR=<git dir> BULLETPROOFS_MIRROR=<git dir> benches/compare.sh [ROUNDS] [RUNS]
#
# The two mirrors are the git directories that the search tool's `fetch` returns for
# github:stellar/slingshot and github:dalek-cryptography/bulletproofs. REFHARNESS=<path>
# skips the reference build and uses that binary. ROUNDS defaults to 3, RUNS (timed
# transactions per case and round) to 7.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
runs=${2:-7}

if [[ -z "${REFHARNESS:-}" ]]; then
    work=${REFERENCE_WORKDIR:-${TMPDIR:-/tmp}/zkvm-reference}
    ../shared/reference/build.sh "$work" >&2
    REFHARNESS=$work/target/release/refharness
fi
cargo build --release -p benches --bin payments >&2
target/release/payments compare --reference "$REFHARNESS" --rounds "$rounds" --runs "$runs"
