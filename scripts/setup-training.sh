#!/usr/bin/env bash
# What detector training needs beyond the product: Debian's Python 3 with torch (CPU), onnx and PIL.
# Called by `npm run train -- detector` and the training tests, not by `npm start`: a machine that
# never trains never installs torch. Idempotent: apt-get runs only when a package is missing.
set -euo pipefail
py=${TRAIN_PYTHON:-/usr/bin/python3}
packages=(python3 python3-torch python3-onnx python3-pil)
installed() {
  # dpkg's status is instant; importing torch to find out takes seconds.
  if [ -z "${TRAIN_PYTHON:-}" ] && command -v dpkg-query >/dev/null 2>&1; then
    for p in "${packages[@]}"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
    done
    return 0
  fi
  [ -x "$py" ] && "$py" -c 'import torch, onnx, PIL' >/dev/null 2>&1
}
installed && exit 0
log() { printf '[setup-training] %s\n' "$*" >&2; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root for: $*"; exit 1
  fi
}
log "installing Debian packages: ${packages[*]}"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
