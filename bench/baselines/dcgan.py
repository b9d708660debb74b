"""PyTorch twin of bench/dcgan.js (CPU, 2 threads): a DCGAN training step at batch 64 (one D step on
real + detached fake, one G step; BCE with logits; Adam 2e-4 betas (0.5, 0.999)). Prints {name: {torch: ops_per_s}}."""
import json, sys
import torch
import torch.nn as nn
from timing import rate

torch.set_num_threads(2)
only = [o[1:] if o.startswith("=") else o for o in sys.argv[1:]]
B, w = 64, 64


def init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0, 0.02)
        if m.bias is not None: nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1, 0.02); nn.init.zeros_(m.bias)


def step():
    torch.manual_seed(0)
    G = nn.Sequential(nn.ConvTranspose2d(100, 4 * w, 7, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(),
                      nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),
                      nn.ConvTranspose2d(2 * w, 1, 4, 2, 1, bias=False), nn.Tanh())
    D = nn.Sequential(nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w),
                      nn.LeakyReLU(0.2), nn.Conv2d(2 * w, 1, 7), nn.Flatten(0))
    G.apply(init); D.apply(init)
    optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(B, 1, 28, 28) * 2 - 1
    ones, zeros = torch.ones(B), torch.zeros(B)
    bce = nn.functional.binary_cross_entropy_with_logits

    def fn():
        fake = G(torch.randn(B, 100, 1, 1))
        optD.zero_grad()
        (bce(D(real), ones) + bce(D(fake.detach()), zeros)).backward()
        optD.step()
        optG.zero_grad()
        bce(D(fake), ones).backward()
        optG.step()
    return fn


full = f"DCGAN train step b{B} w64 (D step + G step, adam)"
out = {}
if not only or any(o in full for o in only):
    out[full] = {"torch": rate(step())}
json.dump(out, sys.stdout)
