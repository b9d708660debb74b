"""PyTorch eager twin of bench/overhead.js: a 1-element add, results freed by refcount (the
three myelin modes all compare with this: Python frees each result when it is dropped), the
tidy case as 10 adds per call. Printed as JSON {name: {numpy, torch}} in ops/s per op."""
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


def bench(name, np_fn, torch_fn, per_call=1):
    if only and not any((o[1:] == name) if o.startswith("=") else (o in name) for o in only):
        return
    r = {"numpy": rate(np_fn) * per_call}
    if torch is not None:
        r["torch"] = rate(torch_fn) * per_call
    out[name] = r


a, b = np.ones(1, dtype=np.float32), np.ones(1, dtype=np.float32)
ta, tb = (torch.ones(1), torch.ones(1)) if torch else (None, None)


def np10():
    for _ in range(10):
        a + b


def t10():
    for _ in range(10):
        ta + tb


bench("add 1 element, left to the GC (overhead)", lambda: a + b, lambda: ta + tb)
bench("add 1 element, dispose each (overhead)", lambda: a + b, lambda: ta + tb)
bench("add 1 element, tidy per 10 ops (overhead)", np10, t10, 10)
json.dump(out, sys.stdout)
