#!/usr/bin/env bash
# Load-tests a running tracelens API with the benchmark query shapes.
#
#   benches/phase2_benchmark.sh [suite] [base_url] [jwt_token]
#
# suite: simple comparison in string search nested combined large cache all (default all)
# base_url: default http://127.0.0.1:8080; jwt_token: default $TRACELENS_TOKEN
#
# With wrk installed (Debian package `wrk`) each shape runs through wrk
# (WRK_BIN, WRK_THREADS, WRK_CONNECTIONS, WRK_DURATION; defaults wrk, 2, 8, 10s). The
# `cache` suite runs the simple equality query against a server with its
# cache on, so every request after the first is a hit. Without wrk it runs
# the Node harness against the same server (benches/run.ts --base-url).
# Set DATABASE_URL to the server's database so rare values are confirmed
# against the data (benches/shapes-json.ts).
set -euo pipefail

suite="${1:-all}"
base_url="${2:-http://127.0.0.1:8080}"
token="${3:-${TRACELENS_TOKEN:-}}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

case "$suite" in
  simple|comparison|in|string|search|nested|combined|large|cache|all) ;;
  *) echo "unknown suite: $suite (simple comparison in string search nested combined large cache all)" >&2; exit 2 ;;
esac
if [[ -z "$token" ]]; then
  echo "no token: pass it as the third argument or set TRACELENS_TOKEN (npx tracelens token --role admin)" >&2
  exit 2
fi

wrk_bin="${WRK_BIN:-wrk}"
if ! command -v "$wrk_bin" >/dev/null 2>&1; then
  echo "wrk not found (apt-get install wrk); using the Node harness" >&2
  node_suite="$suite"
  [[ "$suite" == "cache" ]] && node_suite="simple"
  exec npx --prefix "$root" tsx "$root/benches/run.ts" --suite "$node_suite" --base-url "$base_url" --token "$token"
fi

threads="${WRK_THREADS:-2}"
connections="${WRK_CONNECTIONS:-8}"
duration="${WRK_DURATION:-10s}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

printf '| shape | req/s | P50 | P90 | P99 | non-2xx |\n|---|---:|---:|---:|---:|---:|\n'
npx --prefix "$root" tsx "$root/benches/shapes-json.ts" "$suite" | while IFS= read -r line; do
  name="$(node -e 'const s=JSON.parse(process.argv[1]); console.log(`${s.type}/${s.variant}`)' "$line")"
  body="$(node -e 'console.log(JSON.stringify(JSON.stringify(JSON.parse(process.argv[1]).body)))' "$line")"
  cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = $body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
  out="$("$wrk_bin" -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/post.lua" "$base_url/api/v1/traces/search")"
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p90="$(awk '$1 == "90%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p90" "$p99" "${non2xx:-0}"
done
