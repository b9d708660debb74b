"""PyTorch twins of bench/autograd.js. Prints {name: {torch: ops_per_s}}."""
import json, sys
import numpy as np
from timing import rate
import torch

torch.set_num_threads(2)
only = [o[1:] if o.startswith("=") else o for o in sys.argv[1:]]


out = {}
torch.manual_seed(0)
p = [(torch.randn(i, o) / i ** 0.5, torch.zeros(o)) for i, o in [(784, 256), (256, 128), (128, 10)]]
for w, b in p:
    w.requires_grad_(); b.requires_grad_()
x = torch.randn(64, 784)
onehot = torch.nn.functional.one_hot(torch.randint(0, 10, (64,)), 10).float()


def mlp():
    h = x
    for i, (w, b) in enumerate(p):
        h = h @ w + b
        if i < 2:
            h = h.relu()
    (h.log_softmax(1) * onehot).sum().div(-64).backward()
    for w, b in p:
        w.grad.zero_(); b.grad.zero_()


x1 = torch.ones(1, requires_grad=True)


def nodes():
    y = x1
    for _ in range(100):
        y = y * 1.0001
    y.sum().backward()
    x1.grad.zero_()


for name, fn in [("mlp 784-256-128-10 fwd+bwd b64", mlp), ("autograd node (1-element mul+backward, 100 nodes)", nodes)]:
    if not only or any(o in name for o in only):
        out[name] = {"torch": rate(fn)}
json.dump(out, sys.stdout)
