#!/usr/bin/env bash
# Runs node I of a testnet made by testnet.sh: the zkvm-node ABCI application and
# CometBFT, in the foreground; Ctrl-C stops both. Logs in OUT/nodeI/{app,cometbft}.log.
#
#   run-node.sh OUT I [BASE_PORT=27000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
out=${1:?usage: run-node.sh OUT I [BASE_PORT]}
i=${2:?usage: run-node.sh OUT I [BASE_PORT]}
base=${3:-27000}
read -r _ _ app <<<"$(node_ports "$base" "$i")"
home=$out/node$i
"${ZKVM_NODE:-zkvm-node}" abci --data-dir "$home/app" --listen "127.0.0.1:$app" >>"$home/app.log" 2>&1 &
app_pid=$!
trap 'kill $app_pid 2>/dev/null' EXIT
# CometBFT connects once the application listens.
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$app") 2>/dev/null && break
    sleep 0.1
done
"${COMETBFT:-cometbft}" start --home "$home" >>"$home/cometbft.log" 2>&1
