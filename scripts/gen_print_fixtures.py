"""Writes test/fixtures/print.json: torch's str() of a set of tensors, so the printing
test compares myelin's toString() against PyTorch's own output."""
import json, math, os
import torch

torch.manual_seed(0)
cases = {
    "float 2x3": torch.tensor([[1., 2., 3.], [4., 5., 6.]]),
    "float sci": torch.tensor([1.5, 2, 1e-5]),
    "0-d": torch.tensor(3.5),
    "empty 0x3": torch.zeros(0, 3),
    "bool": torch.tensor([True, False]),
    "int32": torch.tensor([1, 2, 3], dtype=torch.int32),
    "int64 3-d": torch.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),
    "float64": torch.tensor([0.1, -2.25], dtype=torch.float64),
    "nonfinite": torch.tensor([float("nan"), 1.5, float("inf")]),
    "wrapped row": torch.arange(30.) / 7,
    "summarized 40x50": torch.arange(2000.).reshape(40, 50),
    "summarized randn": torch.randn(60, 30),
    "negative": torch.tensor([[-1.25, 3.5], [0.0, -0.0625]]),
}


def enc(v):
    return v if math.isfinite(v) else ("nan" if v != v else ("inf" if v > 0 else "-inf"))


out = []
for name, t in cases.items():
    dtype = str(t.dtype).replace("torch.", "")
    out.append({"name": name, "dtype": dtype, "shape": list(t.shape),
                "data": [enc(float(v)) for v in t.flatten().tolist()],
                "str": str(t).replace("torch.", "")})
os.makedirs("test/fixtures", exist_ok=True)
with open("test/fixtures/print.json", "w") as f:
    json.dump(out, f)


# Big and high-rank tensors (issue 14, item 10), written to test/fixtures/print_big.json.
# Their data is not stored: each case names how to build it (an arange, scaled and offset,
# reshaped, optionally transposed or compared mod 3), and myelin builds the same tensor.
# Outputs past 20,000 characters are stored as their length and sha256.
import hashlib


def build(spec):
    dtype = getattr(torch, spec["dtype"])
    if spec["op"] == "zeros":
        return torch.zeros(spec["shape"], dtype=dtype)
    if spec["op"] == "values":  # int64 given as decimal strings: exact past 2^53
        return torch.tensor([int(v) for v in spec["values"]], dtype=dtype)
    t = torch.arange(spec["n"], dtype=torch.float64 if dtype.is_floating_point else torch.int64)
    t = (t * spec.get("scale", 1) + spec.get("offset", 0))
    if spec.get("mod3"):
        t = t.remainder(3).eq(0)
    t = t.to(dtype).reshape(spec["shape"])
    if spec.get("transpose"):
        t = t.t()
    return t


big_cases = {
    "3e7 float32 elements [30000, 1000]": {"op": "arange", "n": 30_000_000, "dtype": "float32", "shape": [30000, 1000]},
    "6e6 int64 elements [2000, 3000]": {"op": "arange", "n": 6_000_000, "dtype": "int64", "shape": [2000, 3000], "offset": -3_000_000},
    "5-d [7, 7, 7, 7, 7] summarized along every dim": {"op": "arange", "n": 7 ** 5, "dtype": "float32", "shape": [7] * 5, "scale": 0.5},
    "11-d [2] * 11 int32, summarized but no dim long enough to cut": {"op": "arange", "n": 2 ** 11, "dtype": "int32", "shape": [2] * 11},
    "7-d [6] * 7 zeros (280k elements, all shown)": {"op": "zeros", "dtype": "float32", "shape": [6] * 7},
    "bool [1000, 1000]": {"op": "arange", "n": 1_000_000, "dtype": "bool", "shape": [1000, 1000], "mod3": True},
    "float64 [1500, 2] fractions": {"op": "arange", "n": 3000, "dtype": "float64", "shape": [1500, 2], "scale": 0.001, "offset": -1},
    "transposed [50, 40] view": {"op": "arange", "n": 2000, "dtype": "float32", "shape": [40, 50], "transpose": True, "scale": 0.25},
    "int64 past 2^53 prints exactly": {"op": "values", "dtype": "int64", "values": [str(2 ** 60 + 1), "-5", str(2 ** 62)]},
    "wide rows [3, 5000] float32 sci": {"op": "arange", "n": 15000, "dtype": "float32", "shape": [3, 5000], "scale": 1e-6},
}
big = []
for name, spec in big_cases.items():
    s = str(build(spec)).replace("torch.", "")
    entry = {"name": name, "make": spec}
    if len(s) > 20000:
        entry.update({"len": len(s), "sha256": hashlib.sha256(s.encode()).hexdigest()})
    else:
        entry["str"] = s
    big.append(entry)
with open("test/fixtures/print_big.json", "w") as f:
    json.dump(big, f, indent=1)
