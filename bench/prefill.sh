#!/usr/bin/env bash
# Consented prefill and certificate verification over HTTP on loopback, bounded in time:
#   bench/prefill.sh [persons] [seconds] [connections]
# Starts the release demo (SQLite), loads a synthetic population of `persons` (besides
# the demo's own), then drives with wrk:
#   1. POST /api/v1/catalog/one-things/newborn/prefill {"consent":true} as wangfang:
#      reads 人口库 and 婚姻登记 for her and her spouse, stores the prefill and its
#      ledger entries (one applicant's prefill latency);
#   2. POST /api/v1/certificates/verify with an SM2-signed 出生医学证明 (public, each
#      verification a ledger entry).
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-100000}"
seconds="${2:-15}"
connections="${3:-8}"
threads=$(( connections < 2 ? 1 : 2 ))
port=18090
base="http://127.0.0.1:${port}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }

cargo build --release -p onething >/dev/null 2>&1
bin=target/release/onething
workdir=$(mktemp -d)
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$workdir"' EXIT

# The population first, into the demo's database, then the demo on top of it.
started=$(date +%s.%N)
"$bin" population generate --persons "$persons" --out "$workdir/people.jsonl" 2>&1 | tail -1
ONETHING_LOG=warn "$bin" population import --data-dir "$workdir/data" --log-format text "$workdir/people.jsonl" | tail -1
echo "population of $persons ready in $(python3 -c "import time;print(round(time.time()-$started,1))") s"
# The public rate limit is off: wrk is one client hammering on purpose.
ONETHING_LOG=warn "$bin" demo --listen "127.0.0.1:${port}" --data-dir "$workdir/data" --public-rate 0 >"$workdir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done

login() {
  curl -sf "$base/api/v1/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"demo-2026\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
applicant=$(login wangfang)
answers='{"hukou_local":"yes","parents_married":"yes","insure_child":"yes","maternity_claim":"yes"}'

echo "prefill: persons=$persons seconds=$seconds connections=$connections"
BODY="{\"answers\":$answers,\"consent\":true}" TOKEN="$applicant" PATH_TO=/api/v1/catalog/one-things/newborn/prefill \
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s --latency -s bench/post.lua "$base" | grep -E "RESULT|Non-2xx" || true

# One certificate to verify: a case with the prefill, 出生医学证明 approved by 卫健.
prefill=$(curl -sf "$base/api/v1/catalog/one-things/newborn/prefill" -H "authorization: Bearer $applicant" \
  -H 'content-type: application/json' -d "{\"answers\":$answers,\"consent\":true}")
case_body=$(curl -sf "$base/api/v1/catalog/one-things/newborn/plan" -H 'content-type: application/json' \
  -d "{\"answers\":$answers}" | PREFILL="$prefill" python3 -c '
import json, os, sys
plan = json.load(sys.stdin)
prefill = json.loads(os.environ["PREFILL"])
samples = {"text": "测试", "date": "2026-02-10", "integer": "1", "money": "100.00", "boolean": "true",
           "phone": "13800138000", "id_number": "11010519491231002X", "credit_code": "91350100M000100Y43", "choice": "男"}
form = {f["element"]: samples[f["type"]] for g in plan["form"] for f in g["fields"] if f["source"]["kind"] == "applicant"}
form.update({k: v["value"] for k, v in prefill["values"].items() if k in form})
needed = [m for m in plan["materials"] if m["status"] == "needed"]
commitments = [m["id"] for m in needed if m["kind"] == "告知承诺"]
submission = {"one_thing": "newborn", "answers": plan["answers"], "form": form, "prefill": prefill["prefill_id"], "commitments": commitments}
# The submission, then the materials to upload, one per line.
print(json.dumps(submission, ensure_ascii=False))
print("\n".join(m["id"] for m in needed if m["kind"] != "告知承诺"))')
printf '%%PDF-1.4\n%%benchmark scan\n' > "$workdir/scan.pdf"
head -n1 <<<"$case_body" > "$workdir/submission.json"
parts=(-F "submission=<$workdir/submission.json;type=application/json")
while read -r material; do
  [ -n "$material" ] && parts+=(-F "material.$material=@$workdir/scan.pdf;type=application/pdf")
done < <(tail -n +2 <<<"$case_body")
case_id=$(curl -sf "$base/api/v1/cases" -H "authorization: Bearer $applicant" "${parts[@]}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
wj=$(login staff-wj)
curl -sf -X POST "$base/api/v1/cases/$case_id/tasks/GG00101001/accept" -H "authorization: Bearer $wj" \
  -H 'content-type: application/json' -d '{}' >/dev/null
curl -sf -X POST "$base/api/v1/cases/$case_id/tasks/GG00101001/approve" -H "authorization: Bearer $wj" \
  -H 'content-type: application/json' -d '{"outputs":{"child.birth_cert_no":"Q620102001"}}' >/dev/null
certificate=$(curl -sf "$base/api/v1/me/certificates" -H "authorization: Bearer $applicant" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["certificates"][0]["id"])')
file=$(curl -sf "$base/api/v1/certificates/$certificate/file" -H "authorization: Bearer $applicant" \
  | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), ensure_ascii=False, sort_keys=True, separators=(",", ":")))')
echo "verify over HTTP: seconds=$seconds connections=$connections"
BODY="$file" TOKEN="" PATH_TO=/api/v1/certificates/verify \
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s --latency -s bench/post.lua "$base" | grep -E "RESULT|Non-2xx" || true
curl -sf "$base/api/v1/certificates/verify" -H 'content-type: application/json' -d "$file" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("verification of the benchmarked file:", r["valid"], r.get("algorithm"))'
