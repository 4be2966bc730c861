#!/usr/bin/env bash
# Sets up whatever is missing for the lab; running it again is harmless and quick.
#   1. Node.js >= 20 (checked, not installed)
#   2. Debian packages: Jupyter's executor and exporter (jupyter-notebook,
#      python3-nbconvert) and Chromium (chromium, fonts-liberation) for static chart
#      images and browser tests (skipped when CHROMIUM_PATH names your own Chromium);
#      redis-server for the queue test and multi-machine sweeps.
#      Installed with apt-get when we are root on Debian; otherwise we print the command.
#   3. npm dependencies (npm ci on a fresh clone), which also builds dist/ (the compiled
#      lib/ that notebooks import, and the minified plotly.js bundle)
#   4. an up-to-date build of dist/
#   5. the tslab kernel spec, pointing at this checkout's tslab
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# 1. Node.js
command -v node >/dev/null 2>&1 || die "Node.js is not installed: install Node.js 20 or newer (https://nodejs.org)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js $(node -v) is too old: the lab needs Node.js 20 or newer"

# 2. Debian packages
PY=/usr/bin/python3
missing=()
if ! { [ -x "$PY" ] && "$PY" -c 'import nbclient, nbconvert, jupyter_client, notebook' >/dev/null 2>&1; }; then
  missing+=(jupyter-notebook python3-nbconvert)
fi
# Chromium renders the chart images and runs the browser test (CHROMIUM_PATH: your own).
if [ -z "${CHROMIUM_PATH:-}" ]; then
  if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
    missing+=(chromium)
  fi
  # Chromium only recommends these fonts; without them charts fall back to a wider font.
  if [ -d /usr/share/doc ] && [ ! -d /usr/share/fonts/truetype/liberation ] && command -v apt-get >/dev/null 2>&1; then
    missing+=(fonts-liberation)
  fi
elif [ ! -x "$CHROMIUM_PATH" ]; then
  die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file"
fi
# --- Redis (Debian's redis-server) for the queue test and sweeps on many machines. ---
# Optional: installed when we can (root on Debian), else only noted (the test skips, saying
# how to install it). On a Debian with systemd, installing it also starts a system Redis
# on 127.0.0.1:6379; the test starts its own on a free port.
if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    missing+=(redis-server)
  else
    say "note: redis-server is not installed; the Redis queue test will be skipped (install: sudo apt-get install -y redis-server)"
  fi
fi
# --- end Redis ---
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q "${missing[@]}" >/dev/null
  else
    die "missing Debian packages: ${missing[*]}. Install them with:
    sudo apt-get install -y ${missing[*]}
then run this command again."
  fi
fi
"$PY" -c 'import nbclient, nbconvert' >/dev/null 2>&1 || die "$PY cannot import nbclient and nbconvert even after installing them"

# 3. npm dependencies (and, through "prepare", the build)
if [ ! -d node_modules ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
elif [ package.json -nt node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "package.json changed: npm install"
  npm install --no-audit --no-fund
fi

# 4. the build (incremental: quick when nothing changed)
npx --no-install tsc -p tsconfig.json
node scripts/build-assets.js

# 5. the tslab kernel spec
TSLAB="$ROOT/node_modules/.bin/tslab"
current=$("$PY" - <<'PY' 2>/dev/null || true
from jupyter_client.kernelspec import KernelSpecManager
try:
    print(KernelSpecManager().get_kernel_spec("tslab").argv[0])
except Exception:
    pass
PY
)
if [ "$current" != "$TSLAB" ]; then
  say "registering the tslab kernel (binary: $TSLAB)"
  if [ "$(id -u)" = "0" ]; then
    "$TSLAB" install --python="$PY" --binary="$TSLAB" >/dev/null
  else
    "$TSLAB" install --python="$PY" --binary="$TSLAB" --user >/dev/null
  fi
fi
say "ready: node $(node -v), $("$PY" -c 'import nbconvert, nbclient; print(f"nbconvert {nbconvert.__version__}, nbclient {nbclient.__version__}")'), tslab kernel -> $TSLAB"
