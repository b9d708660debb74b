"""PyTorch twins of bench/rnn_cell.js: one LSTM / GRU step's gate math, forward + backward,
B = 64, H = 256. torch's fused cells (_thnn_fused_lstm_cell, _thnn_fused_gru_cell) have only
CUDA kernels, so on the CPU its cell is this math in aten ops (what torch.lstm_cell and
torch.gru_cell run after their GEMMs); both myelin rows (fused and composed) compare to it.
Prints {name: {torch: ops_per_s}}."""
import json
import sys

import torch
from timing import rate

torch.set_num_threads(2)
only = [o[1:] if o.startswith("=") else o for o in sys.argv[1:]]
B, H = 64, 256
torch.manual_seed(0)


def leaves(k):
    return [torch.randn(B, k * H, requires_grad=True), torch.randn(B, k * H, requires_grad=True), torch.randn(B, H, requires_grad=True)]


def clear(ts):
    for t in ts:
        t.grad = None


lx = leaves(4)
gx = leaves(3)
wh, wc = torch.randn(B, H), torch.randn(B, H)


def lstm():
    xg, hg, c = lx
    i, f, g, o = (xg + hg).chunk(4, 1)
    cy = f.sigmoid() * c + i.sigmoid() * g.tanh()
    hy = o.sigmoid() * cy.tanh()
    ((hy * wh).sum() + (cy * wc).sum()).backward()
    clear(lx)


def gru():
    xg, hg, h = gx
    xr, xz, xn = xg.chunk(3, 1)
    hr, hz, hn = hg.chunk(3, 1)
    r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
    n = (xn + r * hn).tanh()
    ((n + z * (h - n)) * wh).sum().backward()
    clear(gx)


out = {}
for name, fn in [("lstm cell fused fwd+bwd B64 H256", lstm), ("lstm cell composed fwd+bwd B64 H256", lstm),
                 ("gru cell fused fwd+bwd B64 H256", gru), ("gru cell composed fwd+bwd B64 H256", gru)]:
    if not only or any(o in name for o in only):
        out[name] = {"torch": rate(fn)}
json.dump(out, sys.stdout)
