#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with playwright-core (never a downloaded browser).
# Installs it when missing and this machine can (root with apt-get); otherwise says what to do.
set -euo pipefail
for bin in "${AMISI_CHROMIUM:-}" /usr/lib/chromium/chromium /usr/bin/chromium; do
  if [ -n "$bin" ] && [ -x "$bin" ]; then exit 0; fi
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests (apt-get)…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null
  [ -x /usr/lib/chromium/chromium ] || [ -x /usr/bin/chromium ] && exit 0
fi
cat >&2 <<'MSG'
ensure-chromium: no Chromium found for the browser tests (test/web).
  Install Debian's package as root:  apt-get install -y chromium fonts-liberation
  or point AMISI_CHROMIUM at a Chromium binary. Then run npm test again.
MSG
exit 1
