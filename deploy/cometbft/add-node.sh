#!/usr/bin/env bash
# Adds a non-validator node I to a testnet made by testnet.sh, joining by state sync:
# it fetches the app's snapshot (one chunk) from its peers and verifies it against
# the app hash a light client checks through two RPC servers.
#
#   add-node.sh OUT I TRUST_HEIGHT TRUST_HASH [BASE_PORT=27000]
#
# TRUST_HEIGHT and TRUST_HASH: a recent height and its block hash from a node you
# trust, e.g. curl -s 127.0.0.1:27001/commit | jq -r '.result.signed_header.commit |
# .height + " " + .block_id.hash'. Then run it with run-node.sh OUT I.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
out=${1:?usage: add-node.sh OUT I TRUST_HEIGHT TRUST_HASH [BASE_PORT]}
i=${2:?}
trust_height=${3:?}
trust_hash=${4:?}
base=${5:-27000}
cometbft=${COMETBFT:-cometbft}
home=$out/node$i
"$cometbft" init --home "$home" >/dev/null
cp "$out/node0/config/genesis.json" "$home/config/genesis.json"
configure_node "$home" "$base" "$i" "$(cat "$out/peers")"
read -r _ rpc0 _ <<<"$(node_ports "$base" 0)"
read -r _ rpc1 _ <<<"$(node_ports "$base" 1)"
cfg=$home/config/config.toml
set_toml "$cfg" statesync enable true
set_toml "$cfg" statesync rpc_servers "\"127.0.0.1:$rpc0,127.0.0.1:$rpc1\""
set_toml "$cfg" statesync trust_height "$trust_height"
set_toml "$cfg" statesync trust_hash "\"$trust_hash\""
set_toml "$cfg" statesync trust_period "\"168h0m0s\""
set_toml "$cfg" statesync discovery_time "\"5s\""
echo "node$i configured to join by state sync at height $trust_height"
