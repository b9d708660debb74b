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
