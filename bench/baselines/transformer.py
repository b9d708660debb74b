"""PyTorch twin of bench/transformer.js (CPU, 2 threads): a training step (forward, backward, AdamW)
of nn.TransformerEncoderLayer(256, 8, dim_feedforward=1024, dropout=0.1, batch_first=True) on
[16, 128, 256] with the causal mask (is_causal=True), loss = output mean. Prints {name: {torch: ops_per_s}}."""
import json, sys
import torch
from timing import rate

torch.set_num_threads(2)
only = [o[1:] if o.startswith("=") else o for o in sys.argv[1:]]
D, H, FF, B, L = 256, 8, 1024, 16, 128
out = {}


def step():
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(D, H, dim_feedforward=FF, dropout=0.1, batch_first=True)
    x = torch.randn(B, L, D)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(L)
    opt = torch.optim.AdamW(layer.parameters(), lr=1e-3)

    def fn():
        opt.zero_grad()
        layer(x, src_mask=mask, is_causal=True).mean().backward()
        opt.step()
    return fn


full = f"TransformerEncoderLayer train step d{D} h{H} ff{FF} b{B} l{L} causal dropout0.1 adamw"
if not only or any(o in full for o in only):
    out[full] = {"torch": rate(step())}
json.dump(out, sys.stdout)
