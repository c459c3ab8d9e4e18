#!/usr/bin/env bash
# Runs node I of a testnet made by testnet.sh: the zkvm-node ABCI application (with
# the HTTP API and explorer on BASE+10*I+3) and CometBFT, in the foreground; Ctrl-C
# stops CometBFT, then the application. Logs in OUT/nodeI/{app,cometbft}.log.
#
#   run-node.sh OUT I [BASE_PORT=27000]
set -euo pipefail
out=${1:?usage: run-node.sh OUT I [BASE_PORT]}
i=${2:?usage: run-node.sh OUT I [BASE_PORT]}
base=${3:-27000}
p2p=$((base + 10 * i))
rpc=$((p2p + 1)) app=$((p2p + 2)) api=$((p2p + 3))
home=$out/node$i
"${ZKVM_NODE:-zkvm-node}" abci --data-dir "$home/app" --listen "127.0.0.1:$app" \
    --api "127.0.0.1:$api" --cometbft-rpc "http://127.0.0.1:$rpc" >>"$home/app.log" 2>&1 &
app_pid=$!
# CometBFT stops first, then the application (it must outlive CometBFT's last Commit).
trap 'kill -TERM $comet_pid 2>/dev/null; wait $comet_pid 2>/dev/null; kill -TERM $app_pid 2>/dev/null; wait $app_pid 2>/dev/null' EXIT INT TERM
for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$api") 2>/dev/null && break
    kill -0 $app_pid 2>/dev/null || { echo "the application exited: see $home/app.log" >&2; exit 1; }
    sleep 0.1
done
echo "node $i: API and explorer at http://127.0.0.1:$api/, CometBFT RPC at http://127.0.0.1:$rpc"
"${COMETBFT:-cometbft}" start --home "$home" >>"$home/cometbft.log" 2>&1 &
comet_pid=$!
wait $comet_pid
