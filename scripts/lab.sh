#!/usr/bin/env bash
# Start Jupyter on notebooks/ with the tslab kernel: JupyterLab when it is installed
# (`jupyter lab`), else the classic Notebook from Debian. Extra arguments go to Jupyter,
# e.g. `npm run lab -- --no-browser --port 8899`.
set -euo pipefail
# A relative LAB_DATA_DIR means the folder where the user ran this, not the kernel's
# working directory (the notebook's folder): make it absolute before leaving.
if [ -n "${LAB_DATA_DIR:-}" ] && [ "${LAB_DATA_DIR#/}" = "$LAB_DATA_DIR" ]; then
  export LAB_DATA_DIR="$PWD/$LAB_DATA_DIR"
fi
cd "$(dirname "$0")/.."
export PATH="$(pwd)/node_modules/.bin:$PATH"
args=(--notebook-dir="$(pwd)/notebooks")
[ "$(id -u)" = "0" ] && args+=(--allow-root)
if command -v jupyter-lab >/dev/null 2>&1; then
  exec jupyter-lab "${args[@]}" "$@"
elif /usr/bin/python3 -c 'import jupyterlab' >/dev/null 2>&1; then
  exec /usr/bin/python3 -m jupyterlab "${args[@]}" "$@"
else
  echo "[lab] JupyterLab is not installed; starting the classic Notebook (the notebooks work in both)"
  exec /usr/bin/python3 -m notebook "${args[@]}" "$@"
fi
