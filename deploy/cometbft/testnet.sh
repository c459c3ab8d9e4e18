#!/usr/bin/env bash
# Generates a CometBFT testnet of N validators on one machine (loopback), each with
# its own home, ports and persistent peers, and the genesis app state of zkvm-node:
# a thin wrapper of `zkvm-node abci testnet`.
#
#   testnet.sh OUT [N=4] [BASE_PORT=27000] [OUTPUTS=256]
#
# Makes OUT/node0 .. OUT/node{N-1} (CometBFT homes; each app's store goes in
# OUT/nodeI/app) and OUT/genesis (app_state.json and funding.key, the key owning the
# OUTPUTS initial outputs of 1000000 units). Node I listens on BASE+10*I (p2p),
# BASE+10*I+1 (RPC), BASE+10*I+2 (ABCI) and BASE+10*I+3 (HTTP API and explorer).
# Needs cometbft and zkvm-node on PATH (or in $COMETBFT and $ZKVM_NODE).
set -euo pipefail
out=${1:?usage: testnet.sh OUT [N] [BASE_PORT] [OUTPUTS]}
exec "${ZKVM_NODE:-zkvm-node}" abci testnet --out "$out" --validators "${2:-4}" \
    --base-port "${3:-27000}" --outputs "${4:-256}" --timeout-commit-ms "${TIMEOUT_COMMIT_MS:-500}"
