#!/usr/bin/env python3
"""Execute notebooks headlessly with Jupyter's own executor, and export them to
self-contained offline HTML.

Runs under Debian's python3 (the one that has nbclient and nbconvert); called by
scripts/main.ts, which orchestrates the whole report.

  notebooks.py [--parent-pid PID] execute IN.ipynb OUT.ipynb [--timeout S]
      Executes every cell with the notebook's kernel (tslab), cwd = the notebook's
      folder. Each cell's start and the kernel's printed output are echoed to the
      terminal as they arrive, so long work shows its progress. On a failing cell it
      writes the partly executed notebook to OUT, prints which notebook and which cell
      failed with the error, and exits 1.

  notebooks.py trust IN.ipynb
      Validates the executed notebook (after the main job added its chart images) and
      signs it in this machine's Jupyter trust database, so JupyterLab and the classic
      Notebook run its chart scripts here; elsewhere it opens untrusted and shows the
      charts' picture fallbacks until the user trusts it.

Stopping: SIGINT, SIGTERM and SIGHUP stop the kernel's whole process group (SIGTERM, then
SIGKILL after a grace period), remove this process's temporary file, print one line and
exit 128 + the signal number; no executed notebook is written. A watchdog thread does the
same when this process's parent (the main job) dies, even by SIGKILL: it notices that
the parent pid changed. The kernel itself exits when this process dies (lib/core/watchdog.ts
watches JPY_PARENT_PID, which jupyter_client sets to this process's pid).

  notebooks.py html IN.ipynb OUT.html --katex DIR [--meta HTML]
      Exports with the offline template in scripts/nbconvert/offline: no require.js,
      no MathJax CDN; KaTeX (from the katex npm package in DIR) is inlined with its fonts.
"""
import argparse
import asyncio
import atexit
import base64
import hashlib
import os
import re
import secrets
import signal
import socket
import sys
import threading
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

HERE = os.path.dirname(os.path.abspath(__file__))


def _read(path, default=""):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return default


def temp_tag():
    """The writer tag of lib/core/liveness.ts: <pid>_<start ticks>_<machine id>_<random>, so the
    main job can tell whether the writer of a leftover temporary file is dead."""
    try:
        pidns = os.readlink("/proc/self/ns/pid")
    except OSError:
        pidns = ""
    machine = hashlib.sha256("\n".join([socket.gethostname(), _read("/proc/sys/kernel/random/boot_id"), pidns]).encode()).hexdigest()[:12]
    stat = _read(f"/proc/{os.getpid()}/stat")
    start = stat[stat.rfind(")") + 2:].split(" ")[19] if stat else "0"
    return f"{os.getpid()}_{start}_{machine}_{secrets.token_hex(3)}"


# What a signal handler must clean up: the client whose kernel runs, the temporary file being written.
CURRENT = {"client": None, "tmp": None, "label": None, "parent": None}


def write_atomic(path, text):
    d, base = os.path.split(os.path.abspath(path))
    tmp = os.path.join(d, f".{base}.~{temp_tag()}.tmp")
    CURRENT["tmp"] = tmp
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        CURRENT["tmp"] = None


def kill_kernel(client, grace=3.0):
    """SIGTERM to the kernel's process group, SIGKILL after `grace` seconds if it is still there."""
    prov = getattr(getattr(client, "km", None), "provisioner", None)
    proc = getattr(prov, "process", None)
    if proc is None:
        return
    pgid = getattr(prov, "pgid", None) or proc.pid

    def send(sig):
        try:
            os.killpg(pgid, sig)
        except OSError:
            try:
                proc.send_signal(sig)
            except OSError:
                pass

    send(signal.SIGTERM)
    t0 = time.time()
    while proc.poll() is None and time.time() - t0 < grace:
        time.sleep(0.05)
    send(signal.SIGKILL)
    try:
        proc.wait(timeout=5)
    except Exception:
        pass
    # Remove the connection file by hand: jupyter_client's cleanup would run its event loop
    # inside this signal handler and resume the interrupted execution.
    conn = getattr(client.km, "connection_file", None)
    if conn and os.path.exists(conn):
        try:
            os.unlink(conn)
        except OSError:
            pass


def stop(signum, _frame=None):
    """Signal handler: stop the kernel, remove our temporary file, say so in one line, exit."""
    name = signal.Signals(signum).name
    client = CURRENT["client"]
    if client is not None:
        kill_kernel(client)
    tmp = CURRENT["tmp"]
    if tmp and os.path.exists(tmp):
        os.unlink(tmp)
    # The main job says what was finished; alone (run by hand, or the job is gone) we say it.
    if CURRENT["parent"] is None or os.getppid() != CURRENT["parent"]:
        label = CURRENT["label"] or "notebooks.py"
        print(f"[{label}] stopped by {name}: kernel stopped, no executed notebook written", file=sys.stderr, flush=True)
    os._exit(128 + signum)


def watch_parent(expected=None, interval=0.5):
    """Stop (as on SIGTERM) when the parent process dies: its pid is then no longer our parent.
    `expected` is the parent's pid as the parent gave it (--parent-pid), in case it died before we looked."""
    parent = os.getppid()
    CURRENT["parent"] = expected
    expected = parent if expected is None else expected

    def loop():
        while True:
            if os.getppid() != parent or parent != expected:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(interval)

    threading.Thread(target=loop, name="parent-watchdog", daemon=True).start()


def install_stop_handlers(parent_pid=None):
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    watch_parent(parent_pid)


class EchoClient(NotebookClient):
    """nbclient that echoes progress and the kernel's printed output to the terminal."""

    def __init__(self, nb, label, **kw):
        super().__init__(nb, **kw)
        self.label = label
        self.current = None
        self.started = 0.0
        self.on_cell_start = self._cell_start
        self.on_cell_executed = self._cell_done

    async def async_start_new_kernel(self, **kwargs):
        # nbclient has just put its own SIGINT/SIGTERM handlers on the event loop: they
        # shut the kernel down and then fail in nbclient's own cleanup. Ours replace them.
        loop = asyncio.get_event_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            try:
                loop.add_signal_handler(sig, stop, sig)
            except (RuntimeError, NotImplementedError):
                pass
        await super().async_start_new_kernel(**kwargs)

    def _code_cells(self):
        return [i for i, c in enumerate(self.nb.cells) if c.cell_type == "code"]

    def _cell_start(self, cell, cell_index):
        self.current = cell_index
        self.started = time.time()
        if cell.cell_type != "code":
            return
        code = self._code_cells()
        k = code.index(cell_index) + 1 if cell_index in code else 0
        first = next((l for l in cell.source.splitlines() if l.strip()), "")
        print(f"[{self.label}] cell {cell_index + 1}/{len(self.nb.cells)} (code {k}/{len(code)}): {first[:80]}", flush=True)

    def _cell_done(self, cell, cell_index, execute_reply):
        dt = time.time() - self.started
        if dt >= 2:
            print(f"[{self.label}]   cell {cell_index + 1} took {dt:.1f}s", flush=True)

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "stream":
            for line in msg["content"]["text"].splitlines():
                print(f"[{self.label}]   | {line}", flush=True)
        return super().output(outs, msg, display_id, cell_index)


def error_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}".strip(": "))
            parts.extend(re.sub(r"\x1b\[[0-9;]*m", "", l) for l in out.get("traceback", []))
        elif out.get("output_type") == "stream" and out.get("name") == "stderr":
            parts.append(out.get("text", ""))
    text = "\n".join(p for p in parts if p).strip()
    return text or "(the kernel reported an error without a message)"


# A kernel that never answers its first kernel_info request is started again, up to
# this many times in all. tslab 1.0.22 can lose that race on a busy machine: a request
# that arrives while its zeromq sockets are still binding throws EBUSY inside the
# kernel, whose message loop then stops (seen here about once in a few dozen starts).
KERNEL_START_ATTEMPTS = 3
KERNEL_STARTUP_TIMEOUT = 30


def stop_kernel(client):
    """Shut down a client's kernel after a failed start, and drop nbclient's atexit hook."""
    km = getattr(client, "km", None)
    if km is not None:
        try:
            km.shutdown_kernel(now=True)
        except Exception:  # the kernel may already be gone
            pass
    atexit.unregister(client._cleanup_kernel)


def execute(src, dst, timeout):
    label = os.path.splitext(os.path.basename(src))[0]
    CURRENT["label"] = label
    t0 = time.time()
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        nb = nbformat.read(src, as_version=4)
        kernel = nb.metadata.get("kernelspec", {}).get("name", "tslab")
        client = EchoClient(
            nb,
            label,
            timeout=timeout,
            startup_timeout=KERNEL_STARTUP_TIMEOUT,
            kernel_name=kernel,
            resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
            record_timing=True,
        )
        failure = None
        CURRENT["client"] = client
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError, DeadKernelError, RuntimeError) as e:
            failure = e
        started = client.current is not None
        if failure is not None and not started and attempt < KERNEL_START_ATTEMPTS:
            print(f"[{label}] the {kernel} kernel did not start ({str(failure).splitlines()[0]}); starting it again "
                  f"(attempt {attempt + 1} of {KERNEL_START_ATTEMPTS})", file=sys.stderr, flush=True)
            stop_kernel(client)
            continue
        break
    write_atomic(dst, nbformat.writes(nb))
    if failure is None:
        print(f"[{label}] executed {len(nb.cells)} cells in {time.time() - t0:.1f}s -> {dst}", flush=True)
        return 0
    idx = client.current if client.current is not None else -1
    if 0 <= idx < len(nb.cells):
        cell = nb.cells[idx]
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        first = next((l for l in cell.source.splitlines() if l.strip()), "")
        detail = error_text(cell)
        if isinstance(failure, CellTimeoutError):
            detail = f"timed out after {timeout}s\n{detail}"
        elif isinstance(failure, DeadKernelError):
            detail = f"the kernel died\n{detail}"
        where = f"cell {idx + 1} (code cell {code.index(idx) + 1 if idx in code else '?'}), starting `{first.strip()}`"
    else:
        where, detail = "before the first cell", str(failure)
    print(f"\nFAILED: {src}: {where}\n{detail}\n(partly executed notebook written to {dst})", file=sys.stderr, flush=True)
    return 1


def katex_resources(katex_dir):
    dist = os.path.join(katex_dir, "dist")
    with open(os.path.join(dist, "katex.min.css"), encoding="utf-8") as f:
        css = f.read()

    def inline_font(m):
        name = m.group(1)
        with open(os.path.join(dist, "fonts", name + ".woff2"), "rb") as f:
            data = base64.b64encode(f.read()).decode("ascii")
        return f'url(data:font/woff2;base64,{data}) format("woff2")'

    css = re.sub(r'url\(fonts/([A-Za-z0-9_-]+)\.woff2\) format\("woff2"\)(?:,\s*url\(fonts/[^)]+\) format\("[^"]+"\))*', inline_font, css)
    if "url(fonts/" in css:
        raise SystemExit(f"katex css in {dist} refers to fonts in a layout this exporter does not know")
    with open(os.path.join(dist, "katex.min.js"), encoding="utf-8") as f:
        js = f.read()
    with open(os.path.join(dist, "contrib", "auto-render.min.js"), encoding="utf-8") as f:
        auto = f.read()
    safe = lambda s: s.replace("</script", "<\\/script")
    return {"katex_css": css, "katex_js": safe(js), "katex_auto_render_js": safe(auto)}


def html(src, dst, katex_dir, meta_html):
    from nbconvert import HTMLExporter

    nb = nbformat.read(src, as_version=4)
    exporter = HTMLExporter(template_name="offline", extra_template_basedirs=[os.path.join(HERE, "nbconvert")])
    name = nb.metadata.get("title") or os.path.splitext(os.path.basename(src))[0]
    resources = {"metadata": {"name": name}, "metarl": katex_resources(katex_dir)}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    if meta_html:
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + meta_html, body, count=1)
    write_atomic(dst, body)
    print(f"[{os.path.splitext(os.path.basename(src))[0]}] html -> {dst} ({len(body) / 1e6:.1f} MB)", flush=True)
    return 0


def trust(src):
    from nbformat.sign import NotebookNotary

    label = os.path.splitext(os.path.basename(src))[0]
    nb = nbformat.read(src, as_version=4)
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as e:
        print(f"{src}: not a valid nbformat 4 notebook: {e.message}", file=sys.stderr, flush=True)
        return 1
    try:
        notary = NotebookNotary()
        notary.sign(nb)
        print(f"[{label}] trusted on this machine ({notary.db_file})", flush=True)
    except Exception as e:  # a read-only home: the notebook stays untrusted, which is not an error
        print(f"[{label}] could not sign the notebook ({e}); it opens untrusted and shows the chart pictures", flush=True)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--parent-pid", type=int, default=None, help="pid of the main job (stop when it is gone)")
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("execute")
    e.add_argument("src")
    e.add_argument("dst")
    e.add_argument("--timeout", type=int, default=4 * 3600)
    t = sub.add_parser("trust")
    t.add_argument("src")
    h = sub.add_parser("html")
    h.add_argument("src")
    h.add_argument("dst")
    h.add_argument("--katex", required=True)
    h.add_argument("--meta", default="")
    a = p.parse_args()
    install_stop_handlers(a.parent_pid)
    if a.cmd == "execute":
        return execute(a.src, a.dst, a.timeout)
    if a.cmd == "trust":
        return trust(a.src)
    return html(a.src, a.dst, a.katex, a.meta)


if __name__ == "__main__":
    sys.exit(main())
