#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 20) on its stored corpus, failing
# on the first crash (a panic, a failed assertion), timeout or out-of-memory. New inputs go to a scratch
# folder, so the stored corpus (fuzz/corpus/<target>) does not grow; a crash is
# written to fuzz/artifacts/<target>/. Usage: fuzz/run.sh [SECONDS] [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`); nightly features are enabled on a
# stable toolchain with RUSTC_BOOTSTRAP=1. The build has no sanitizer (the project
# has no `unsafe`) but keeps debug assertions, so integer overflow is a crash.
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1 CARGO_INCREMENTAL=0

seconds="${1:-20}"
shift || true
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list | grep -vx seed)
fi

cargo fuzz build -s none -a
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target" "corpus/$target"
    echo "== $target: ${seconds}s"
    # -timeout: one input may take at most 10 s (full verification of a large
    # transaction takes well under one); -rss_limit_mb: the 64 MB goal, with
    # room for libFuzzer and the generators.
    log="$scratch/$target.log"
    if ! cargo fuzz run -s none -a "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
        >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        echo "fuzz target $target failed; the input is in fuzz/artifacts/$target" >&2
        exit 1
    fi
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" || true
done
