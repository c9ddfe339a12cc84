#!/usr/bin/env bash
# The test command: every Rust test (SQLite and PostgreSQL), then the browser tests
# in Debian's Chromium. Installs what it needs when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

export ONETHING_TEST_DATABASE_URL="${ONETHING_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"

# OpenSSL 3 checks our SM2/SM3 signatures independently (the tests fail without it).
if ! command -v openssl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
  else
    echo "The tests need OpenSSL 3: sudo apt-get install openssl" >&2
    exit 1
  fi
fi

cargo test --workspace --locked

# Browser tests: Chromium and a CJK font from Debian, playwright-core and axe-core from npm.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  else
    echo "The browser tests need Debian's chromium and fonts-wqy-microhei: sudo apt-get install chromium fonts-wqy-microhei" >&2
    exit 1
  fi
fi
cargo build -p onething --locked
(cd e2e && npm ci --no-audit --no-fund --silent && ONETHING_BIN="$PWD/../target/debug/onething" npm test)
