#!/usr/bin/env bash
# The checklist under load: the demo on SQLite with 2,000 children, a load generator in a second
# process at a fixed 500 requests/s (oha -q), against the checklist API and the checklist page,
# then the database's growth per 10,000 views. It builds what it runs. Usage:
#   tests/benches/web.sh [SECONDS]        # 30 s per target by default
# Installs oha (`cargo install oha --locked`) when it is missing; if that fails it falls back to
# wrk's closed loop (-t2 -c16), which has no fixed rate. Prints medians, p99 and requests/s;
# nothing is timed as a test.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-30}"
command -v oha > /dev/null || cargo install oha --locked || true
cargo xtask plugins
cargo build --release --package carecheck --bin carecheck
bin=target/release/carecheck
work="$(mktemp -d)"
port=18480
export CARECHECK_DATA_DIR="$work/data"
export CARECHECK_LISTEN="127.0.0.1:$port"
export CARECHECK_SERVER__RATE_LIMIT__PER_IP_PER_MINUTE=0
export CARECHECK_SERVER__RATE_LIMIT__PER_TOKEN_PER_MINUTE=0
export CARECHECK_SERVER__MAX_CONNECTIONS_PER_IP=0
"$bin" demo --children 2000 > "$work/demo.out" 2> "$work/demo.err" &
server=$!
# On the way out, the server's first errors and warnings (if any) say why a request failed.
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; grep -m5 -E "ERROR|WARN" "$work/demo.err" >&2; rm -rf "$work"' EXIT
for _ in $(seq 600); do
  curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break
  sleep 1
done
iro=$(awk '$1 == "iro" {print $2}' "$work/demo.out")
db="$work/data/demo.db"
# One of IRO-001's children.
child=$(curl -sf -H "Authorization: Bearer $iro" "http://127.0.0.1:$port/api/v1/children?iro=IRO-001&limit=1" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["children"][0]["child_id"])')
api="http://127.0.0.1:$port/api/v1/children/E10000001/$child/checklist"
page="http://127.0.0.1:$port/children/E10000001/$child/checklist"
# A web session for the page.
jar="$work/cookies"
csrf=$(curl -sf -c "$jar" "http://127.0.0.1:$port/sign-in" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
curl -sf -b "$jar" -c "$jar" -o /dev/null --data "token=$iro&csrf=$csrf" "http://127.0.0.1:$port/sign-in"
session=$(awk '$6 == "carecheck_session" {print $7}' "$jar")

db_bytes() {
  python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
pages = c.execute("PRAGMA page_count").fetchone()[0] - c.execute("PRAGMA freelist_count").fetchone()[0]
print(pages * c.execute("PRAGMA page_size").fetchone()[0], c.execute("SELECT COUNT(*) FROM checklist_views").fetchone()[0])
PY
}

load() { # name url header
  echo "== $1: $2"
  if command -v oha > /dev/null; then
    oha --no-tui -z "${seconds}s" -q 500 -c 16 -H "$3" "$2" | grep -E "Requests/sec|50.00%|99.00%|Success rate|\[200\]|\[[0-9]{3}\]"
  else
    wrk -t2 -c16 -d"${seconds}s" --latency -H "$3" "$2" | grep -E "Requests/sec|50%|99%|Non-2xx"
  fi
}

read -r before views_before < <(db_bytes)
load "checklist API (IRO token)" "$api" "Authorization: Bearer $iro"
load "checklist page (session)" "$page" "Cookie: carecheck_session=$session"
read -r after views_after < <(db_bytes)
views=$((views_after - views_before))
python3 -c "v=$views; g=$after-$before; print(f'database growth: {g/1e6:.2f} MB for {v} views = {g/1e6*10000/max(v,1):.2f} MB per 10,000 views')"
