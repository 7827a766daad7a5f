"""PyTorch side of Kindred's engine benchmark: the same work as Benchmarks/KindredBench, on CPU.

Prints one JSON object. Run through Benchmarks/run.sh, which compares both in the same session.
Needs torch (pip install torch numpy); uses 2 threads unless KINDRED_THREADS says otherwise.
"""
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

threads = int(os.environ.get("KINDRED_THREADS", "2"))
torch.set_num_threads(threads)
torch.manual_seed(0)


class EmbeddingCNN(nn.Module):
    """The reference CNN: Conv-BN-ReLU(32)+MaxPool, Conv-BN-ReLU(64)+MaxPool, Conv-BN-ReLU(128), GAP, Linear(64), L2."""

    def __init__(self, emb=64):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.c2, self.b2 = nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64)
        self.c3, self.b3 = nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128)
        self.fc = nn.Linear(128, emb)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.max_pool2d(F.relu(self.b2(self.c2(x))), 2)
        x = F.relu(self.b3(self.c3(x)))
        return F.normalize(self.fc(x.mean(dim=(2, 3))), dim=1)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        idt = x if self.down is None else self.down(x)
        return F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))) + idt)


class ResNet18(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        layers, cin = [], 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        return self.fc(self.layers(x).mean(dim=(2, 3)))


def bench(fn, warm, n):
    ts = []
    for i in range(warm + n):
        t0 = time.perf_counter()
        fn()
        if i >= warm:
            ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts)


def step_bench(net, x, loss_of, warm=10, n=50):
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net.train()

    def step():
        loss = loss_of(net(x))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    med, mn = bench(step, warm, n)
    return med * 1e3, mn * 1e3


only = sys.argv[1] if len(sys.argv) > 1 else None
res = {"torch": torch.__version__, "threads": torch.get_num_threads()}

if only in (None, "sgemm"):
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    med, _ = bench(lambda: torch.mm(a, b), 3, 20)
    res["sgemm_gflops"] = 2 * n ** 3 / med / 1e9

if only in (None, "cnn"):
    x = torch.randn(160, 1, 28, 28)
    net = EmbeddingCNN()
    res["cnn_step_ms"], res["cnn_step_min_ms"] = step_bench(net, x, lambda e: e.pow(2).sum() * 0 + e[:, 0].mean())
    net.eval()
    with torch.no_grad():
        res["cnn_fwd_eval_ms"] = bench(lambda: net(x), 5, 30)[0] * 1e3

if only in (None, "conv"):
    x = torch.randn(160, 32, 14, 14, requires_grad=True)
    w = torch.randn(64, 32, 3, 3, requires_grad=True)
    flops = 3.0 * 2 * 160 * 64 * 32 * 9 * 14 * 14

    def conv():
        y = F.conv2d(x, w, padding=1)
        y.backward(torch.ones_like(y))
    res["conv_fwd_bwd_gflops"] = flops / bench(conv, 3, 20)[0] / 1e9

if only in (None, "resnet"):
    x = torch.randn(32, 3, 64, 64)
    y = torch.randint(0, 1000, (32,))
    net = ResNet18()
    res["resnet18_step_ms"], res["resnet18_step_min_ms"] = step_bench(net, x, lambda o: F.cross_entropy(o, y))
    net.eval()
    with torch.no_grad():
        res["resnet18_fwd_eval_ms"] = bench(lambda: net(x), 3, 20)[0] * 1e3

print(json.dumps(res, sort_keys=True))
