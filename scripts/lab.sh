#!/usr/bin/env bash
# `npm run lab`: JupyterLab from this checkout's .venv, opened on notebooks/, with this
# checkout's tslab TypeScript kernel as the kernel of new notebooks; prints the URL with
# its token. The server's root is the checkout, so reports/ (the main job's executed,
# trusted notebooks) opens too. In the Debian fallback (no JupyterLab) it starts the
# classic Notebook instead.
#   LAB_PORT      port (default: 8888, or the next free one up to 8988)
#   LAB_IP        address to listen on (default 127.0.0.1; see the README for a remote machine)
#   JUPYTER_TOKEN the login token (default: a new random one)
# Extra arguments go to Jupyter, e.g. `npm run lab -- --no-browser`.
set -euo pipefail
# A relative LAB_DATA_DIR means the folder where the user ran this, not the kernel's
# working directory (the notebook's folder): make it absolute before leaving.
if [ -n "${LAB_DATA_DIR:-}" ] && [ "${LAB_DATA_DIR#/}" = "$LAB_DATA_DIR" ]; then
  export LAB_DATA_DIR="$PWD/$LAB_DATA_DIR"
fi
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VPY="$ROOT/.venv/bin/python"
die() { printf '[lab] error: %s\n' "$*" >&2; exit 1; }
[ -x "$VPY" ] || die "no Jupyter environment in $ROOT/.venv: run \"npm run setup\""

ip=${LAB_IP:-127.0.0.1}
if [ -n "${LAB_PORT:-}" ]; then
  [[ "$LAB_PORT" =~ ^[1-9][0-9]{0,4}$ ]] && [ "$LAB_PORT" -le 65535 ] || die "LAB_PORT must be a port number (1-65535), got \"$LAB_PORT\""
  port=$LAB_PORT
else
  port=$("$VPY" - "$ip" <<'PY'
import socket, sys
for port in range(8888, 8989):
    with socket.socket() as s:
        try:
            s.bind((sys.argv[1], port))
        except OSError:
            continue
        print(port)
        break
PY
)
  [ -n "$port" ] || die "no free port in 8888-8988 on $ip: set LAB_PORT"
fi
token=${JUPYTER_TOKEN:-$("$VPY" -c 'import secrets; print(secrets.token_hex(24))')}

export JUPYTER_PREFER_ENV_PATH=1
export PATH="$ROOT/node_modules/.bin:$PATH"
args=(--ip="$ip" --port="$port" --port-retries=0)
[ "$(id -u)" = "0" ] && args+=(--allow-root)
host=$ip
[ "$ip" = "0.0.0.0" ] && host=$(hostname)
if "$VPY" -c 'import jupyterlab' >/dev/null 2>&1; then
  url="http://$host:$port/lab/tree/notebooks?token=$token"
  echo "[lab] JupyterLab on notebooks/ with the TypeScript kernel of $ROOT:"
  echo "[lab]   $url"
  exec "$VPY" -m jupyterlab "${args[@]}" \
    --ServerApp.root_dir="$ROOT" --ServerApp.default_url=/lab/tree/notebooks \
    --IdentityProvider.token="$token" \
    --MappingKernelManager.default_kernel_name=tslab "$@"
else
  url="http://$host:$port/tree/notebooks?token=$token"
  echo "[lab] JupyterLab is not installed (setup fell back to Debian's packages); the classic Notebook on notebooks/ with the TypeScript kernel of $ROOT:"
  echo "[lab]   $url"
  exec "$VPY" -m notebook "${args[@]}" \
    --NotebookApp.notebook_dir="$ROOT" --NotebookApp.default_url=/tree/notebooks \
    --NotebookApp.token="$token" \
    --MappingKernelManager.default_kernel_name=tslab "$@"
fi
