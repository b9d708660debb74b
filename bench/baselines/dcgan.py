"""PyTorch twin of bench/dcgan.js (CPU, 2 threads): a DCGAN training step at batch 64 (one D step on
real + detached fake, one G step; BCE with logits; Adam 2e-4 betas (0.5, 0.999)). Prints {name: {torch: ops_per_s}}."""
import json, sys
import torch
import torch.nn as nn
from timing import rate
from gen_models import dcgan

torch.set_num_threads(2)
only = [o[1:] if o.startswith("=") else o for o in sys.argv[1:]]
B, w = 64, 64


def step():
    torch.manual_seed(0)
    G, D = dcgan(w)
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
