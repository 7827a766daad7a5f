"""PyTorch CPU side of the DCGAN training-speed comparison (see gan-bench.sh).

The same generator, discriminator, losses, optimisers and step order as Kindred's DCGANTrainer:
noise -> D step on real and detached fake (BCE with logits, real 1, fake 0) -> new noise ->
G step (non-saturating, D's parameters frozen). Synthetic real batches; prints one JSON object.
Usage: python gan_torch_bench.py [steps] [batch] [features]
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

args = [int(a) for a in sys.argv[1:]]
steps = args[0] if len(args) > 0 else 40
batch = args[1] if len(args) > 1 else 128
nf = args[2] if len(args) > 2 else 64
torch.set_num_threads(int(os.environ.get("KINDRED_THREADS", "2")))
torch.manual_seed(0)


class Generator(nn.Module):
    def __init__(self, nz=100, nf=64):
        super().__init__()
        self.nz = nz
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, 2 * nf, 7, 1, 0, bias=False), nn.BatchNorm2d(2 * nf), nn.ReLU(True),
            nn.ConvTranspose2d(2 * nf, nf, 4, 2, 1, bias=False), nn.BatchNorm2d(nf), nn.ReLU(True),
            nn.ConvTranspose2d(nf, 1, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z.view(z.shape[0], self.nz, 1, 1))


class Discriminator(nn.Module):
    def __init__(self, nf=64):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, nf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(nf, 2 * nf, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * nf), nn.LeakyReLU(0.2, True),
            nn.Conv2d(2 * nf, 1, 7, 1, 0, bias=False))

    def forward(self, x):
        return self.main(x).view(-1)


G, D = Generator(100, nf), Discriminator(nf)
opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
batches = [torch.rand(batch, 1, 28, 28) * 2 - 1 for _ in range(4)]


def step(real):
    n = real.shape[0]
    with torch.no_grad():
        fake = G(torch.randn(n, 100))
    opt_d.zero_grad(set_to_none=True)
    real_logits, fake_logits = D(real), D(fake)
    loss_d = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
              + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    loss_d.backward()
    opt_d.step()
    for p in D.parameters():
        p.requires_grad_(False)
    opt_g.zero_grad(set_to_none=True)
    logits = D(G(torch.randn(n, 100)))
    loss_g = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    loss_g.backward()
    opt_g.step()
    for p in D.parameters():
        p.requires_grad_(True)


for i in range(3):
    step(batches[i % 4])
times = []
for i in range(steps):
    t0 = time.perf_counter()
    step(batches[i % 4])
    times.append(time.perf_counter() - t0)
times.sort()
median = times[len(times) // 2]
steps_per_epoch = (60000 + batch - 1) // batch
print(json.dumps({
    "side": "pytorch", "threads": torch.get_num_threads(), "batch": batch, "features": nf, "steps": steps,
    "step_median_s": median, "step_min_s": times[0], "step_mean_s": sum(times) / len(times),
    "epoch_s": median * steps_per_epoch, "steps_per_epoch": steps_per_epoch, "torch": torch.__version__,
}, sort_keys=True))
