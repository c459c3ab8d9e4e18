#!/usr/bin/env bash
# Generates a CometBFT testnet of N validators on one machine (loopback), each with
# its own home, ports and persistent peers, and the genesis app state of zkvm-node.
#
#   testnet.sh OUT [N=4] [BASE_PORT=27000] [OUTPUTS=256]
#
# Makes OUT/node0 .. OUT/node{N-1} (CometBFT homes; each app's store goes in
# OUT/nodeI/app) and OUT/genesis (app_state.json and funding.key, the key owning the
# OUTPUTS initial outputs of 1000000 units). Node I listens on BASE+10*I (p2p),
# BASE+10*I+1 (RPC) and BASE+10*I+2 (ABCI: zkvm-node abci). Needs cometbft and
# zkvm-node on PATH (or in $COMETBFT and $ZKVM_NODE).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
out=${1:?usage: testnet.sh OUT [N] [BASE_PORT] [OUTPUTS]}
n=${2:-4}
base=${3:-27000}
outputs=${4:-256}
cometbft=${COMETBFT:-cometbft}
zkvm_node=${ZKVM_NODE:-zkvm-node}

"$cometbft" testnet --v "$n" --o "$out" >/dev/null
peers=""
for i in $(seq 0 $((n - 1))); do
    id=$("$cometbft" show-node-id --home "$out/node$i")
    read -r p2p _ _ <<<"$(node_ports "$base" "$i")"
    peers="${peers:+$peers,}$id@127.0.0.1:$p2p"
done
genesis_files=()
for i in $(seq 0 $((n - 1))); do
    # Each node's peers are all the others.
    own=$("$cometbft" show-node-id --home "$out/node$i")
    others=$(echo "$peers" | tr ',' '\n' | grep -v "^$own@" | paste -sd, -)
    configure_node "$out/node$i" "$base" "$i" "$others"
    genesis_files+=("$out/node$i/config/genesis.json")
done
"$zkvm_node" abci genesis --out "$out/genesis" --outputs "$outputs" --into "${genesis_files[@]}"
echo "$peers" >"$out/peers"
echo "testnet of $n validators in $out (ports from $base)"
