#!/usr/bin/env bash
# The decoder page's browser test: installs Debian's Chromium and playwright-core when
# missing, starts `machinekey ui` on a free loopback port, runs ui.test.mjs (node's test
# runner) against it, and checks that the server printed nothing but its address (no key or
# value is ever logged). SCREENSHOT=path.png saves the page after the first check.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "== installing playwright-core (npm)"
  (cd "$here" && npm install --no-audit --no-fund --loglevel=error)
fi

bin="$root/target/debug/machinekey"
if [ ! -x "$bin" ]; then
  (cd "$root" && cargo build --locked --quiet -p machinekey-cli)
fi

log="$(mktemp)"
"$bin" ui --port 0 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  grep -q "http://127.0.0.1:" "$log" && break
  sleep 0.1
done
url="$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" | head -1)"
if [ -z "$url" ]; then
  echo "machinekey ui did not start:" >&2
  cat "$log" >&2
  exit 1
fi

MACHINEKEY_UI_URL="$url" node --test "$here/ui.test.mjs"

# The server's output is its one address line: nothing typed into the page was logged.
if [ "$(wc -l <"$log")" -ne 1 ]; then
  echo "machinekey ui printed more than its address:" >&2
  cat "$log" >&2
  exit 1
fi
echo "browser check passed"
