"""Reference numbers for Kindred's resampling and image-quality tests.

Bicubic and area resizing come from PyTorch's F.interpolate; SSIM is computed the way
scikit-image's structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
data_range=1) does it (scipy's gaussian_filter, reflect mode, truncate 3.5, then the 5-pixel border
cropped), and PSNR as 10*log10(1/MSE). Run: python make_image_fixtures.py > image_fixtures.json
"""
import json

import numpy as np
import torch
import torch.nn.functional as F
from scipy.ndimage import gaussian_filter

torch.manual_seed(0)
x = torch.rand(2, 1, 5, 6, dtype=torch.float64)
up2 = F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False)
odd = F.interpolate(x, size=(7, 9), mode="bicubic", align_corners=False)
big = torch.rand(1, 2, 8, 6, dtype=torch.float64)
area = F.interpolate(big, scale_factor=0.5, mode="area")


def ssim_skimage_way(a, b):
    """SSIM of one channel, as scikit-image computes it with Gaussian weights."""
    filt = lambda z: gaussian_filter(z, sigma=1.5, mode="reflect", truncate=3.5)
    ux, uy = filt(a), filt(b)
    vx, vy, vxy = filt(a * a) - ux * ux, filt(b * b) - uy * uy, filt(a * b) - ux * uy
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux ** 2 + uy ** 2 + c1) * (vx + vy + c2))
    return s[5:-5, 5:-5].mean()


rng = np.random.default_rng(0)
imgs = rng.random((2, 2, 16, 14))
refs = np.clip(imgs + 0.2 * rng.standard_normal(imgs.shape), 0, 1)
ssim = [float(np.mean([ssim_skimage_way(imgs[i, c], refs[i, c]) for c in range(2)])) for i in range(2)]
psnr = [float(10 * np.log10(1 / np.mean((imgs[i] - refs[i]) ** 2))) for i in range(2)]

print(json.dumps({
    "bicubic_input": {"shape": list(x.shape), "values": x.flatten().tolist()},
    "bicubic_x2": {"shape": list(up2.shape), "values": up2.flatten().tolist()},
    "bicubic_7x9": {"shape": list(odd.shape), "values": odd.flatten().tolist()},
    "area_input": {"shape": list(big.shape), "values": big.flatten().tolist()},
    "area_half": {"shape": list(area.shape), "values": area.flatten().tolist()},
    "quality_images": {"shape": list(imgs.shape), "values": imgs.flatten().tolist()},
    "quality_references": {"shape": list(refs.shape), "values": refs.flatten().tolist()},
    "ssim": ssim,
    "psnr": psnr,
}, indent=1))
