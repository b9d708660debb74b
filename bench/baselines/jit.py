"""PyTorch twin of bench/jit.js: an MNIST MLP (784-256-128-10, ReLU, dropout in eval mode) at
batch 1, eager and through torch.jit.trace, under no_grad; the numpy column is a NumPy forward.
Printed as JSON {name: {numpy, torch}} in calls/s."""
import json, sys
import numpy as np
from timing import rate

try:
    import torch
    torch.set_num_threads(2)
except ImportError:
    torch = None

out = {}
only = sys.argv[1:]


def bench(name, np_fn, torch_fn):
    if only and not any((o[1:] == name) if o.startswith("=") else (o in name) for o in only):
        return
    r = {"numpy": rate(np_fn)}
    if torch is not None:
        r["torch"] = rate(torch_fn)
    out[name] = r


rng = np.random.default_rng(0)
ws = [(rng.standard_normal((o, i), dtype=np.float32) / np.sqrt(i), np.zeros(o, dtype=np.float32)) for i, o in ((784, 256), (256, 128), (128, 10))]
x = rng.standard_normal((1, 784), dtype=np.float32)


def np_fwd():
    h = x
    for k, (w, b) in enumerate(ws):
        h = h @ w.T + b
        if k < 2:
            h = np.maximum(h, 0)
    return h


if torch is not None:
    nn = torch.nn
    m = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10)).eval()
    tx = torch.from_numpy(x)
    with torch.no_grad():
        traced = torch.jit.trace(m, tx)

    def eager():
        with torch.no_grad():
            return m(tx)

    def jitted():
        with torch.no_grad():
            return traced(tx)
else:
    eager = jitted = None

bench("mnist mlp b1 eager", np_fwd, eager)
bench("mnist mlp b1 traced", np_fwd, jitted)
json.dump(out, sys.stdout)
