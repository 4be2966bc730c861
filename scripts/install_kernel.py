#!/usr/bin/env python3
"""Install a checkout's tslab kernel spec and Jupyter server config into its Jupyter
environment (called by scripts/setup.sh with .venv/bin/python).

  install_kernel.py ROOT [--prefix PREFIX]

writes, only where the content changed,
  PREFIX/share/jupyter/kernels/tslab/kernel.json
      kernel `tslab`, display name "TypeScript (metarl-lab at ROOT)", running
      ROOT/node_modules/.bin/tslab;
  PREFIX/etc/jupyter/jupyter_server_config.py, jupyter_notebook_config.py
      a copy of scripts/jupyter_config.py (this checkout's trust database).
PREFIX defaults to this Python's sys.prefix (the venv). Nothing is written outside it:
another clone has its own venv and its own spec, and no user-wide or machine-wide
kernel spec is touched.

The kernel is named `tslab`, as tslab names it and as every notebook's metadata says, so
a notebook opens with the kernel of whichever checkout's Jupyter opens it. Jupyter finds
it before a user-wide or machine-wide `tslab`: in a venv, jupyter_core (5.x) searches the
environment first, and our launchers set JUPYTER_PREFER_ENV_PATH=1 for older versions.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KERNEL_NAME = "tslab"


def kernel_spec(root):
    return {
        "argv": [os.path.join(root, "node_modules", ".bin", "tslab"), "kernel", "--config-path", "{connection_file}"],
        "display_name": f"TypeScript (metarl-lab at {root})",
        "language": "typescript",
        "metadata": {"metarl": {"checkout": root}},
    }


def write_if_changed(path, text):
    """Write atomically when the content differs; True when it wrote."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return False
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return True


def install(root, prefix):
    spec = kernel_spec(root)
    wrote = write_if_changed(os.path.join(prefix, "share", "jupyter", "kernels", KERNEL_NAME, "kernel.json"), json.dumps(spec, indent=1) + "\n")
    with open(os.path.join(HERE, "jupyter_config.py"), encoding="utf-8") as f:
        config = f.read()
    for name in ("jupyter_server_config.py", "jupyter_notebook_config.py"):
        write_if_changed(os.path.join(prefix, "etc", "jupyter", name), config)
    return spec, wrote


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("root", help="the checkout whose tslab the kernel runs")
    p.add_argument("--prefix", default=sys.prefix, help="the Jupyter environment (default: this Python's sys.prefix)")
    a = p.parse_args()
    root = os.path.abspath(a.root)
    tslab = os.path.join(root, "node_modules", ".bin", "tslab")
    if not os.access(tslab, os.X_OK):
        print(f"install_kernel.py: {tslab} is not an executable file (run npm ci in {root})", file=sys.stderr)
        return 1
    spec, wrote = install(root, os.path.abspath(a.prefix))
    if wrote:
        print(f"[setup] kernel spec {KERNEL_NAME} in {a.prefix}: {spec['display_name']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
