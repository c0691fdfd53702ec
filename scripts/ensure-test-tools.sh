#!/usr/bin/env bash
# Runs before `npm test`: the alert-rule tests need promtool (Debian package
# `prometheus`). Installs it when missing and we may (root with apt-get);
# otherwise says how, and fails, so a missing tool is never a silent skip.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "promtool not found: installing Debian's prometheus package (for promtool only)" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus) >&2
  command -v promtool >/dev/null 2>&1 && exit 0
fi
echo "promtool is required by the test suite: install it (Debian/Ubuntu: apt-get install prometheus; or put promtool from a Prometheus release on PATH)" >&2
exit 1
