"""PyTorch twins of bench/ddpm.js (CPU, 2 threads), on the same U-Net (scripts/torch_unet.py): a DDPM training
step at batch 64 (uniform t, noise MSE, labels dropped with p 0.1, Adam) and DDIM sampling of 64 images in 50
steps (eta 0, conditional). Prints {name: {torch: ops_per_s}}."""
import json, math, os, sys
import numpy as np
import torch
import torch.nn.functional as F
from timing import rate
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'scripts'))
from torch_unet import UNet

torch.set_num_threads(2)
only = [o[1:] if o.startswith("=") else o for o in sys.argv[1:]]
T = 1000
ac = torch.tensor(np.cumprod(1 - np.linspace(1e-4, 0.02, T)), dtype=torch.float32)
labels = torch.arange(64) % 10
out = {}


def unet():
    torch.manual_seed(0)
    return UNet(in_ch=1, ch=32, mults=(1, 2, 2), attn=(2,), groups=8, classes=10, heads=1)


def train_step():
    net = unet()
    opt = torch.optim.Adam(net.parameters(), lr=2e-4)
    x0 = torch.rand(64, 1, 28, 28) * 2 - 1

    def fn():
        opt.zero_grad()
        t = torch.randint(0, T, (64,))
        noise = torch.randn_like(x0)
        a = ac[t].view(-1, 1, 1, 1)
        y = torch.where(torch.rand(64) < 0.1, torch.full((64,), 10), labels)
        F.mse_loss(net(a.sqrt() * x0 + (1 - a).sqrt() * noise, t, y), noise).backward()
        opt.step()
    return fn


def ddim():
    net = unet().eval()

    @torch.no_grad()
    def fn():
        x = torch.randn(64, 1, 28, 28)
        ratio = T // 50
        for i in reversed(range(50)):
            t = i * ratio
            a = ac[t].item(); ap = ac[t - ratio].item() if t >= ratio else 1.0
            e = net(x, torch.full((64,), t), labels)
            x0 = (x - math.sqrt(1 - a) * e) / math.sqrt(a)
            x = math.sqrt(ap) * x0 + math.sqrt(1 - ap) * e
    return fn


for name, make in [("DDPM U-Net train step b64 28x28 adam", train_step), ("DDIM sample 64 images 50 steps", ddim)]:
    if not only or any(o in name for o in only):
        out[name] = {"torch": rate(make(), min_time=2, repeats=3)}
json.dump(out, sys.stdout)
