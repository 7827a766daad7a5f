"""Reference numbers for Kindred's GAN models: a tiny DCGAN generator/discriminator, U-Net and
CycleGAN generator written with torch.nn (the same layers and parameter names as Kindred's),
seeded weights, one forward pass each in training mode (batch-norm batch statistics), and the
discriminator's BCE losses. Run: python make_gan_fixtures.py > gan_fixtures.json
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


class DCGANGenerator(nn.Module):
    def __init__(self, nz, nf):
        super().__init__()
        self.nz = nz
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, 2 * nf, 7, 1, 0, bias=False), nn.BatchNorm2d(2 * nf), nn.ReLU(),
            nn.ConvTranspose2d(2 * nf, nf, 4, 2, 1, bias=False), nn.BatchNorm2d(nf), nn.ReLU(),
            nn.ConvTranspose2d(nf, 1, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z.view(z.shape[0], self.nz, 1, 1))


class DCGANDiscriminator(nn.Module):
    def __init__(self, nf):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, nf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
            nn.Conv2d(nf, 2 * nf, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * nf), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * nf, 1, 7, 1, 0, bias=False))

    def forward(self, x):
        return self.main(x).view(-1)


class UNet(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.down1 = nn.Sequential(nn.Conv2d(1, f, 4, 2, 1), nn.LeakyReLU(0.2))
        self.down2 = nn.Sequential(nn.Conv2d(f, 2 * f, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * f), nn.LeakyReLU(0.2))
        self.mid = nn.Sequential(nn.Conv2d(2 * f, 2 * f, 3, 1, 1, bias=False), nn.BatchNorm2d(2 * f), nn.ReLU())
        self.up2 = nn.Sequential(nn.ConvTranspose2d(4 * f, f, 4, 2, 1, bias=False), nn.BatchNorm2d(f), nn.ReLU())
        self.up1 = nn.Sequential(nn.ConvTranspose2d(2 * f, f, 4, 2, 1, bias=False), nn.BatchNorm2d(f), nn.ReLU())
        self.out = nn.Conv2d(f + 1, 1, 3, 1, 1)

    def forward(self, x):
        d1 = self.down1(x); d2 = self.down2(d1); m = self.mid(d2)
        u2 = self.up2(torch.cat([m, d2], 1)); u1 = self.up1(torch.cat([u2, d1], 1))
        return x + self.out(torch.cat([u1, x], 1))


def randomize(model):
    # Random weights everywhere, batch-norm scales and shifts included.
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.2)


def state(model):
    return {k: {"shape": list(v.shape), "values": v.flatten().tolist()} for k, v in model.state_dict().items()}


def tensor(t):
    return {"shape": list(t.shape), "values": t.detach().flatten().tolist()}


g, d, u = DCGANGenerator(8, 4), DCGANDiscriminator(4), UNet(4)
for m in (g, d, u):
    randomize(m)
z = torch.randn(3, 8)
x = torch.rand(3, 1, 28, 28) * 2 - 1
fake = g(z)
real_logits, fake_logits = d(x), d(fake.detach())
loss_d = (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, 0.9))
          + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
print(json.dumps({
    "generator": state(g), "discriminator": state(d), "unet": state(u),
    "z": tensor(z), "x": tensor(x), "fake": tensor(fake), "real_logits": tensor(real_logits),
    "fake_logits": tensor(fake_logits), "loss_d_smoothed": loss_d.item(), "unet_out": tensor(u(x)),
}))
