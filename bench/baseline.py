#!/usr/bin/python3
"""Baselines for bench/run.ts: the same MLP epoch and conv layer as the TypeScript benchmark, in
NumPy (hand-written backprop, float64 and float32) and PyTorch (hand-written backprop for the MLP,
autograd for the conv layer). Prints one JSON object on stdout; progress goes to stderr.

  /usr/bin/python3 bench/baseline.py [--budget SECONDS] [--runs N]
  /usr/bin/python3 bench/baseline.py --numpy-mlp float32/1   # serves NumPy steps to bench/run.ts's paired rounds

MLP: 784-256-10, ReLU, softmax cross-entropy, plain SGD (lr 0.01), batch 64, one epoch of 60k
samples of synthetic data shaped like MNIST. The NumPy/PyTorch steps skip the first layer's input
gradient, as a hand-written step would and as the library's first Linear does (inputGrad off). NumPy
is measured with OpenBLAS on 1 thread and on all cores (set through openblas_set_num_threads), with
its GEMM throughput on two of the library's GEMM table's shapes. Each configuration is timed as
`runs` runs of B consecutive batches; B is the whole epoch (938 batches) when that fits the time budget, otherwise
fewer, and the epoch time is the median run scaled to 938 batches ("fraction" says how much was run).
"""
import argparse
import contextlib
import ctypes
import io
import json
import math
import os
import platform
import sys
import time

SAMPLES, FEATURES, HIDDEN, CLASSES, BATCH = 60000, 784, 256, 10, 64
BATCHES = math.ceil(SAMPLES / BATCH)
CONV = dict(batch=64, in_channels=3, out_channels=32, size=32, kernel=3, padding=1)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def blas_info(np):
    """Which BLAS NumPy really runs: threadpoolctl if present, else the shared objects mapped into
    this process (plus OpenBLAS's own core name when it is OpenBLAS), numpy.show_config, the env."""
    info = {"env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}}
    try:
        import threadpoolctl  # noqa: F401

        info["threadpoolctl"] = threadpoolctl.threadpool_info()
    except ImportError:
        info["threadpoolctl"] = None
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path).lower()
                if any(s in name for s in ("blas", "lapack", "mkl", "blis", "flexiblas")):
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    info["loaded"] = sorted(libs)
    core = None
    for path in info["loaded"]:
        if "openblas" in os.path.basename(path).lower():
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_corename.restype = ctypes.c_char_p
                lib.openblas_get_config.restype = ctypes.c_char_p
                core = {"corename": lib.openblas_get_corename().decode(), "config": lib.openblas_get_config().decode()}
            except (OSError, AttributeError):
                pass
    info["openblas"] = core
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            np.show_config()
        except Exception as e:  # pragma: no cover - only informative
            print(f"show_config failed: {e}")
    info["numpy_config"] = buf.getvalue()[-2000:]
    names = " ".join(os.path.basename(p).lower() for p in info["loaded"])
    if core is not None:
        kind = f"OpenBLAS (core {core['corename']})"
    elif info["threadpoolctl"]:
        kind = ", ".join(f"{d.get('internal_api')} {d.get('version') or ''} ({d.get('architecture') or '?'})".strip() for d in info["threadpoolctl"])
    elif "mkl" in names:
        kind = "MKL"
    elif "blis" in names:
        kind = "BLIS"
    elif "openblas" in names:
        kind = "OpenBLAS"
    elif "/blas/libblas" in " ".join(info["loaded"]) or "libblas.so" in names:
        kind = "reference BLAS (netlib libblas3; no OpenBLAS installed)"
    else:
        kind = "unknown"
    info["kind"] = kind
    return info


def openblas_threads(info):
    """A setter for OpenBLAS's thread count (openblas_set_num_threads), or None when it is not OpenBLAS."""
    for path in info["loaded"]:
        if "openblas" in os.path.basename(path).lower():
            try:
                lib = ctypes.CDLL(path)
                # 64-bit-integer builds (e.g. scipy-openblas) suffix their symbols.
                for symbol in ("openblas_set_num_threads", "openblas_set_num_threads64_", "scipy_openblas_set_num_threads64_"):
                    if hasattr(lib, symbol):
                        fn = getattr(lib, symbol)
                        return lambda n: fn(ctypes.c_int(n))
            except OSError:
                pass
            return None
    return None


def numpy_gemm(np, dtype, m, n, k, seconds=1.0):
    """GFLOP/s of a @ b (m x k times k x n): the best of repeated timings over about `seconds`."""
    rng = np.random.default_rng(3)
    a = rng.random((m, k)).astype(dtype)
    b = rng.random((k, n)).astype(dtype)
    c = a @ b
    best = math.inf
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        for _ in range(5):
            np.matmul(a, b, out=c)
        best = min(best, (time.perf_counter() - t0) / 5)
    return 2 * m * n * k / best / 1e9


def synthetic(np):
    rng = np.random.default_rng(1)
    x32 = rng.random((SAMPLES, FEATURES), dtype=np.float32)
    labels = rng.integers(0, CLASSES, SAMPLES)
    return x32, labels


def timed_epochs(step_factory, budget, runs):
    """Epoch time from `runs` runs of B consecutive batches (B = all 938 when they fit the budget)."""
    probe = step_factory()
    t0 = time.perf_counter()
    for b in range(10):
        probe(b)
    per_batch = (time.perf_counter() - t0) / 10
    count = BATCHES if per_batch * BATCHES * runs <= budget else max(20, min(BATCHES, int(budget / runs / per_batch)))
    times = []
    for _ in range(runs):
        step = step_factory()
        t0 = time.perf_counter()
        for b in range(count):
            step(b)
        times.append((time.perf_counter() - t0) * BATCHES / count)
    times.sort()
    return {"median": times[len(times) // 2], "min": times[0], "max": times[-1], "runs": runs, "batches": count, "fraction": count / BATCHES}


def numpy_mlp(np, x32, labels, dtype):
    x_all = x32.astype(dtype)
    lr = dtype(0.01)

    def factory():
        rng = np.random.default_rng(2)
        w1 = (rng.standard_normal((FEATURES, HIDDEN)) * math.sqrt(2 / FEATURES)).astype(dtype)
        b1 = np.zeros(HIDDEN, dtype)
        w2 = (rng.standard_normal((HIDDEN, CLASSES)) * math.sqrt(2 / HIDDEN)).astype(dtype)
        b2 = np.zeros(CLASSES, dtype)

        def step(b):
            nonlocal w1, b1, w2, b2  # updated in place
            x = x_all[b * BATCH:(b + 1) * BATCH]
            y = labels[b * BATCH:(b + 1) * BATCH]
            n = x.shape[0]
            rows = np.arange(n)
            h = x @ w1 + b1
            a = np.maximum(h, 0)
            s = a @ w2 + b2
            s -= s.max(axis=1, keepdims=True)
            e = np.exp(s)
            p = e / e.sum(axis=1, keepdims=True)
            _loss = -np.log(p[rows, y]).mean()
            p[rows, y] -= 1
            p /= dtype(n)
            dw2 = a.T @ p
            db2 = p.sum(axis=0)
            da = p @ w2.T
            dh = da * (h > 0)
            dw1 = x.T @ dh
            db1 = dh.sum(axis=0)
            w1 -= lr * dw1
            b1 -= lr * db1
            w2 -= lr * dw2
            b2 -= lr * db2

        return step

    return factory


def torch_mlp(torch, x32, labels, dtype):
    x_all = torch.from_numpy(x32).to(dtype)
    y_all = torch.from_numpy(labels)

    def factory():
        g = torch.Generator().manual_seed(2)
        w1 = torch.randn(FEATURES, HIDDEN, generator=g, dtype=dtype) * math.sqrt(2 / FEATURES)
        b1 = torch.zeros(HIDDEN, dtype=dtype)
        w2 = torch.randn(HIDDEN, CLASSES, generator=g, dtype=dtype) * math.sqrt(2 / HIDDEN)
        b2 = torch.zeros(CLASSES, dtype=dtype)

        @torch.no_grad()
        def step(b):
            x = x_all[b * BATCH:(b + 1) * BATCH]
            y = y_all[b * BATCH:(b + 1) * BATCH]
            n = x.shape[0]
            rows = torch.arange(n)
            h = torch.addmm(b1, x, w1)
            a = torch.relu(h)
            s = torch.addmm(b2, a, w2)
            p = torch.softmax(s, dim=1)
            _loss = -torch.log(p[rows, y]).mean()
            p[rows, y] -= 1
            p /= n
            dw2 = a.T @ p
            db2 = p.sum(0)
            da = p @ w2.T
            dh = da * (h > 0)
            dw1 = x.T @ dh
            db1 = dh.sum(0)
            w1.sub_(dw1, alpha=0.01)
            b1.sub_(db1, alpha=0.01)
            w2.sub_(dw2, alpha=0.01)
            b2.sub_(db2, alpha=0.01)

        return step

    return factory


def torch_conv(torch, dtype, runs):
    torch.manual_seed(4)
    conv = torch.nn.Conv2d(CONV["in_channels"], CONV["out_channels"], CONV["kernel"], padding=CONV["padding"]).to(dtype)
    x = torch.randn(CONV["batch"], CONV["in_channels"], CONV["size"], CONV["size"], dtype=dtype, requires_grad=True)
    dout = torch.randn(CONV["batch"], CONV["out_channels"], CONV["size"], CONV["size"], dtype=dtype)

    def once():
        conv.zero_grad(set_to_none=True)
        x.grad = None
        conv(x).backward(dout)  # dW, db and dx, like the library's Conv2d.backward

    for _ in range(2):
        once()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        once()
        times.append(time.perf_counter() - t0)
    times.sort()
    return {"median": times[len(times) // 2], "min": times[0], "max": times[-1], "runs": runs}


def paired_numpy(args):
    """Serves one configuration of NumPy's MLP steps to bench/run.ts's paired rounds, which alternate
    them with the library's steps so that both sides of each ratio see the same machine: prints
    "ready", then for each line "N" on stdin runs the next N batches of the epoch (one model, batches
    in order, wrapping around) and prints their seconds; an empty line or end of input stops."""
    import numpy as np

    name, threads = args.numpy_mlp.split("/")
    dt = {"float64": np.float64, "float32": np.float32}[name]
    set_threads = openblas_threads(blas_info(np))
    if set_threads is not None and threads != "default":
        set_threads(int(threads))
    x32, labels = synthetic(np)
    step = numpy_mlp(np, x32, labels, dt)()
    for b in range(10):
        step(b)
    print("ready", flush=True)
    batch = 0
    for line in sys.stdin:
        if not line.strip():
            break
        count = int(line)
        t0 = time.perf_counter()
        for _ in range(count):
            step(batch)
            batch = (batch + 1) % BATCHES
        print(time.perf_counter() - t0, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=9.0, help="seconds of timed work per MLP configuration")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--numpy-mlp", metavar="DTYPE/THREADS", help="serve NumPy's MLP steps in this configuration to the paired rounds (see paired_numpy)")
    args = ap.parse_args()
    if args.numpy_mlp:
        paired_numpy(args)
        return
    out = {"python": platform.python_version(), "cpus": os.cpu_count(), "numpy": None, "torch": None, "errors": []}
    try:
        import numpy as np
    except ImportError as e:
        out["errors"].append(f"numpy is not installed ({e})")
        print(json.dumps(out))
        return
    out["numpy"] = {"version": np.__version__, "blas": blas_info(np), "mlp": {}}
    log(f"numpy {np.__version__}: {out['numpy']['blas']['kind']}")
    x32, labels = synthetic(np)
    # OpenBLAS's thread count is set per configuration (1 and all cores), as PyTorch's is below:
    # with its default (all cores) its float64 epochs here were bimodal (0.6 s or 10 s).
    set_threads = openblas_threads(out["numpy"]["blas"])
    counts = sorted({1, os.cpu_count() or 1}) if set_threads is not None else [None]
    out["numpy"]["gemm"] = {}
    for threads in counts:
        if set_threads is not None:
            set_threads(threads)
        tag = "default" if threads is None else str(threads)
        for name, dt in (("float64", np.float64), ("float32", np.float32)):
            log(f"numpy MLP epoch {name}, {tag} thread(s) ...")
            out["numpy"]["mlp"][f"{name}/{tag}"] = timed_epochs(numpy_mlp(np, x32, labels, dt), args.budget, args.runs)
            out["numpy"]["gemm"][f"{name}/{tag}"] = {
                "512x512x512": numpy_gemm(np, dt, 512, 512, 512),
                "64x256x784": numpy_gemm(np, dt, 64, 256, 784),
            }
    try:
        import torch
    except ImportError as e:
        out["errors"].append(f"torch is not installed ({e})")
        print(json.dumps(out))
        return
    default_threads = torch.get_num_threads()
    out["torch"] = {"version": torch.__version__, "default_threads": default_threads, "mlp": {}, "conv": {}}
    thread_counts = sorted({1, os.cpu_count() or 1})
    for threads in thread_counts:
        torch.set_num_threads(threads)
        for name, dt in (("float64", torch.float64), ("float32", torch.float32)):
            log(f"torch MLP epoch {name}, {threads} thread(s) ...")
            out["torch"]["mlp"][f"{name}/{threads}"] = timed_epochs(torch_mlp(torch, x32, labels, dt), args.budget, args.runs)
            log(f"torch conv {name}, {threads} thread(s) ...")
            out["torch"]["conv"][f"{name}/{threads}"] = torch_conv(torch, dt, 7)
    torch.set_num_threads(default_threads)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
