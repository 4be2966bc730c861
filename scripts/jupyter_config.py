# Jupyter server configuration of this checkout's Jupyter environment. scripts/setup.sh
# copies it to .venv/etc/jupyter/ as jupyter_server_config.py (JupyterLab) and
# jupyter_notebook_config.py (the classic Notebook of the Debian fallback); only the
# Jupyter of this checkout's .venv reads it.
import os
import sys
import warnings

c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)

# Trust: notebooks are signed in this checkout's own signature database (the main job
# signs its executed notebooks there, scripts/notebooks.py), never in the user's global
# one. LAB_TRUST_DIR points a run (e.g. a test) at another folder.
trust_dir = os.environ.get("LAB_TRUST_DIR") or os.path.join(sys.prefix, "share", "jupyter", "trust")
os.makedirs(trust_dir, mode=0o700, exist_ok=True)
c.NotebookNotary.db_file = os.path.join(trust_dir, "nbsignatures.db")
c.NotebookNotary.secret_file = os.path.join(trust_dir, "notebook_secret")


def keep_kernelspec_portable(model, **kwargs):
    """Save the tslab kernel spec under its plain display name.

    This checkout's kernel spec is called "TypeScript (metarl-lab at <checkout>)" so the
    kernel menu says which checkout runs; JupyterLab copies that name into a notebook's
    metadata when it starts the kernel. Saving it would put a local path into the
    committed notebooks, so the notebook keeps "TypeScript", as tslab's own spec says.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    spec = model["content"].get("metadata", {}).get("kernelspec")
    if isinstance(spec, dict) and spec.get("name") == "tslab":
        spec["display_name"] = "TypeScript"


c.ContentsManager.pre_save_hook = keep_kernelspec_portable
# The server applies its config to the contents manager again when an extension (JupyterLab)
# loads, and traitlets then warns "Overriding existing pre_save_hook" about the same hook.
warnings.filterwarnings("ignore", message="Overriding existing pre_save_hook", category=UserWarning)
