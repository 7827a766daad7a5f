"""Reference numbers for KindredGenerativeTests, computed with PyTorch.

Run: python make_fixtures.py  (writes autoencoders.json beside this script)

The models mirror Kindred's ConvAutoencoder / VariationalAutoencoder (AutoencoderArchitecture):
Conv(C->w,4,s2,p1) ReLU Conv(w->2w,4,s2,p1) ReLU Flatten [Linear(->latent)] and
Linear(latent->2w*(S/4)^2) ReLU Unflatten ConvT(2w->w,4,s2,p1) ReLU ConvT(w->C,4,s2,p1).
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
C, S, W, LATENT, N = 1, 8, 2, 3, 2
FEATURES = 2 * W * (S // 4) ** 2


def trunk():
    return [nn.Conv2d(C, W, 4, 2, 1), nn.ReLU(), nn.Conv2d(W, 2 * W, 4, 2, 1), nn.ReLU(), nn.Flatten()]


def decoder():
    return nn.Sequential(nn.Linear(LATENT, FEATURES), nn.ReLU(), nn.Unflatten(1, (2 * W, S // 4, S // 4)),
                         nn.ConvTranspose2d(2 * W, W, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(W, C, 4, 2, 1))


class AE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(*trunk(), nn.Linear(FEATURES, LATENT))
        self.decoder = decoder()


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(*trunk())
        self.mean = nn.Linear(FEATURES, LATENT)
        self.log_variance = nn.Linear(FEATURES, LATENT)
        self.decoder = decoder()


def state(m):
    return {k: {"shape": list(v.shape), "values": v.detach().double().flatten().tolist()} for k, v in m.state_dict().items()}


def flat(t):
    return t.detach().double().flatten().tolist()


x = torch.rand(N, C, S, S)
ae, vae = AE(), VAE()
logits = ae.decoder(ae.encoder(x))
h = vae.encoder(x)
mu, logvar = vae.mean(h), vae.log_variance(h)
eps = torch.randn(N, LATENT)
z = mu + torch.exp(0.5 * logvar) * eps
vlogits = vae.decoder(z)

out = {
    "sizes": {"channels": C, "image_size": S, "width": W, "latent": LATENT, "n": N},
    "x": flat(x),
    "ae": {"state": state(ae), "latent": flat(ae.encoder(x)), "logits": flat(logits),
           "mse_mean": F.mse_loss(torch.sigmoid(logits), x).item(),
           "bce_mean": F.binary_cross_entropy_with_logits(logits, x).item(),
           "bce_per_image": flat(F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1))},
    "vae": {"state": state(vae), "mean": flat(mu), "log_variance": flat(logvar), "epsilon": flat(eps), "logits": flat(vlogits),
            "kl_per_item": flat(-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)),
            "bce_per_image": flat(F.binary_cross_entropy_with_logits(vlogits, x, reduction="none").flatten(1).sum(1))},
    # Saturated logits: BCE with logits stays finite.
    "bce_extreme": {"logits": [-100.0, -30.0, 0.0, 30.0, 100.0], "targets": [1.0, 0.0, 0.5, 1.0, 0.0],
                    "values": flat(F.binary_cross_entropy_with_logits(torch.tensor([-100.0, -30.0, 0.0, 30.0, 100.0], dtype=torch.float64),
                                                                      torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0], dtype=torch.float64), reduction="none"))},
    "torch_version": torch.__version__,
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "autoencoders.json"), "w") as f:
    json.dump(out, f, indent=1)
