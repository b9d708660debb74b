"""PyTorch twins of bench/graph.js: eager calls and torch.jit.trace replays of the same
workloads, printed as JSON {name: {torch: ops_per_s}} (the graph_run rows get the traced
replay, the eager rows eager PyTorch). Arguments as core.py's."""
import json, sys
from timing import rate

try:
    import torch
    torch.set_num_threads(2)
except ImportError:
    torch = None

CHAIN = 100
out = {}
only = sys.argv[1:]


def bench(name, fn):
    if only and not any((o[1:] == name) if o.startswith("=") else (o in name) for o in only):
        return
    out[name] = {"torch": rate(fn)} if torch is not None else {}


if torch is not None:
    torch.manual_seed(0)
    c = torch.ones(1)

    def chain(x):
        for _ in range(CHAIN):
            x = x + c
        return x

    x1 = torch.ones(1)
    with torch.no_grad():
        traced_chain = torch.jit.trace(chain, (x1,))
        traced_one = torch.jit.trace(lambda x: x + c, (x1,))
        bench(f"chain of {CHAIN} 1-element adds, graph_run", lambda: traced_chain(x1))
        bench(f"chain of {CHAIN} 1-element adds, eager", lambda: chain(x1))
        bench("1 1-element add, graph_run", lambda: traced_one(x1))

        mlp = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                  torch.nn.Linear(128, 10)).eval()
        xb = torch.randn(1, 784)
        traced_mlp = torch.jit.trace(mlp, (xb,))
        bench("MLP 784-256-128-10 batch 1, graph_run", lambda: traced_mlp(xb))
        bench("MLP 784-256-128-10 batch 1, eager", lambda: mlp(xb))

print(json.dumps(out))
