#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing, then runs every
# test of the workspace. Made for a fresh Debian machine with the Rust toolchain and Go
# (root, or sudo); running it again installs nothing.
#
#   ./test.sh [ARGS…]      ARGS go to `cargo test` after `--workspace --no-fail-fast`
#                          (for example `./test.sh -- --nocapture`)
#
# What it installs, each only when missing:
#   chromium, chromium-driver   Debian packages: the explorer's browser test (node/tests/explorer.rs)
#   iproute2                    Debian package (`ip`): tests that build network namespaces
#   cometbft v0.38.25           `go install`: the CometBFT network test (node/tests/abci_network.rs)
#   geth v1.17.10               `go install`: the Ethereum L1 of the bridge's tests (bridge/)
#   bridge/contracts/node_modules   `npm ci`, when bridge/contracts has a package-lock.json
#
# A tool it cannot install stops it with a message saying how to install it: no test
# is ever skipped for want of a tool.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")"

COMETBFT_VERSION=v0.38.25
GETH_VERSION=v1.17.10

die() {
    echo "test.sh: $*" >&2
    exit 1
}

say() {
    echo "test.sh: $*" >&2
}

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "installing needs root: run as root, or install sudo, or run yourself: $*"
    fi
}

# Installs Debian packages; `apt-get update` runs once, before the first install.
apt_updated=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 \
        || die "apt-get not found: install $* with this system's package manager"
    if [ "$apt_updated" -eq 0 ]; then
        say "apt-get update"
        as_root apt-get update
        apt_updated=1
    fi
    say "installing Debian packages: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

# The explorer's browser test runs Chromium headless through chromedriver, at
# /usr/bin unless ZKVM_CHROMIUM / ZKVM_CHROMEDRIVER name other programs.
need_chromium() {
    local chromium=${ZKVM_CHROMIUM:-/usr/bin/chromium}
    local driver=${ZKVM_CHROMEDRIVER:-/usr/bin/chromedriver}
    if [ ! -x "$chromium" ] || [ ! -x "$driver" ]; then
        say "the explorer's browser test needs Chromium and its WebDriver"
        apt_install chromium chromium-driver
    fi
    [ -x "$chromium" ] && [ -x "$driver" ] \
        || die "$chromium or $driver is still missing after installing chromium and chromium-driver"
}

# `ip` from iproute2 (in /usr/sbin, which a user's PATH may lack).
need_iproute2() {
    if ! PATH="$PATH:/usr/sbin:/sbin" command -v ip >/dev/null 2>&1; then
        say "the network-namespace tests need ip (iproute2)"
        apt_install iproute2
    fi
    PATH="$PATH:/usr/sbin:/sbin" command -v ip >/dev/null 2>&1 \
        || die "ip is still missing after installing iproute2"
}

# Go 1.22 or later builds CometBFT and geth; Debian bookworm's golang is older.
find_go() {
    if command -v go >/dev/null 2>&1; then
        command -v go
    elif [ -x /usr/local/go/bin/go ]; then
        echo /usr/local/go/bin/go
    else
        die "Go is needed to build CometBFT and geth: install Go 1.22 or later from https://go.dev/dl (Debian bookworm's golang package is too old)"
    fi
}

# Where `go install` puts programs.
go_bin() {
    local go gobin
    go=$(find_go)
    gobin=$("$go" env GOBIN)
    if [ -z "$gobin" ]; then
        gobin="$("$go" env GOPATH)/bin"
    fi
    echo "$gobin"
}

# Whether PROGRAM exists and `PROGRAM version` prints a line matching PATTERN.
reports_version() {
    local program=$1 pattern=$2 output
    [ -n "$program" ] && [ -x "$program" ] || return 1
    output=$("$program" version 2>/dev/null) || return 1
    grep -q -- "$pattern" <<<"$output"
}

# `go_tool NAME VERSION PACKAGE PATTERN`: NAME from PATH or from Go's bin directory
# when its `version` prints PATTERN, else `go install PACKAGE@VERSION`. Prints the
# program's path.
go_tool() {
    local name=$1 version=$2 package=$3 pattern=$4 found
    found=$(command -v "$name" || true)
    if ! reports_version "$found" "$pattern"; then
        found="$(go_bin)/$name"
    fi
    if reports_version "$found" "$pattern"; then
        echo "$found"
        return
    fi
    say "installing $name $version: go install $package@$version (a few minutes)"
    "$(find_go)" install "$package@$version" >&2
    found="$(go_bin)/$name"
    reports_version "$found" "$pattern" \
        || die "$found does not report version $version after go install $package@$version"
    echo "$found"
}

# The bridge's contracts are compiled with solc-js from bridge/contracts' lock file.
need_contract_packages() {
    local dir=bridge/contracts
    [ -f "$dir/package-lock.json" ] || return 0
    # npm records what `npm ci` installed in node_modules/.package-lock.json.
    if [ -f "$dir/node_modules/.package-lock.json" ] \
        && [ ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        say "the bridge's contracts need npm"
        apt_install nodejs npm
    fi
    say "installing the bridge contracts' packages: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund)
}

command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust from https://rustup.rs"

need_chromium
need_iproute2
COMETBFT=$(go_tool cometbft "$COMETBFT_VERSION" github.com/cometbft/cometbft/cmd/cometbft \
    "^${COMETBFT_VERSION#v}$")
GETH=$(go_tool geth "$GETH_VERSION" github.com/ethereum/go-ethereum/cmd/geth \
    "^Version: ${GETH_VERSION#v}-")
need_contract_packages

# The tests find the programs through these variables and PATH.
export COMETBFT GETH
export PATH="$(dirname "$COMETBFT"):$(dirname "$GETH"):$PATH:/usr/sbin:/sbin"

cargo test --workspace --no-fail-fast "$@"
