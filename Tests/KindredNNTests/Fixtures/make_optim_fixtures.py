#!/usr/bin/env python3
"""Generates optim_fixtures.json: reference numbers from torch.optim for Kindred's optimiser tests.

Runs PyTorch's SGD / Adam / AdamW, its learning-rate schedulers and gradient clipping on small
deterministic parameters and gradients, and records every intermediate value. The gradients are
written to the file too, so the Swift tests replay exactly the same inputs.

Usage:  python make_optim_fixtures.py        (needs torch; writes next to this script)
"""

import json
import math
import os

import torch

STEPS = 10
SHAPES = [[3, 4], [5]]


def initial_values():
    a = [0.7 * math.sin(0.9 * i + 0.3) + 0.05 * i for i in range(12)]
    b = [0.5, -0.25, 1.5, -2.0, 1e-3]
    return [a, b]


def gradient(step, param, size):
    """Gradients of varied sign and scale; parameter 1 has no gradient at step 3."""
    if param == 1 and step == 3:
        return None
    scale = [1.0, 0.3, 2.5, 0.05, 1.0, 4.0, 0.7, 1e-3, 1.5, 0.8][step]
    return [scale * math.sin(1.3 * (i + 1) + 0.7 * step + 2.1 * param) + 0.01 * (i - 2) for i in range(size)]


OPTIMIZERS = [
    ("sgd", "SGD", {"lr": 0.1}, None),
    ("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9}, None),
    ("sgd_momentum_dampening_wd", "SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 1e-2}, None),
    ("sgd_nesterov_wd", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-2}, None),
    ("sgd_maximize_wd", "SGD", {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.1, "maximize": True}, None),
    ("sgd_groups", "SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-3},
     [{"params": [0], "lr": 0.01}, {"params": [1], "weight_decay": 0.05}]),
    ("adam", "Adam", {"lr": 1e-2}, None),
    ("adam_betas_eps", "Adam", {"lr": 3e-2, "betas": [0.8, 0.95], "eps": 1e-6}, None),
    ("adam_wd", "Adam", {"lr": 1e-2, "weight_decay": 0.1}, None),
    ("adam_amsgrad_wd", "Adam", {"lr": 2e-2, "weight_decay": 1e-2, "amsgrad": True}, None),
    ("adam_maximize", "Adam", {"lr": 1e-2, "maximize": True}, None),
    ("adam_groups", "Adam", {"lr": 1e-2},
     [{"params": [0], "lr": 5e-2, "weight_decay": 0.2}, {"params": [1]}]),
    ("adamw", "AdamW", {"lr": 1e-2, "weight_decay": 0.05}, None),
    ("adamw_default_wd", "AdamW", {"lr": 1e-2}, None),
    ("adamw_amsgrad", "AdamW", {"lr": 2e-2, "weight_decay": 0.1, "amsgrad": True}, None),
]


def make_optimizer(kind, options, groups, params):
    cls = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}[kind]
    kw = dict(options)
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    if groups is None:
        return cls(params, **kw)
    torch_groups = []
    for g in groups:
        tg = {k: v for k, v in g.items() if k != "params"}
        tg["params"] = [params[i] for i in g["params"]]
        torch_groups.append(tg)
    return cls(torch_groups, **kw)


def run_optimizer(name, kind, options, groups, dtype):
    init = initial_values()
    params = [torch.tensor(v, dtype=dtype).reshape(s).requires_grad_() for v, s in zip(init, SHAPES)]
    opt = make_optimizer(kind, options, groups, params)
    grads, trajectory = [], []
    for step in range(STEPS):
        step_grads = []
        for j, p in enumerate(params):
            g = gradient(step, j, p.numel())
            step_grads.append(g)
            p.grad = None if g is None else torch.tensor(g, dtype=dtype).reshape(p.shape)
        opt.step()
        grads.append(step_grads)
        trajectory.append([p.detach().reshape(-1).tolist() for p in params])
    state = {}
    for j, p in enumerate(params):
        if p in opt.state:
            st = {}
            for k, v in opt.state[p].items():
                if torch.is_tensor(v):
                    st[k] = float(v.item()) if v.dim() == 0 else v.detach().reshape(-1).tolist()
                elif v is not None:
                    st[k] = float(v)
            state[str(j)] = st
    return {
        "name": name,
        "optimizer": kind,
        "dtype": "float32" if dtype == torch.float32 else "float64",
        "options": options,
        "groups": groups,
        "shapes": SHAPES,
        "initial": init,
        "grads": grads,
        "trajectory": trajectory,
        "final_state": state,
    }


SCHEDULERS = [
    ("step", {"type": "StepLR", "step_size": 3, "gamma": 0.5}, 20),
    ("multistep", {"type": "MultiStepLR", "milestones": [2, 5, 9], "gamma": 0.1}, 15),
    ("multistep_repeated", {"type": "MultiStepLR", "milestones": [3, 3, 7], "gamma": 0.5}, 12),
    ("cosine", {"type": "CosineAnnealingLR", "T_max": 10, "eta_min": 1e-3}, 25),
    ("cosine_zero_min", {"type": "CosineAnnealingLR", "T_max": 7}, 16),
    ("linear", {"type": "LinearLR", "start_factor": 0.25, "end_factor": 1.0, "total_iters": 4}, 10),
    ("linear_decay", {"type": "LinearLR", "start_factor": 1.0, "end_factor": 0.1, "total_iters": 6}, 10),
    ("exponential", {"type": "ExponentialLR", "gamma": 0.9}, 20),
    ("warmup_cosine", {"type": "SequentialLR", "milestones": [5], "schedulers": [
        {"type": "LinearLR", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 5},
        {"type": "CosineAnnealingLR", "T_max": 15, "eta_min": 1e-4}]}, 25),
    ("warmup_step_exponential", {"type": "SequentialLR", "milestones": [3, 8], "schedulers": [
        {"type": "LinearLR", "start_factor": 0.5, "end_factor": 1.0, "total_iters": 3},
        {"type": "StepLR", "step_size": 2, "gamma": 0.5},
        {"type": "ExponentialLR", "gamma": 0.8}]}, 14),
]


def make_scheduler(spec, opt):
    t = spec["type"]
    if t == "StepLR":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=spec["step_size"], gamma=spec["gamma"])
    if t == "MultiStepLR":
        return torch.optim.lr_scheduler.MultiStepLR(opt, milestones=spec["milestones"], gamma=spec["gamma"])
    if t == "CosineAnnealingLR":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=spec["T_max"], eta_min=spec.get("eta_min", 0.0))
    if t == "LinearLR":
        return torch.optim.lr_scheduler.LinearLR(opt, start_factor=spec["start_factor"], end_factor=spec["end_factor"],
                                                 total_iters=spec["total_iters"])
    if t == "ExponentialLR":
        return torch.optim.lr_scheduler.ExponentialLR(opt, gamma=spec["gamma"])
    if t == "SequentialLR":
        inner = [make_scheduler(s, opt) for s in spec["schedulers"]]
        return torch.optim.lr_scheduler.SequentialLR(opt, schedulers=inner, milestones=spec["milestones"])
    raise ValueError(t)


def run_scheduler(name, spec, steps):
    base_lrs = [0.1, 0.02]
    params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    opt = torch.optim.SGD([{"params": [params[0]], "lr": base_lrs[0]}, {"params": [params[1]], "lr": base_lrs[1]}])
    sched = make_scheduler(spec, opt)
    lrs = []
    for _ in range(steps):
        lrs.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    return {"name": name, "spec": spec, "base_lrs": base_lrs, "lrs": lrs}


def run_clipping(dtype):
    shapes = [[2, 3], [4], [1]]
    grads = [[0.3 * math.cos(0.7 * i + j) + 0.1 * j for i in range(math.prod(s))] for j, s in enumerate(shapes)]
    cases = []
    for max_norm in [0.5, 1.0, 100.0]:
        params = [torch.zeros(s, dtype=dtype, requires_grad=True) for s in shapes]
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g, dtype=dtype).reshape(p.shape)
        total = torch.nn.utils.clip_grad_norm_(params, max_norm=max_norm, norm_type=2.0)
        cases.append({"kind": "norm", "max": max_norm, "total_norm": float(total),
                      "clipped": [p.grad.reshape(-1).tolist() for p in params]})
    for max_value in [0.05, 0.2]:
        params = [torch.zeros(s, dtype=dtype, requires_grad=True) for s in shapes]
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g, dtype=dtype).reshape(p.shape)
        torch.nn.utils.clip_grad_value_(params, clip_value=max_value)
        cases.append({"kind": "value", "max": max_value, "clipped": [p.grad.reshape(-1).tolist() for p in params]})
    return {"dtype": "float32" if dtype == torch.float32 else "float64", "shapes": shapes, "grads": grads, "cases": cases}


def main():
    torch.set_num_threads(1)
    out = {
        "torch_version": torch.__version__,
        "optimizers": [run_optimizer(n, k, o, g, dt) for dt in (torch.float32, torch.float64) for (n, k, o, g) in OPTIMIZERS],
        "schedulers": [run_scheduler(n, s, k) for (n, s, k) in SCHEDULERS],
        "clipping": [run_clipping(dt) for dt in (torch.float32, torch.float64)],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim_fixtures.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
