#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures used by KindredTensorTests (the *.json files beside this script).

Needs numpy and torch (CPU is enough): `pip install numpy torch`. Run it with the Python that has
them, e.g. `python3 Tests/KindredTensorTests/Fixtures/make_torch_fixtures.py`, or point
KINDRED_FIXTURE_PYTHON at an interpreter and run `"$KINDRED_FIXTURE_PYTHON" make_torch_fixtures.py`.

Every input is drawn from a seeded numpy RandomState and rounded to three decimals (short in JSON,
and, unlike dyadic values, not exact in float32, so float32 results show real rounding error).
References are computed in float64, so the Swift tests can check both dtypes against the same
numbers. Gradients are those of
`(output * gy).sum()` for a fixed random `gy`, so every output element contributes.

JSON layout: {"cases": [{"name", "ints": {k: [int]}, "floats": {k: float},
                         "tensors": {k: {"shape": [...], "data": [flat row-major values]}}}]}
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_default_dtype(torch.float64)


def rand(rng, *shape, scale=1.0):
    """Normal values rounded to three decimals."""
    return np.round(rng.randn(*shape) * scale, 3)


def enc(a):
    """A tensor as {"shape", "data"}, values with 12 significant digits."""
    a = np.asarray(a.detach().numpy() if torch.is_tensor(a) else a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(f"{v:.12g}") for v in a.ravel()]}


def leaf(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def case(name, ints=None, floats=None, **tensors):
    return {"name": name, "ints": ints or {}, "floats": floats or {},
            "tensors": {k: enc(v) for k, v in tensors.items() if v is not None}}


def write(filename, cases):
    with open(os.path.join(HERE, filename), "w") as f:
        json.dump({"generator": "make_torch_fixtures.py", "torch": torch.__version__, "cases": cases}, f,
                  separators=(",", ":"))
        f.write("\n")


def conv2d_cases(rng):
    # (name, x shape, weight shape, bias, stride, padding, dilation, groups)
    specs = [
        ("basic", (2, 3, 5, 5), (4, 3, 3, 3), True, (1, 1), (0, 0), (1, 1), 1),
        ("stride2_pad1", (2, 3, 6, 5), (4, 3, 3, 3), True, (2, 2), (1, 1), (1, 1), 1),
        ("rect_kernel_stride_pad", (1, 2, 7, 6), (3, 2, 3, 2), False, (2, 1), (1, 0), (1, 1), 1),
        ("dilation", (2, 2, 7, 7), (3, 2, 3, 3), True, (1, 1), (2, 1), (2, 3), 1),
        ("groups2", (2, 4, 5, 5), (6, 2, 3, 3), True, (2, 2), (1, 1), (1, 1), 2),
        ("depthwise_dilated", (1, 3, 6, 6), (3, 1, 3, 3), True, (1, 2), (2, 2), (2, 2), 3),
        ("pointwise_stride3", (2, 4, 7, 7), (2, 4, 1, 1), False, (3, 3), (0, 0), (1, 1), 1),
        ("everything", (2, 6, 8, 7), (4, 3, 3, 2), True, (2, 3), (1, 2), (2, 1), 2),
    ]
    cases = []
    for name, xs, ws, has_bias, stride, padding, dilation, groups in specs:
        x, w = leaf(rand(rng, *xs)), leaf(rand(rng, *ws, scale=0.5))
        b = leaf(rand(rng, ws[0])) if has_bias else None
        y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
        gy = torch.tensor(rand(rng, *y.shape))
        (y * gy).sum().backward()
        cases.append(case(name, ints={"stride": list(stride), "padding": list(padding),
                                      "dilation": list(dilation), "groups": [groups]},
                          x=x, weight=w, bias=b, y=y, gy=gy, gx=x.grad, gweight=w.grad,
                          gbias=None if b is None else b.grad))
    return cases


def conv_transpose2d_cases(rng):
    # (name, x shape, weight shape [Cin, Cout/groups, kh, kw], bias, stride, padding, output_padding, dilation, groups)
    specs = [
        ("basic", (2, 3, 4, 4), (3, 2, 3, 3), True, (1, 1), (0, 0), (0, 0), (1, 1), 1),
        ("stride2_pad1_outpad1", (2, 3, 3, 4), (3, 2, 3, 3), True, (2, 2), (1, 1), (1, 1), (1, 1), 1),
        ("groups2_dilation2", (1, 4, 3, 3), (4, 3, 3, 3), True, (1, 1), (1, 1), (0, 0), (2, 2), 2),
        ("rect_stride_outpad", (2, 2, 3, 2), (2, 3, 2, 3), False, (2, 3), (0, 1), (1, 2), (1, 1), 1),
        ("everything", (1, 4, 3, 3), (4, 1, 3, 2), True, (2, 1), (1, 0), (1, 0), (1, 2), 4),
    ]
    cases = []
    for name, xs, ws, has_bias, stride, padding, output_padding, dilation, groups in specs:
        x, w = leaf(rand(rng, *xs)), leaf(rand(rng, *ws, scale=0.5))
        b = leaf(rand(rng, ws[1] * groups)) if has_bias else None
        y = F.conv_transpose2d(x, w, b, stride=stride, padding=padding, output_padding=output_padding,
                               groups=groups, dilation=dilation)
        gy = torch.tensor(rand(rng, *y.shape))
        (y * gy).sum().backward()
        cases.append(case(name, ints={"stride": list(stride), "padding": list(padding),
                                      "outputPadding": list(output_padding), "dilation": list(dilation),
                                      "groups": [groups]},
                          x=x, weight=w, bias=b, y=y, gy=gy, gx=x.grad, gweight=w.grad,
                          gbias=None if b is None else b.grad))
    return cases


def batch_norm_cases(rng):
    cases = []
    momentum, eps = 0.1, 1e-5
    for name, xs, affine in [("train_4d", (4, 3, 2, 3), True), ("train_2d_no_affine", (6, 4), False)]:
        c = xs[1]
        x = leaf(rand(rng, *xs) + 0.5)
        x2 = torch.tensor(rand(rng, *xs, scale=2.0) - 1.0)
        w = leaf(rand(rng, c) + 1.0) if affine else None
        b = leaf(rand(rng, c)) if affine else None
        running_mean, running_var = torch.zeros(c), torch.ones(c)
        y = F.batch_norm(x, running_mean, running_var, w, b, training=True, momentum=momentum, eps=eps)
        gy = torch.tensor(rand(rng, *y.shape))
        (y * gy).sum().backward()
        axes = [0] + list(range(2, len(xs)))
        batch_mean = x.detach().mean(dim=axes)
        batch_var = x.detach().var(dim=axes, unbiased=False)
        rm1, rv1 = running_mean.clone(), running_var.clone()
        # A second training step: running statistics keep moving from the first step's values.
        F.batch_norm(x2, running_mean, running_var, None, None, training=True, momentum=momentum, eps=eps)
        cases.append(case(name, floats={"momentum": momentum, "epsilon": eps},
                          x=x, x2=x2, weight=w, bias=b, y=y, gy=gy, gx=x.grad,
                          gweight=None if w is None else w.grad, gbias=None if b is None else b.grad,
                          batchMean=batch_mean, batchVar=batch_var,
                          runningMean1=rm1, runningVar1=rv1, runningMean2=running_mean, runningVar2=running_var))
    # Evaluation mode: normalises with the given running statistics.
    c = 3
    x = leaf(rand(rng, 2, c, 3, 2))
    w, b = leaf(rand(rng, c) + 1.0), leaf(rand(rng, c))
    rm = torch.tensor(rand(rng, c, scale=0.5))
    rv = torch.tensor(np.abs(rand(rng, c)) + 0.25)
    y = F.batch_norm(x, rm, rv, w, b, training=False, eps=eps)
    gy = torch.tensor(rand(rng, *y.shape))
    (y * gy).sum().backward()
    cases.append(case("eval_4d", floats={"epsilon": eps}, x=x, weight=w, bias=b, runningMean=rm, runningVar=rv,
                      y=y, gy=gy, gx=x.grad, gweight=w.grad, gbias=b.grad))
    return cases


def pooling_cases(rng):
    cases = []
    # Max pooling with ties: channel 0 is constant, channel 1 holds few distinct integers, channel 2
    # has a constant block inside random values; windows overlap so one input can win several windows.
    def tied_input(h, w):
        plane0 = np.full((h, w), 0.75)
        plane1 = np.floor(rng.rand(h, w) * 3)
        plane2 = rand(rng, h, w)
        plane2[1:4, 1:4] = 2.5
        return np.stack([plane0, plane1, plane2])[None]
    for name, shape, kernel, stride, padding in [
        ("max_ties_k3_s2_p1", (5, 6), (3, 3), (2, 2), (1, 1)),
        ("max_ties_k2_s1", (5, 6), (2, 2), (1, 1), (0, 0)),
        ("max_rect_k2x3_s1x2_p1", (6, 7), (2, 3), (1, 2), (1, 1)),
    ]:
        x = leaf(tied_input(*shape))
        y = F.max_pool2d(x, kernel, stride, padding)
        gy = torch.tensor(rand(rng, *y.shape))
        (y * gy).sum().backward()
        cases.append(case(name, ints={"kernel": list(kernel), "stride": list(stride), "padding": list(padding)},
                          x=x, y=y, gy=gy, gx=x.grad))
    for name, xs, kernel, stride, padding in [
        ("avg_k3_s2_p1", (2, 2, 5, 6), (3, 3), (2, 2), (1, 1)),
        ("avg_k2x3_s1x2_p1", (1, 3, 4, 7), (2, 3), (1, 2), (1, 1)),
        ("avg_k2_nopad", (1, 2, 5, 5), (2, 2), (2, 2), (0, 0)),
    ]:
        for include in (True, False):
            x = leaf(rand(rng, *xs))
            y = F.avg_pool2d(x, kernel, stride, padding, count_include_pad=include)
            gy = torch.tensor(rand(rng, *y.shape))
            (y * gy).sum().backward()
            cases.append(case(f"{name}_{'include' if include else 'exclude'}_pad",
                              ints={"kernel": list(kernel), "stride": list(stride), "padding": list(padding),
                                    "countIncludePad": [int(include)]},
                              x=x, y=y, gy=gy, gx=x.grad))
    for name, xs, out in [
        ("adaptive_7x5_to_3x2", (2, 3, 7, 5), (3, 2)),
        ("adaptive_5x7_to_4x3", (1, 2, 5, 7), (4, 3)),
        ("adaptive_3x4_to_5x6", (1, 2, 3, 4), (5, 6)),
        ("adaptive_global", (2, 2, 3, 5), (1, 1)),
    ]:
        x = leaf(rand(rng, *xs))
        y = F.adaptive_avg_pool2d(x, out)
        gy = torch.tensor(rand(rng, *y.shape))
        (y * gy).sum().backward()
        cases.append(case(name, ints={"outputSize": list(out)}, x=x, y=y, gy=gy, gx=x.grad))
    return cases


def softmax_loss_cases(rng):
    cases = []
    for axis in range(3):
        for log in (False, True):
            x = leaf(rand(rng, 2, 3, 4, scale=2.0))
            y = F.log_softmax(x, dim=axis) if log else F.softmax(x, dim=axis)
            gy = torch.tensor(rand(rng, *y.shape))
            (y * gy).sum().backward()
            cases.append(case(f"{'log_softmax' if log else 'softmax'}_axis{axis}", ints={"axis": [axis]},
                              x=x, y=y, gy=gy, gx=x.grad))
    for name, dims, shift in [("logsumexp_axis1", [1], 0.0), ("logsumexp_axes02", [0, 2], 0.0),
                              ("logsumexp_all_shifted", [0, 1, 2], 300.0)]:
        # The shifted case would overflow exp() without the max subtraction.
        x = leaf(rand(rng, 3, 4, 2, scale=3.0) + shift)
        y = torch.logsumexp(x, dim=dims)
        gy = torch.tensor(rand(rng, *y.shape))
        (y * gy).sum().backward()
        cases.append(case(name, ints={"axes": dims}, x=x, y=y, gy=gy, gx=x.grad))
    for name, xs, norm_axes in [("layer_norm_last", (3, 4, 5), 1), ("layer_norm_last2", (2, 3, 4), 2)]:
        x = leaf(rand(rng, *xs) * 1.5 + 0.25)
        shape = xs[len(xs) - norm_axes:]
        w, b = leaf(rand(rng, *shape) + 1.0), leaf(rand(rng, *shape))
        y = F.layer_norm(x, shape, w, b, eps=1e-5)
        gy = torch.tensor(rand(rng, *y.shape))
        (y * gy).sum().backward()
        cases.append(case(name, ints={"normalizedAxes": [norm_axes]}, floats={"epsilon": 1e-5},
                          x=x, weight=w, bias=b, y=y, gy=gy, gx=x.grad, gweight=w.grad, gbias=b.grad))
    x = leaf(np.concatenate([np.linspace(-6, 6, 25), rand(rng, 15, scale=2.0)]))
    y = F.gelu(x)
    gy = torch.tensor(rand(rng, *y.shape))
    (y * gy).sum().backward()
    cases.append(case("gelu_exact", x=x, y=y, gy=gy, gx=x.grad))
    targets = [2, 0, 3, 3, 1]
    for smoothing in (0.0, 0.1, 0.3):
        for reduction in ("mean", "sum", "none"):
            logits = leaf(rand(rng, 5, 4, scale=2.0))
            loss = F.cross_entropy(logits, torch.tensor(targets), label_smoothing=smoothing, reduction=reduction)
            gy = torch.tensor(rand(rng, *loss.shape)) if reduction == "none" else torch.tensor(1.0)
            (loss * gy).sum().backward()
            cases.append(case(f"cross_entropy_ls{smoothing}_{reduction}", ints={"targets": targets},
                              floats={"labelSmoothing": smoothing},
                              logits=logits, loss=loss, gy=gy, glogits=logits.grad))
            cases[-1]["reduction"] = reduction
    return cases


def main():
    write("conv2d.json", conv2d_cases(np.random.RandomState(1)))
    write("conv_transpose2d.json", conv_transpose2d_cases(np.random.RandomState(2)))
    write("batch_norm.json", batch_norm_cases(np.random.RandomState(3)))
    write("pooling.json", pooling_cases(np.random.RandomState(4)))
    write("softmax_loss.json", softmax_loss_cases(np.random.RandomState(5)))


if __name__ == "__main__":
    main()
