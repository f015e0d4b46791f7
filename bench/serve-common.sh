# Sourced by the service benchmarks (serve-load.sh, serve-soak.sh): builds the release
# binary, makes a work directory removed at exit with the server, and defines
# `start_server` (a fresh service on a free port of 127.0.0.1, data in $work/data; sets
# $server and $base) and `rss_kib FIELD` (VmRSS, VmHWM of the server, in KiB).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

cargo build --release --quiet -p hydrascope-cli --manifest-path "$root/Cargo.toml"
bin=$CARGO_TARGET_DIR/release/hydrascope
work=$(mktemp -d)
server=
trap '[[ -n $server ]] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export HYDRASCOPE_TOKEN=bench-token

start_server() {
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    base=http://127.0.0.1:$port
    RUST_LOG=${RUST_LOG:-warn,hydrascope_serve=info} \
        "$bin" serve --listen "127.0.0.1:$port" --data-dir "$work/data" 2>"$work/server.log" &
    server=$!
    until curl -sf "$base/readyz" >/dev/null; do sleep 0.2; done
}

rss_kib() { awk "/^$1:/ { print \$2 }" "/proc/$server/status"; }
