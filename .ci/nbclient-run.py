#!/usr/bin/env python3
"""Executes notebooks through the real Jupyter protocol (nbclient + the kit's kernelspec), in quick mode.

usage: JUPYTER_PATH=DIR python3 .ci/nbclient-run.py OUT_DIR notebooks/*.ipynb
Reports a cell error with the notebook, the cell number and the message (tslab sends no ename/evalue,
so the message is taken from the cell's stderr output) and a kernel that dies or does not start with
its reason; writes every notebook either way. Exit code 0: all ran; 1: a cell failed; 3: a kernel failed.
"""
import os
import sys
import time

import nbclient
import nbformat


def main(out_dir, paths):
    os.environ["TSDL_QUICK"] = "1"
    os.makedirs(out_dir, exist_ok=True)
    failed = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        # The kernel the notebook names (the kit's, after package.json), started like Jupyter does in
        # the notebook's own folder.
        client = nbclient.NotebookClient(nb, timeout=600, allow_errors=False,
                                         resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
        started = time.time()
        name = os.path.basename(path)
        try:
            client.execute()
            print(f"{name}: ok through Jupyter ({time.time() - started:.1f} s)", flush=True)
        except nbclient.exceptions.CellExecutionError as error:
            failed = max(failed, 1)
            # The failing cell is the last one that ran (later cells have no execution count).
            ran = [(i, c) for i, c in enumerate(nb.cells, start=1) if c.cell_type == "code" and c.get("execution_count")]
            index, cell = ran[-1] if ran else (0, None)
            text = "".join(o.get("text", "") for o in (cell.get("outputs", []) if cell else []) if o.get("name") == "stderr")
            print(f"{name}: cell {index} failed:\n{(text or str(error))[:4000]}", flush=True)
        except Exception as error:  # the kernel died or did not start: not a cell's error
            failed = 3
            print(f"{name}: the kernel failed ({type(error).__name__}): {str(error)[:4000]}", flush=True)
        # Written whatever happened, so what ran can be looked at.
        nbformat.write(nb, os.path.join(out_dir, name))
    return failed


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
