#!/usr/bin/env bash
# Adds a non-validator node I to a testnet made by testnet.sh, joining by state sync:
# it fetches the app's snapshot (one chunk) from its peers and verifies it against
# the app hash a light client checks through two RPC servers. A thin wrapper of
# `zkvm-node abci add-node`.
#
#   add-node.sh OUT I TRUST_HEIGHT TRUST_HASH [BASE_PORT=27000]
#
# TRUST_HEIGHT and TRUST_HASH: a recent height and its block hash from a node you
# trust, e.g. curl -s 127.0.0.1:27001/commit | jq -r '.result.signed_header.commit |
# .height + " " + .block_id.hash'. Then run it with run-node.sh OUT I.
set -euo pipefail
out=${1:?usage: add-node.sh OUT I TRUST_HEIGHT TRUST_HASH [BASE_PORT]}
exec "${ZKVM_NODE:-zkvm-node}" abci add-node --out "$out" --index "${2:?}" \
    --trust-height "${3:?}" --trust-hash "${4:?}" --base-port "${5:-27000}"
