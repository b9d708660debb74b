"""PyTorch twin of bench/attention.js: F.scaled_dot_product_attention forward + backward
(batch 1, 8 heads of 64, float32; torch's CPU flash-attention kernel), and its peak memory:
the maxrss growth (resource.getrusage) of this fresh process over one fwd+bwd after the inputs
exist (tracemalloc does not see torch's allocations). Prints {name: {torch, torchPeakMiB}}."""
import json
import resource
import sys

import torch
import torch.nn.functional as F
from timing import rate

torch.set_num_threads(2)
only = [o[1:] if o.startswith("=") else o for o in sys.argv[1:]]
H, E = 8, 64


def setup(L, causal):
    torch.manual_seed(0)
    q, k, v = (torch.randn(1, H, L, E, requires_grad=True) for _ in range(3))
    w = torch.randn(1, H, L, E)

    def step():
        (F.scaled_dot_product_attention(q, k, v, is_causal=causal) * w).sum().backward()
        for t in (q, k, v):
            t.grad = None
    return step


out = {}
for L in (1024, 4096):
    for causal in (False, True):
        for composite in (False, True):
            name = f"sdpa fwd+bwd L{L} H8 E64{' causal' if causal else ''}{' composite' if composite else ''}"
            if only and not any(o == name for o in only):
                continue
            step = setup(L, causal)
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            step()
            peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
            out[name] = {"torch": rate(step, min_time=2, repeats=3), "torchPeakMiB": round(peak, 1)}
json.dump(out, sys.stdout)
