#!/usr/bin/env bash
# Load benchmark of case submissions on loopback, bounded in time:
#   bench/load.sh [sqlite|postgres|postgres2] [seconds] [connections]
# Starts the release binary, logs in as a demo applicant, and drives
# POST /api/v1/cases with wrk (each request a new newborn case with its own
# Idempotency-Key). Prints the sustained rate and p50/p90/p99 latency.
# `postgres2` runs two nodes over one PostgreSQL database and drives each with
# half the connections (one wrk each; their rates add up, latencies per node).
# ONETHING_BENCH_BIN=path runs that binary instead of building this tree's.
# RATE=N (requests/s, in the environment) drives at that fixed rate instead, with
# the open-loop generator `crates/onething/examples/fixed_rate.rs` (latency counted
# from when each request was due; two nodes get half the rate each).
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
nodes=1
if [ "$backend" = postgres2 ]; then backend=postgres; nodes=2; fi
seconds="${2:-20}"
connections="${3:-16}"
port=18089
base="http://127.0.0.1:${port}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }

# ONETHING_BENCH_BIN: a binary built before (to compare two builds alternately);
# otherwise the release build of this tree.
bin="${ONETHING_BENCH_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --release -p onething >/dev/null 2>&1
  bin=target/release/onething
fi
rate="${RATE:-}"
if [ -n "$rate" ]; then
  cargo build --release -p onething --example fixed_rate >/dev/null 2>&1
fi
workdir=$(mktemp -d)
# Only the servers started here (never `kill 0`, which is the whole process group).
trap 'for pid in ${server_pid:-} ${second_pid:-}; do kill "$pid" 2>/dev/null || true; done; rm -rf "$workdir"' EXIT

if [ "$backend" = postgres ]; then
  pg="${ONETHING_BENCH_DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  psql "$pg" -qc "DROP DATABASE IF EXISTS onething_bench" -c "CREATE DATABASE onething_bench" >/dev/null
  ONETHING_LOG=warn "$bin" serve --listen "127.0.0.1:${port}" \
    --database "postgres://postgres@127.0.0.1:5432/onething_bench" --demo-accounts >"$workdir/server.log" 2>&1 &
else
  ONETHING_LOG=warn "$bin" demo --listen "127.0.0.1:${port}" --data-dir "$workdir/data" >"$workdir/server.log" 2>&1 &
fi
server_pid=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
second_pid=""
if [ "$nodes" = 2 ]; then
  second_base="http://127.0.0.1:$((port + 1))"
  ONETHING_LOG=warn "$bin" serve --listen "127.0.0.1:$((port + 1))" \
    --database "postgres://postgres@127.0.0.1:5432/onething_bench" --demo-accounts >"$workdir/second.log" 2>&1 &
  second_pid=$!
  for _ in $(seq 1 100); do curl -sf "$second_base/healthz" >/dev/null && break; sleep 0.2; done
fi

token=$(curl -sf "$base/api/v1/login" -H 'content-type: application/json' \
  -d '{"username":"zhangsan","password":"demo-2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
answers='{"hukou_local":"yes","parents_married":"yes","insure_child":"yes","maternity_claim":"yes"}'
# The application as multipart: the JSON submission and a (tiny, valid) PDF scan for
# each material to upload, every commitment accepted.
boundary=onething-load-boundary
curl -sf "$base/api/v1/catalog/one-things/newborn/plan" -H 'content-type: application/json' \
  -d "{\"answers\":$answers}" | BOUNDARY="$boundary" python3 -c '
import json, os, sys
plan = json.load(sys.stdin)
samples = {"text": "测试", "date": "2026-02-10", "integer": "1", "money": "100.00", "boolean": "true",
           "phone": "13800138000", "id_number": "11010519491231002X", "credit_code": "91350100M000100Y43", "choice": "男"}
form = {f["element"]: samples[f["type"]] for g in plan["form"] for f in g["fields"] if f["source"]["kind"] == "applicant"}
# Without a consented prefill, what departments would obtain themselves is handed in too.
needed = [m for m in plan["materials"] if m["status"] == "needed" or m.get("on_consent")]
commitments = [m["id"] for m in needed if m["kind"] == "告知承诺"]
submission = {"one_thing": "newborn", "answers": plan["answers"], "form": form, "commitments": commitments}
b = os.environ["BOUNDARY"]
parts = [f"--{b}\r\nContent-Disposition: form-data; name=\"submission\"\r\nContent-Type: application/json\r\n\r\n"
         + json.dumps(submission, ensure_ascii=False) + "\r\n"]
for m in needed:
    if m["kind"] != "告知承诺":
        material = m["id"]  # Python 3.11: no backslash inside an f-string expression
        parts.append(f"--{b}\r\nContent-Disposition: form-data; name=\"material.{material}\"; filename=\"scan.pdf\"\r\n"
                     "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%load test scan\n\r\n")
parts.append(f"--{b}--\r\n")
sys.stdout.write("".join(parts))' > "$workdir/body"

# Server CPU (user + system ticks of the server process) around the run.
cpu_ticks() { cat "/proc/$server_pid/stat" ${second_pid:+"/proc/$second_pid/stat"} | awk '{ t += $14 + $15 } END { print t }'; }
ticks_per_second=$(getconf CLK_TCK)
stored_cases() {
  if [ "$backend" = postgres ]; then
    psql postgres://postgres@127.0.0.1:5432/onething_bench -Atc "SELECT count(*) FROM cases"
  else
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from cases').fetchone()[0])" "$workdir/data/onething.db"
  fi
}
cases_before=$(stored_cases)
cpu_before=$(cpu_ticks)

echo "backend=$backend nodes=$nodes seconds=$seconds connections=$connections"
if [ -n "$rate" ]; then echo "fixed rate: ${rate}/s in all"; fi
drive() { # URL CONNECTIONS THREADS OUT
  if [ -n "$rate" ]; then
    KEY_PREFIX="rate-$(basename "$4" .txt)-$$" BODY_FILE="$workdir/body" CONTENT_TYPE="multipart/form-data; boundary=$boundary" TOKEN="$token" \
      target/release/examples/fixed_rate "$1/api/v1/cases" $((rate / nodes)) "$seconds" >"$4" || true
  else
    KEY_PREFIX="load-$(basename "$4" .txt)" BODY_FILE="$workdir/body" CONTENT_TYPE="multipart/form-data; boundary=$boundary" TOKEN="$token" \
      wrk -t"$3" -c"$2" -d"${seconds}s" --timeout 10s --latency -s bench/submit.lua "$1" >"$4" || true
  fi
}
if [ "$nodes" = 2 ]; then
  drive "$base" $((connections / 2)) 1 "$workdir/wrk1.txt" &
  first_driver=$!
  drive "$second_base" $((connections / 2)) 1 "$workdir/wrk2.txt" &
  wait "$first_driver" $!
  cat "$workdir/wrk1.txt" "$workdir/wrk2.txt" >"$workdir/wrk.txt"
  awk '/^RESULT/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2] } }
       END { printf "TOTAL requests=%d errors=%d rate=%.1f/s (two nodes)\n", v["requests"], v["errors"], v["rate"] }' "$workdir/wrk.txt"
else
  drive "$base" "$connections" 2 "$workdir/wrk.txt"
fi
grep -E "RESULT|Non-2xx|Socket errors" "$workdir/wrk.txt" || true
# Every request must have made a new case (no idempotent replays), with its ledger entries.
if [ "$backend" = postgres ]; then
  psql postgres://postgres@127.0.0.1:5432/onething_bench -Atc \
    "SELECT 'stored: ' || (SELECT count(*) FROM cases) || ' cases, ' || (SELECT count(*) FROM ledger_entries) || ' ledger entries'"
else
  python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print('stored: %d cases, %d ledger entries' % (c.execute('select count(*) from cases').fetchone()[0], c.execute('select count(*) from ledger_entries').fetchone()[0]))" "$workdir/data/onething.db"
fi

# Refuse to report a rate the store does not back: every acknowledged request must
# be a stored case (a request in flight when wrk stopped may be stored unacknowledged).
cpu_after=$(cpu_ticks)
cases_after=$(stored_cases)
stored=$((cases_after - cases_before))
acknowledged=$(awk '/^RESULT/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2] } } END { if ("requests" in v) print v["requests"] - v["errors"] }' "$workdir/wrk.txt")
if [ -z "$acknowledged" ] || [ "$stored" -lt "$acknowledged" ]; then
  echo "NO RESULT: $acknowledged requests acknowledged but $stored cases stored" >&2
  exit 1
fi
python3 -c "import sys; cpu, n = float(sys.argv[1]), int(sys.argv[2]); print('checked: %d acknowledged, %d stored; server CPU %.2f ms per case' % (int(sys.argv[3]), n, 1000 * cpu / max(n, 1)))" \
  "$(python3 -c "print(($cpu_after - $cpu_before) / $ticks_per_second)")" "$stored" "$acknowledged"
