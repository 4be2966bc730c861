#!/usr/bin/env bash
# Sets up whatever is missing for the lab; running it again is harmless and quick.
#   1. Node.js >= 20 (checked, not installed)
#   2. Debian packages: Chromium (chromium, fonts-liberation) for static chart images and
#      the browser tests (skipped when CHROMIUM_PATH names your own Chromium), and
#      python3-venv when the Python we use cannot make a virtual environment, and
#      redis-server for the queue test and multi-machine sweeps. Installed with apt-get
#      when we are root on Debian; otherwise we print the command.
#   3. the Jupyter environment .venv/ (git-ignored): JupyterLab, nbclient and nbconvert at
#      the versions pinned in scripts/jupyter-requirements.txt, from pip's configured index
#      (pip is skipped when those versions are installed). Where pip reaches no index, a
#      venv over Debian's jupyter-notebook and python3-nbconvert instead (no JupyterLab).
#      Python: LAB_PYTHON, else python3 on PATH, else /usr/bin/python3 (3.10 or newer).
#   4. npm dependencies (npm ci on a fresh clone), which also builds dist/ (the compiled
#      lib/ that notebooks import, and the minified plotly.js bundle)
#   5. an up-to-date build of dist/
#   6. inside .venv: the tslab kernel spec of this checkout ("TypeScript (metarl-lab at
#      <checkout>)", running this checkout's node_modules/.bin/tslab) and the server
#      config (scripts/jupyter_config.py: this checkout's trust database)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
VPY="$VENV/bin/python"
REQUIREMENTS="$ROOT/scripts/jupyter-requirements.txt"
FALLBACK_MARK="$VENV/metarl-debian-fallback"
say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = "0" ]; }
can_apt() { is_root && command -v apt-get >/dev/null 2>&1; }
apt_install() {
  say "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "$@" >/dev/null
}

# 1. Node.js
command -v node >/dev/null 2>&1 || die "Node.js is not installed: install Node.js 20 or newer (https://nodejs.org)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js $(node -v) is too old: the lab needs Node.js 20 or newer"

# The Python that makes .venv: the first of LAB_PYTHON, python3, /usr/bin/python3 that is
# 3.10 or newer (JupyterLab 4.6 needs 3.10), as its real path (not a pyenv shim).
base_python() {
  local p exe
  for p in "${LAB_PYTHON:-}" python3 /usr/bin/python3; do
    [ -n "$p" ] && command -v "$p" >/dev/null 2>&1 || continue
    exe=$("$p" -c 'import sys; print(sys.executable if sys.version_info >= (3, 10) else "")' 2>/dev/null || true)
    if [ -n "$exe" ] && [ -x "$exe" ]; then
      echo "$exe"
      return 0
    fi
    [ "$p" = "${LAB_PYTHON:-}" ] && return 2
  done
  return 1
}
if [ -n "${LAB_PYTHON:-}" ] && ! command -v "$LAB_PYTHON" >/dev/null 2>&1; then
  die "LAB_PYTHON=$LAB_PYTHON is not an executable (set it to a Python 3.10 or newer, or unset it)"
fi

# The venv is up to date when its Python runs and has every pinned version.
venv_matches() {
  [ -x "$VPY" ] && [ ! -e "$FALLBACK_MARK" ] && "$VPY" - "$REQUIREMENTS" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, want = line.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
}

# 2. Debian packages
missing=()
# Chromium renders the chart images and runs the browser tests (CHROMIUM_PATH: your own).
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
PYBASE=""
if [ -e "$FALLBACK_MARK" ]; then
  :  # the Debian fallback: its venv needs no pip (see 3.)
elif ! venv_matches; then
  rc=0; PYBASE=$(base_python) || rc=$?
  [ "$rc" = 2 ] && die "LAB_PYTHON=$LAB_PYTHON is not Python 3.10 or newer (JupyterLab 4.6 needs 3.10)"
  [ "$rc" = 0 ] || die "no Python 3.10 or newer found (tried python3 and /usr/bin/python3; LAB_PYTHON names another): install python3 (Debian: apt-get install -y python3 python3-venv)"
  # Debian ships venv's pip bootstrap (ensurepip) in a separate package.
  if ! "$PYBASE" -c 'import venv, ensurepip; ensurepip.version()' >/dev/null 2>&1; then
    case "$PYBASE" in
      /usr/bin/*) missing+=(python3-venv) ;;
      *) die "$PYBASE cannot create a virtual environment with pip (its ensurepip module is missing); set LAB_PYTHON to a Python that can" ;;
    esac
  fi
fi
# Redis (Debian's redis-server) for the queue test and sweeps on many machines.
# Optional: installed when we can (root on Debian), else only noted (the test skips, saying
# how to install it). On a Debian with systemd, installing it also starts a system Redis
# on 127.0.0.1:6379; the test starts its own on a free port.
if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
  if can_apt; then
    missing+=(redis-server)
  else
    say "note: redis-server is not installed; the Redis queue test will be skipped (install: sudo apt-get install -y redis-server)"
  fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  if can_apt; then
    apt_install "${missing[@]}"
  else
    die "missing Debian packages: ${missing[*]}. Install them with:
    sudo apt-get install -y ${missing[*]}
then run this command again."
  fi
fi

# 3. The Jupyter environment
if [ -e "$FALLBACK_MARK" ]; then
  say "Jupyter: Debian's packages in .venv, no JupyterLab (pip reached no package index when .venv was made; delete .venv to try pip again)"
elif ! venv_matches; then
  if [ ! -x "$VPY" ] || ! "$VPY" -c 'import pip' >/dev/null 2>&1; then
    rm -rf "$VENV"
    "$PYBASE" -m venv "$VENV" || die "$PYBASE -m venv $VENV failed"
  fi
  pins=$(grep -v '^#' "$REQUIREMENTS" | grep . | tr '\n' ' ')
  say "installing the Jupyter environment into .venv with pip: $pins"
  t0=$(date +%s)
  log="${TMPDIR:-/tmp}/metarl-lab-pip-install.$$.log"
  # --timeout 5 --retries 0: an unreachable index fails in seconds instead of minutes.
  if "$VPY" -m pip install --disable-pip-version-check --no-input --timeout 5 --retries 0 -r "$REQUIREMENTS" >"$log" 2>&1; then
    say "Jupyter environment installed in $(( $(date +%s) - t0 ))s"
    rm -f "$log"
  else
    why=$(grep -E '^ERROR' "$log" | tail -n 1 || true)
    say "pip could not install the Jupyter environment (${why:-see $log}); falling back to Debian's jupyter-notebook and python3-nbconvert (classic Notebook, no JupyterLab)"
    if ! /usr/bin/python3 -c 'import nbclient, nbconvert, jupyter_client, notebook' >/dev/null 2>&1; then
      can_apt || die "pip reached no package index and Debian's Jupyter packages are missing: install them with
    sudo apt-get install -y jupyter-notebook python3-nbconvert
or make pip reach an index (see $log), then run this command again."
      apt_install jupyter-notebook python3-nbconvert
    fi
    rm -rf "$VENV"
    # A venv over Debian's Python that sees its packages: one place for the kernel spec
    # and the config, like the pip environment.
    /usr/bin/python3 -m venv --system-site-packages --without-pip "$VENV" || die "/usr/bin/python3 -m venv failed"
    touch "$FALLBACK_MARK"
  fi
fi
# (find_spec and package metadata: importing nbconvert costs seconds of CPU)
"$VPY" -c 'import importlib.util as u, sys; sys.exit(not all(u.find_spec(m) for m in ("nbclient", "nbconvert", "jupyter_client")))' >/dev/null 2>&1 ||
  die "$VPY cannot find nbclient, nbconvert and jupyter_client; delete .venv and run this command again"

# 4. npm dependencies (and, through "prepare", the build)
if [ ! -d node_modules ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
elif [ package.json -nt node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "package.json changed: npm install"
  npm install --no-audit --no-fund
fi

# 5. the build: skipped when no source is newer than the last build (tsc's incremental
# check alone still takes seconds of CPU)
buildinfo=dist/.tsbuildinfo
if [ ! -f "$buildinfo" ] || [ -n "$(find lib test scripts tsconfig.json package-lock.json -newer "$buildinfo" -name '*.ts' -o -newer "$buildinfo" -name '*.json' 2>/dev/null | head -n 1)" ]; then
  started=$(mktemp)
  npx --no-install tsc -p tsconfig.json
  touch -r "$started" "$buildinfo"  # the start time: a file edited during the build counts as newer
  rm -f "$started"
fi
node scripts/build-assets.js

# 6. the kernel spec and the server config, inside .venv only (other clones have their own)
TSLAB="$ROOT/node_modules/.bin/tslab"
"$VPY" scripts/install_kernel.py "$ROOT"

versions=$("$VPY" -c '
from importlib.metadata import version, PackageNotFoundError
try:
    lab = "JupyterLab " + version("jupyterlab")
except PackageNotFoundError:
    lab = "classic Notebook " + version("notebook")
print(lab + ", nbclient " + version("nbclient") + ", nbconvert " + version("nbconvert"))')
say "ready: node $(node -v); .venv: $versions; kernel tslab -> $TSLAB"
