"""NumPy and PyTorch twins of bench/core.js: the same workloads, timed the same way
(median over repeats), printed as JSON {name: {numpy: ops_per_s, torch: ops_per_s}}.
Arguments filter by substring, or by exact name with a leading '='."""
import json, sys, time
import numpy as np
from timing import rate

try:
    import torch
    torch.set_num_threads(2)
except ImportError:  # PyTorch is optional: its column is left empty
    torch = None


rng = np.random.default_rng(0)
out = {}
only = sys.argv[1:]


def bench(name, np_fn, torch_fn=None):
    if only and not any((o[1:] == name) if o.startswith("=") else (o in name) for o in only):
        return
    r = {"numpy": rate(np_fn)}
    if torch is not None and torch_fn is not None:
        r["torch"] = rate(torch_fn)
    out[name] = r


for n in (128, 512, 1024, 2048):
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    ta, tb = (torch.from_numpy(a), torch.from_numpy(b)) if torch else (None, None)
    bench(f"matmul {n}", lambda: a @ b, lambda: ta @ tb)

# NumPy has no bfloat16: its column is the float32 product of the same shape
a = rng.standard_normal((1024, 1024), dtype=np.float32)
b = rng.standard_normal((1024, 1024), dtype=np.float32)
ta, tb = (torch.from_numpy(a).bfloat16(), torch.from_numpy(b).bfloat16()) if torch else (None, None)
bench("matmul bf16 1024", lambda: a @ b, lambda: ta @ tb)

for n in (10**6, 10**7):
    x = rng.standard_normal(n, dtype=np.float32)
    y = rng.standard_normal(n, dtype=np.float32)
    tx, ty = (torch.from_numpy(x), torch.from_numpy(y)) if torch else (None, None)
    tag = "1e6" if n == 10**6 else "1e7"
    bench(f"add {tag}", lambda: x + y, lambda: tx + ty)
    bench(f"mul {tag}", lambda: x * y, lambda: tx * ty)
    bench(f"exp {tag}", lambda: np.exp(x), lambda: torch.exp(tx))
    bench(f"relu {tag}", lambda: np.maximum(x, 0), lambda: torch.relu(tx))
    bench(f"sum {tag}", lambda: x.sum(), lambda: tx.sum())

fill = np.empty(10**7, dtype=np.float32)
tfill = torch.empty(10**7) if torch else None
bench("normal_ 1e7", lambda: rng.standard_normal(out=fill, dtype=np.float32), lambda: tfill.normal_())
bench("uniform_ 1e7", lambda: rng.random(out=fill, dtype=np.float32), lambda: tfill.uniform_())

s = rng.standard_normal((4096, 1024), dtype=np.float32)
ts = torch.from_numpy(s) if torch else None


def np_softmax():
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


bench("softmax [4096,1024]", np_softmax, lambda: torch.softmax(ts, dim=1))



def idle_rate(fn, idle_s=0.1, rounds=9):
    """bench/core.js's cold start: one call after idle_s of sleep, median over rounds."""
    fn()
    t = []
    for _ in range(rounds):
        time.sleep(idle_s)
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return 1 / sorted(t)[len(t) // 2]


def bench_idle(name, np_fn, torch_fn):
    if only and not any((o[1:] == name) if o.startswith("=") else (o in name) for o in only):
        return
    out[name] = {"numpy": idle_rate(np_fn), **({"torch": idle_rate(torch_fn)} if torch is not None else {})}


ca = rng.standard_normal((1024, 1024), dtype=np.float32)
cb = rng.standard_normal((1024, 1024), dtype=np.float32)
tca, tcb = (torch.from_numpy(ca), torch.from_numpy(cb)) if torch else (None, None)
bench_idle("matmul 1024 after 100 ms idle", lambda: ca @ cb, lambda: tca @ tcb)

one_a, one_b = np.ones(1, dtype=np.float32), np.ones(1, dtype=np.float32)
t1a, t1b = (torch.ones(1), torch.ones(1)) if torch else (None, None)
bench("add 1 element (overhead)", lambda: one_a + one_b, lambda: t1a + t1b)

json.dump(out, sys.stdout)
