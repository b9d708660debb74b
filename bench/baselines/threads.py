"""PyTorch twin of bench/threads.js: an Adam update of a 4-H-H-2 ReLU MLP on a batch of 64,
on 1 and 2 threads, quiet and with one core taken by a spinning process. Prints
{name: {torch: ops_per_s}}."""
import json, subprocess, sys
import torch
import torch.nn as nn
from timing import rate

only = sys.argv[1:]
out = {}


def update(h):
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(4, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 2))
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    x, y = torch.randn(64, 4), torch.randn(64, 2)

    def step():
        opt.zero_grad()
        (m(x) - y).square().mean().backward()
        opt.step()
    return step


for net, h in [("4-256-256-2", 256), ("4-64-64-2", 64)]:
    for threads in (1, 2):
        for busy in (False, True):
            name = f"mlp {net} B64 Adam update, {threads} thread{'s' if threads > 1 else ''}{', one core busy' if busy else ''}"
            if only and not any((o[1:] == name) if o.startswith("=") else (o in name) for o in only):
                continue
            torch.set_num_threads(threads)
            p = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
            try:
                out[name] = {"torch": rate(update(h))}
            finally:
                if p:
                    p.kill()
                    p.wait()
json.dump(out, sys.stdout)
