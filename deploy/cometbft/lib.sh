# Shared by the scripts of deploy/cometbft: editing CometBFT's config.toml.

# set_toml FILE SECTION KEY VALUE: sets KEY = VALUE (VALUE as TOML, quotes included)
# in [SECTION] of FILE ("" for the top of the file, before any section).
set_toml() {
    local file=$1 section=$2 key=$3 value=$4
    awk -v section="$section" -v key="$key" -v value="$value" '
        /^\[.*\]$/ { current = substr($0, 2, length($0) - 2) }
        current == section && $0 ~ "^" key " = " { print key " = " value; done = 1; next }
        { print }
        END { if (!done) { print "set_toml: no " key " in [" section "]" > "/dev/stderr"; exit 1 } }
    ' "$file" >"$file.tmp" && mv "$file.tmp" "$file"
}

# node_ports BASE INDEX: prints "P2P RPC APP" of node INDEX (ports BASE + 10*INDEX + 0, 1, 2).
node_ports() {
    local base=$1 i=$2
    echo "$((base + 10 * i)) $((base + 10 * i + 1)) $((base + 10 * i + 2))"
}

# configure_node HOME BASE INDEX PEERS: loopback ports of node INDEX, its peers, and
# the settings a local testnet needs.
configure_node() {
    local home=$1 base=$2 i=$3 peers=$4
    local p2p rpc app
    read -r p2p rpc app <<<"$(node_ports "$base" "$i")"
    local cfg=$home/config/config.toml
    set_toml "$cfg" "" proxy_app "\"tcp://127.0.0.1:$app\""
    set_toml "$cfg" "" moniker "\"node$i\""
    set_toml "$cfg" "" log_level "\"${COMETBFT_LOG_LEVEL:-info}\""
    set_toml "$cfg" rpc laddr "\"tcp://127.0.0.1:$rpc\""
    set_toml "$cfg" rpc pprof_laddr "\"\""
    set_toml "$cfg" p2p laddr "\"tcp://127.0.0.1:$p2p\""
    set_toml "$cfg" p2p persistent_peers "\"$peers\""
    set_toml "$cfg" p2p addr_book_strict false
    set_toml "$cfg" p2p allow_duplicate_ip true
    set_toml "$cfg" consensus timeout_commit "\"${TIMEOUT_COMMIT:-500ms}\""
    set_toml "$cfg" consensus timeout_propose "\"2s\""
    set_toml "$cfg" instrumentation prometheus false
}
