"""Reference values for the defects of issue 15 (test/defects15.test.ts), computed by PyTorch.

Number-first binary ops: torch's Python operators take a number on the left as a weakly
typed scalar (1 - t is rsub, 2 ** t is pow(Scalar, Tensor)); those give the expected values,
dtypes and gradients. A float64 Linear: output and gradients of sum(out * r).
Run: PATH=/tmp/venv-c/bin:$PATH python scripts/gen_defects15_fixtures.py
"""
import json, os
import torch

def t(x):
    return {"shape": list(x.shape), "dtype": str(x.dtype).replace("torch.", ""), "data": x.detach().reshape(-1).tolist()}

xf = [0.5, -1.25, 2.0, 3.5]
xi = [1, -2, 3, 4]
cases = []

def case(name, fn, data, dtype, grad):
    x = torch.tensor(data, dtype=dtype, requires_grad=grad)
    y = fn(x)
    entry = {"name": name, "in": t(x), "out": t(y)}
    if grad:
        r = torch.tensor([0.3, -0.7, 1.1, 0.2], dtype=y.dtype)
        (y * r).sum().backward()
        entry["r"] = t(r)
        entry["grad"] = t(x.grad)
    cases.append(entry)

# name: the myelin call (functional form with the number first)
case("add(1, int32)", lambda x: 1 + x, xi, torch.int32, False)
case("add(1.5, int32)", lambda x: 1.5 + x, xi, torch.int32, False)
case("sub(3, int32)", lambda x: 3 - x, xi, torch.int32, False)
case("sub(1.5, int32)", lambda x: 1.5 - x, xi, torch.int32, False)
case("mul(2.5, int64)", lambda x: 2.5 * x, xi, torch.int64, False)
case("div(2, int32)", lambda x: 2 / x, xi, torch.int32, False)
case("pow(2, int32)", lambda x: 2 ** x.abs(), xi, torch.int32, False)
case("sub(1.1, float64)", lambda x: 1.1 - x, xf, torch.float64, True)
case("div(1.1, float64)", lambda x: 1.1 / x, xf, torch.float64, True)
case("pow(1.7, float64)", lambda x: 1.7 ** x, xf, torch.float64, True)
case("pow(0, float64)", lambda x: 0 ** x, [0.5, 1.25, 0.0, 3.5], torch.float64, True)
case("maximum(1, float32)", lambda x: torch.clamp_min(x, 1), xf, torch.float32, True)
case("minimum(1, int32)", lambda x: torch.clamp_max(x, 1), xi, torch.int32, False)
case("lt(1, float32)", lambda x: 1 < x, xf, torch.float32, False)
case("le(2, int32)", lambda x: 2 <= x, xi, torch.int32, False)
case("gt(1, float32)", lambda x: 1 > x, xf, torch.float32, False)
case("ge(3, int32)", lambda x: 3 >= x, xi, torch.int32, False)
case("eq(2, float32)", lambda x: 2 == x, [2.0, 1.0, 2.0, 0.5], torch.float32, False)
case("ne(2, float32)", lambda x: 2 != x, [2.0, 1.0, 2.0, 0.5], torch.float32, False)

# where with a number on either side, against torch.where (which takes scalars either side)
cond = torch.tensor([True, False, False, True])
for name, fn in [("where(c, 0, x)", lambda x: torch.where(cond, 0.0, x)),
                 ("where(c, x, 0)", lambda x: torch.where(cond, x, 0.0)),
                 ("where(c, 2.5, x)", lambda x: torch.where(cond, 2.5, x))]:
    case(name, fn, xf, torch.float64, True)

# a float64 Linear, with its parameters given (torch's init draws are not ours)
g = torch.Generator().manual_seed(15)
lin = torch.nn.Linear(3, 2, dtype=torch.float64)
with torch.no_grad():
    lin.weight.copy_(torch.randn(2, 3, generator=g, dtype=torch.float64))
    lin.bias.copy_(torch.randn(2, generator=g, dtype=torch.float64))
x = torch.randn(4, 3, generator=g, dtype=torch.float64, requires_grad=True)
y = lin(x)
r = torch.randn(4, 2, generator=g, dtype=torch.float64)
(y * r).sum().backward()
linear = {"weight": t(lin.weight), "bias": t(lin.bias), "x": t(x), "out": t(y), "r": t(r),
          "gradX": t(x.grad), "gradWeight": t(lin.weight.grad), "gradBias": t(lin.bias.grad)}

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "defects15.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "binary": cases, "linear": linear}, f, indent=1)
print("wrote", out, len(cases), "cases")
