#!/usr/bin/env bash
# Mutation testing of the core crates with cargo-mutants: each mutant is a small
# plausible bug (an operator flipped, a function returning a default); a mutant
# the tests do not notice is "missed". Prints caught / missed / unviable / timeout
# per crate and lists every missed mutant.
#
#   scripts/mutants.sh                    every core crate (about an hour on 2 cores)
#   scripts/mutants.sh ids calendar       only these crates
#   scripts/mutants.sh --diff origin/main only the lines changed since that revision
#   MUTANTS_ITERATE=1 scripts/mutants.sh ids  test again only what the last run of
#                                          the same crates did not catch
#
# Mutants that cannot be told apart from the original by any test (equivalent
# mutants) are excluded in .cargo/mutants.toml, each with its reason.
# Results: target/mutants/<crates>/mutants.out (outcomes.json, missed.txt, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

CORE=(ids calendar catalog cases ledger certs sharing metrics)
VERSION=27.0.0
JOBS="${MUTANTS_JOBS:-1}"

if ! cargo mutants --version 2>/dev/null | grep -q "$VERSION"; then
  cargo install --locked "cargo-mutants@$VERSION"
fi

common=(--no-shuffle --jobs "$JOBS" --timeout-multiplier 3 --baseline run --colors never)

summary() {
  local label="$1" out="$2" prefix="$3"
  count() { grep -c "^$prefix" "$out/$1.txt" 2>/dev/null || true; }
  local caught missed unviable timeout
  caught=$(count caught); missed=$(count missed); unviable=$(count unviable); timeout=$(count timeout)
  local tested=$((caught + missed))
  local score="-"
  if [ "$tested" -gt 0 ]; then score="$((100 * caught / tested))%"; fi
  printf '%-10s caught %4s  missed %4s  unviable %4s  timeout %4s  score %s\n' \
    "$label" "$caught" "$missed" "$unviable" "$timeout" "$score"
}

mkdir -p target/mutants
packages=()
if [ "${1:-}" = "--diff" ]; then
  base="${2:?usage: scripts/mutants.sh --diff <revision>}"
  git diff "$base" -- '*.rs' > target/mutants/changes.diff
  if [ ! -s target/mutants/changes.diff ]; then
    echo "no Rust changes since $base"
    exit 0
  fi
  crates=("${CORE[@]}")
  packages=(--in-diff target/mutants/changes.diff)
else
  crates=("$@")
  if [ "${#crates[@]}" -eq 0 ]; then crates=("${CORE[@]}"); fi
fi
for crate in "${crates[@]}"; do packages+=(--package "$crate"); done
if [ -n "${MUTANTS_ITERATE:-}" ]; then packages+=(--iterate); fi

# One run for all crates: the tree is copied and the dependencies built once.
label=$(IFS=-; echo "${crates[*]}")
if [ "${1:-}" = "--diff" ]; then label=diff; fi
mkdir -p "target/mutants/$label"
status=0
cargo mutants "${common[@]}" "${packages[@]}" --output "target/mutants/$label" || status=$?
out="target/mutants/$label/mutants.out"

echo
echo "== mutation score (caught / (caught + missed))"
for crate in "${crates[@]}"; do
  summary "$crate" "$out" "crates/$crate/"
done
summary "all" "$out" ""
if [ -s "$out/missed.txt" ]; then
  echo; echo "== missed"; sed 's/^/  /' "$out/missed.txt"
fi
# cargo-mutants exits 2 when mutants were missed and 3 on timeouts.
exit "$status"
