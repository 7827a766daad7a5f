"""PyTorch twin of Kindred's generative training epochs, for the time-per-epoch comparison.

Trains the same model as `kindred train Examples/fashion-mnist-vae.yaml` for one epoch on CPU —
the same architecture (AutoencoderArchitecture: conv 32/64 stride 2, latent 16, transposed convs),
batch 128, Adam lr 0.002, BCE-with-logits summed per image + KL, 468 steps over the Fashion-MNIST
training images held in memory — and prints one JSON object with the seconds of the epoch.

    python Benchmarks/generative_torch_bench.py vae [--steps N]

Uses 2 threads unless KINDRED_THREADS says otherwise. Run through Benchmarks/generative-bench.sh,
which alternates it with Kindred in one session.
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

threads = int(os.environ.get("KINDRED_THREADS", "2"))
torch.set_num_threads(threads)
torch.manual_seed(0)
DATA = os.environ.get("KINDRED_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")


def load_images(name):
    path = os.path.join(DATA, name)
    opener = gzip.open if os.path.exists(path + ".gz") else open
    with opener(path + ".gz" if os.path.exists(path + ".gz") else path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[4:8], "big")
    return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 1, 28, 28).astype(np.float32) / 255.0)


class VAE(nn.Module):
    """Kindred's VariationalAutoencoder (same layers and parameter names)."""

    def __init__(self, channels=1, size=28, latent=16, width=32):
        super().__init__()
        side = size // 4
        features = 2 * width * side * side
        self.encoder = nn.Sequential(nn.Conv2d(channels, width, 4, 2, 1), nn.ReLU(),
                                     nn.Conv2d(width, 2 * width, 4, 2, 1), nn.ReLU(), nn.Flatten())
        self.mean = nn.Linear(features, latent)
        self.log_variance = nn.Linear(features, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, features), nn.ReLU(), nn.Unflatten(1, (2 * width, side, side)),
                                     nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.ReLU(),
                                     nn.ConvTranspose2d(width, channels, 4, 2, 1))


def vae_epoch(steps, batch=128):
    images = load_images("train-images-idx3-ubyte")
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=0.002)
    steps = steps or images.shape[0] // batch
    order = torch.randperm(images.shape[0])
    model.train()
    start = time.perf_counter()
    for s in range(steps):
        x = images[order[s * batch:(s + 1) * batch]]
        h = model.encoder(x)
        mu, logvar = model.mean(h), model.log_variance(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = model.decoder(z)
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1).mean()
        kl = (0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar)).sum(1).mean()
        loss = rec + kl
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start
    return {"model": "vae", "steps": steps, "batch": batch, "seconds": seconds, "threads": threads,
            "final_loss": loss.item(), "torch": torch.__version__}


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "vae"
    steps = int(sys.argv[sys.argv.index("--steps") + 1]) if "--steps" in sys.argv else 0
    if which != "vae":
        sys.exit(f"unknown model '{which}' (known: vae)")
    print(json.dumps(vae_epoch(steps)))
