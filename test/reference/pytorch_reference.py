#!/usr/bin/python3
"""PyTorch's outputs and gradients for the kit's losses and layers, as JSON reference data.

The tests in test/pytorch-reference.test.ts read test/reference/pytorch.json and compare the kit with
it. PyTorch is never a dependency of the kit: this script only regenerates that file, with Debian's
python3-torch (PyTorch 1.13):

    /usr/bin/python3 test/reference/pytorch_reference.py --out test/reference/pytorch.json
    npx prettier --write test/reference/pytorch.json

Every case holds its inputs as well as PyTorch's results, so the two sides need no common random
number generator; everything is float64 (Python prints each double exactly, and JSON keeps it).
A loss with reduction "none" is differentiated through its sum, which is what the kit's grad holds.
"""

import argparse
import json
import sys

import torch
import torch.nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


def flat(t):
    """A tensor (or number) as a flat list of floats."""
    if not isinstance(t, torch.Tensor):
        return [float(t)]
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def tensor_json(t):
    return {"shape": list(t.shape), "values": flat(t)}


def leaf(t):
    return t.detach().clone().requires_grad_(True)


def loss_cases(gen):
    randn = lambda *shape, std=1.0: torch.randn(*shape, generator=gen, dtype=torch.float64) * std
    cases = []

    def add(name, fn, inputs, extra, differentiate):
        """Runs fn(**inputs) for every reduction; differentiate names the inputs that get gradients."""
        for reduction in REDUCTIONS:
            leaves = {k: (leaf(v) if k in differentiate else v) for k, v in inputs.items()}
            out = fn(reduction=reduction, **leaves, **extra)
            (out.sum() if reduction == "none" else out).backward()
            cases.append(
                {
                    "loss": name,
                    "reduction": reduction,
                    "options": {k: (tensor_json(v) if isinstance(v, torch.Tensor) else v) for k, v in extra.items()},
                    "inputs": {k: tensor_json(v) for k, v in inputs.items()},
                    "output": tensor_json(out) if reduction == "none" else float(out),
                    "grads": {k: tensor_json(leaves[k].grad) for k in differentiate},
                }
            )

    n, c = 5, 4
    labels = torch.randint(0, c, (n,), generator=gen)
    logits = randn(n, c, std=2.0)
    add("cross_entropy", lambda input, target, reduction: F.cross_entropy(input, target, reduction=reduction),
        {"input": logits, "target": labels}, {}, ["input"])

    log_probs = F.log_softmax(randn(n, c), dim=1)
    add("nll_loss", lambda input, target, reduction: F.nll_loss(input, target, reduction=reduction),
        {"input": log_probs, "target": labels}, {}, ["input"])
    ignored = labels.clone()
    ignored[1] = -100
    weight = torch.rand(c, generator=gen, dtype=torch.float64) + 0.5
    add("nll_loss", lambda input, target, reduction, weight, ignore_index: F.nll_loss(
        input, target, weight=weight, ignore_index=ignore_index, reduction=reduction),
        {"input": log_probs, "target": ignored}, {"weight": weight, "ignore_index": -100}, ["input"])

    # Logits from -40 to 40 (the stable form matters) and soft targets as well as 0 and 1.
    x = randn(3, c, std=3.0)
    x[0, 0], x[1, 1], x[2, 2] = 40.0, -40.0, 0.0
    y = torch.rand(3, c, generator=gen, dtype=torch.float64)
    y[0, :2] = torch.tensor([0.0, 1.0])
    add("binary_cross_entropy_with_logits",
        lambda input, target, reduction: F.binary_cross_entropy_with_logits(input, target, reduction=reduction),
        {"input": x, "target": y}, {}, ["input"])
    pos_weight = torch.rand(c, generator=gen, dtype=torch.float64) * 3
    add("binary_cross_entropy_with_logits",
        lambda input, target, reduction, pos_weight: F.binary_cross_entropy_with_logits(
            input, target, pos_weight=pos_weight, reduction=reduction),
        {"input": x, "target": y}, {"pos_weight": pos_weight}, ["input"])

    pred, target = randn(3, 4), randn(3, 4)
    pair = {"input": pred, "target": target}
    add("l1_loss", lambda input, target, reduction: F.l1_loss(input, target, reduction=reduction), pair, {}, ["input"])
    add("mse_loss", lambda input, target, reduction: F.mse_loss(input, target, reduction=reduction), pair, {}, ["input"])
    add("huber_loss", lambda input, target, reduction, delta: F.huber_loss(input, target, delta=delta, reduction=reduction),
        pair, {"delta": 0.7}, ["input"])
    add("smooth_l1_loss", lambda input, target, reduction, beta: F.smooth_l1_loss(input, target, beta=beta, reduction=reduction),
        pair, {"beta": 0.5}, ["input"])
    # MultiMarginLoss divides each sample's hinge sum by the number of classes: the kit's hingeLoss does not.
    add("multi_margin_loss", lambda input, target, reduction, margin: F.multi_margin_loss(
        input, target, margin=margin, reduction=reduction),
        {"input": logits, "target": labels}, {"margin": 1.0}, ["input"])
    return cases


def layer_cases(gen):
    randn = lambda *shape: torch.randn(*shape, generator=gen, dtype=torch.float64)
    cases = []

    def run(name, options, fn, x, params):
        """y = fn(x, *params) with a random upstream gradient dout; dL/dx and dL/dparam of L = sum(y * dout)."""
        leaves = [leaf(x)] + [leaf(p) for p in params.values()]
        y = fn(*leaves)
        dout = randn(*y.shape)
        (y * dout).sum().backward()
        case = {
            "layer": name,
            "options": options,
            "x": tensor_json(x),
            "params": {k: tensor_json(v) for k, v in params.items()},
            "dout": tensor_json(dout),
            "y": tensor_json(y),
            "dx": tensor_json(leaves[0].grad),
            "dparams": {k: tensor_json(l.grad) for k, l in zip(params, leaves[1:])},
        }
        cases.append(case)
        return case

    x = randn(3, 2, 4) * 2 + 1
    run("LayerNorm", {"normalizedShape": [2, 4], "eps": 1e-5},
        lambda a, w, b: F.layer_norm(a, [2, 4], w, b, eps=1e-5), x, {"gamma": randn(2, 4) * 0.5 + 1, "beta": randn(2, 4)})
    run("LayerNorm", {"normalizedShape": [4], "eps": 1e-3, "elementwiseAffine": False},
        lambda a: F.layer_norm(a, [4], eps=1e-3), randn(5, 4), {})

    for axis, shape in [(1, (2, 3, 4)), (0, (3, 2)), (-1, (2, 5))]:
        x = randn(*shape) * 2
        run("Softmax", {"axis": axis}, lambda a: F.softmax(a, dim=axis), x, {})
        run("LogSoftmax", {"axis": axis}, lambda a: F.log_softmax(a, dim=axis), x, {})

    # affine=False, training mode. PyTorch updates running_var with the unbiased variance, the kit (as cs231n)
    # with the biased one; the case records both so that the test can check the kit's on PyTorch's numbers.
    for name, shape in [("BatchNorm1d", (4, 3)), ("BatchNorm2d", (2, 3, 2, 2))]:
        x = randn(*shape) * 1.5 + 0.5
        mean, var = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
        case = run(name, {"affine": False, "eps": 1e-5, "momentum": 0.1},
                   lambda a: F.batch_norm(a, mean, var, training=True, momentum=0.1, eps=1e-5), x, {})
        dims = [0] if len(shape) == 2 else [0, 2, 3]
        case["runningMean"] = flat(mean)
        case["runningVarUnbiased"] = flat(var)
        case["batchVarBiased"] = flat(x.var(dim=dims, unbiased=False))
    return cases


def scalar_cases():
    """torch.sqrt and torch.abs with their derivatives (abs at 0 included: PyTorch's subgradient there is 0)."""
    out = []
    for op, points in [("sqrt", [0.25, 2.0, 9.0, 1e-6]), ("abs", [-2.5, 0.0, 3.0, -1e-9])]:
        x = torch.tensor(points, dtype=torch.float64, requires_grad=True)
        y = getattr(torch, op)(x)
        y.sum().backward()
        out.append({"op": op, "x": points, "y": flat(y), "grad": flat(x.grad)})
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the JSON here (default: standard output)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the inputs (default 20240601)")
    args = parser.parse_args()
    gen = torch.Generator().manual_seed(args.seed)
    data = {
        "generator": "test/reference/pytorch_reference.py",
        "torch": torch.__version__,
        "seed": args.seed,
        "losses": loss_cases(gen),
        "layers": layer_cases(gen),
        "scalars": scalar_cases(),
    }
    text = json.dumps(data, indent=1) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
