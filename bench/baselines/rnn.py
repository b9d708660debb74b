"""PyTorch twins of bench/rnn.js (CPU, 2 threads): a training step (forward, backward, Adam) of a
1-layer LSTM and GRU, input 64, hidden 256, batch 64, 50 steps, batch_first, loss = output mean.
Prints {name: {torch: ops_per_s}}."""
import json, sys
import torch
from timing import rate

torch.set_num_threads(2)
only = [o[1:] if o.startswith("=") else o for o in sys.argv[1:]]
I, H, B, T = 64, 256, 64, 50
out = {}


def step(cls):
    torch.manual_seed(0)
    net = cls(I, H, batch_first=True)
    x = torch.randn(B, T, I)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def fn():
        opt.zero_grad()
        net(x)[0].mean().backward()
        opt.step()
    return fn


for name, cls in [("LSTM", torch.nn.LSTM), ("GRU", torch.nn.GRU)]:
    full = f"{name} train step in{I} h{H} b{B} t{T} adam"
    if not only or any(o in full for o in only):
        out[full] = {"torch": rate(step(cls))}
json.dump(out, sys.stdout)
