"""NumPy and PyTorch twins of bench/io.js: readback copies, creation from arrays and buffers,
and the 1-element add, printed as JSON {name: {numpy: ops_per_s, torch: ops_per_s}}."""
import json, sys
import numpy as np
from timing import rate

try:
    import torch
    torch.set_num_threads(2)
except ImportError:  # PyTorch is optional: its column is left empty
    torch = None

MB = 2**20
out = {}
only = sys.argv[1:]


def bench(name, np_fn, torch_fn=None):
    if only and not any((o[1:] == name) if o.startswith("=") else (o in name) for o in only):
        return
    r = {"numpy": rate(np_fn) if np_fn else None}
    if torch is not None and torch_fn is not None:
        r["torch"] = rate(torch_fn)
    out[name] = r


# readback: a tensor's elements into a fresh host array (torch: t.numpy().copy())
for mb in (1, 16):
    a = np.random.default_rng(0).random(mb * MB // 4, dtype=np.float32)
    t = torch.from_numpy(a.copy()) if torch else None
    bench(f"data() float32 {mb} MB", lambda a=a: a.copy(), lambda t=t: t.numpy().copy())
    if mb == 16:
        bench("dataAsync() float32 16 MB", lambda a=a: a.copy(), lambda t=t: t.numpy().copy())
m = np.random.default_rng(0).random((2048, 2048), dtype=np.float32)
tm = torch.from_numpy(m.copy()) if torch else None
bench("data() float32 transposed 16 MB", lambda: np.ascontiguousarray(m.T), lambda: tm.T.contiguous().numpy())
# creation: a copy of a host array (torch.from_numpy(a).clone())
f = np.full(4 * MB, 1.5, dtype=np.float32)
bench("tensor(Float32Array) 16 MB", lambda: np.array(f), lambda: torch.from_numpy(f).clone())
u = np.full(16 * MB, 7, dtype=np.uint8)  # myelin makes int32 from a Uint8Array today
bench("tensor(Uint8Array) 16 MB", lambda: u.astype(np.int32), lambda: torch.from_numpy(u).to(torch.int32))
buf = bytearray(16 * MB)
bench("fromBuffer 16 MB", lambda: np.frombuffer(buf, dtype=np.float32), lambda: torch.frombuffer(buf, dtype=torch.float32))
one_a, one_b = np.ones(1, dtype=np.float32), np.ones(1, dtype=np.float32)
t1a, t1b = (torch.ones(1), torch.ones(1)) if torch else (None, None)
for ctx in ("root context", "inside noGrad(async)", "root context after ALS"):
    bench(f"add 1 element (overhead, {ctx})", lambda: one_a + one_b, lambda: t1a + t1b)

print(json.dumps(out))
