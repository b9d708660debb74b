"""Reference outputs for myelin's nn layers and losses, computed by PyTorch.

Writes test/fixtures/nn.json: for each case the inputs, the module's state_dict (so the
test also checks myelin's key names), the output, and the gradients of sum(out * r)
with respect to the float inputs and every parameter. Run: python3 scripts/gen_nn_fixtures.py
"""
import json, os
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
g = torch.Generator().manual_seed(1234)

def t(x):
    return {"shape": list(x.shape), "dtype": str(x.dtype).replace("torch.", ""), "data": x.detach().reshape(-1).tolist()}

def randn(*s, dtype=torch.float32):
    return torch.randn(*s, generator=g, dtype=dtype)

def run(out, inputs, params):
    r = randn(*out.shape, dtype=out.dtype) if out.dim() > 0 else torch.tensor(1.0, dtype=out.dtype)
    (out * r).sum().backward()
    return r, [t(i.grad) if i.grad is not None else None for i in inputs], {k: t(p.grad) for k, p in params if p.grad is not None}

cases = []

def layer(name, js, mod, inputs, train=True, warm=0):
    mod.train(train)
    with torch.no_grad():
        for _ in range(warm):  # a few training batches first, for running statistics
            mod.train(True); mod(*[randn(*i.shape) for i in inputs]); mod.train(train)
    state = {k: t(v) for k, v in mod.state_dict().items()}
    xs = [i.clone().requires_grad_(i.is_floating_point()) for i in inputs]
    out = mod(*xs)
    r, gin, gp = run(out, xs, list(mod.named_parameters()))
    after = {k: t(v) for k, v in mod.state_dict().items() if "running" in k or "num_batches" in k}
    cases.append({"name": name, "kind": "layer", "js": js, "train": train, "state": state, "in": [t(i) for i in inputs],
                  "out": t(out), "r": t(r), "gradIn": gin, "gradParams": gp, "stateAfter": after})

def loss(name, fn, opts, inputs, grad_mask):
    xs = [i.clone().requires_grad_(m) for i, m in zip(inputs, grad_mask)]
    out = fn(*xs)
    r, gin, _ = run(out, xs, [])
    cases.append({"name": name, "kind": "loss", "fn": name.split(":")[0], "opts": opts, "in": [t(i) for i in inputs],
                  "out": t(out), "r": t(r), "gradIn": gin})

layer("Linear", ["Linear", 5, 3], nn.Linear(5, 3), [randn(4, 5)])
layer("Linear:3d-nobias", ["Linear", 4, 2, {"bias": False}], nn.Linear(4, 2, bias=False), [randn(2, 3, 4)])
layer("Bilinear", ["Bilinear", 3, 4, 2], nn.Bilinear(3, 4, 2), [randn(5, 3), randn(5, 4)])
layer("BatchNorm1d:2d-train", ["BatchNorm1d", 3], nn.BatchNorm1d(3), [randn(6, 3) * 2 + 1], warm=2)
layer("BatchNorm1d:3d-train", ["BatchNorm1d", 3, {"momentum": 0.3}], nn.BatchNorm1d(3, momentum=0.3), [randn(4, 3, 5)], warm=1)
layer("BatchNorm1d:eval", ["BatchNorm1d", 3], nn.BatchNorm1d(3), [randn(6, 3)], train=False, warm=3)
layer("BatchNorm1d:cumulative", ["BatchNorm1d", 2, {"momentum": None}], nn.BatchNorm1d(2, momentum=None), [randn(5, 2)], warm=2)
layer("BatchNorm1d:noaffine", ["BatchNorm1d", 3, {"affine": False}], nn.BatchNorm1d(3, affine=False), [randn(6, 3)])
layer("LayerNorm", ["LayerNorm", 6], nn.LayerNorm(6), [randn(3, 6)])
layer("LayerNorm:2dims", ["LayerNorm", [3, 4], 1e-3], nn.LayerNorm([3, 4], eps=1e-3), [randn(2, 3, 4)])
layer("Embedding:padding", ["Embedding", 7, 3, {"paddingIdx": 2}], nn.Embedding(7, 3, padding_idx=2), [torch.tensor([[0, 2, 5], [2, 6, 1]])])
layer("Sequential:mlp", ["Sequential", ["Linear", 4, 8], ["ReLU"], ["Linear", 8, 3], ["LogSoftmax", 1]],
      nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.LogSoftmax(1)), [randn(5, 4)])
for js, mod in [(["LeakyReLU", 0.2], nn.LeakyReLU(0.2)), (["ELU", 0.7], nn.ELU(0.7)), (["SELU"], nn.SELU()),
                (["GELU"], nn.GELU()), (["GELU", "tanh"], nn.GELU("tanh")), (["SiLU"], nn.SiLU()), (["Sigmoid"], nn.Sigmoid()),
                (["Tanh"], nn.Tanh()), (["Softmax", -1], nn.Softmax(-1)), (["Softplus", 2, 3], nn.Softplus(2, 3)),
                (["Flatten"], nn.Flatten()), (["Unflatten", 1, [2, 3]], nn.Unflatten(1, (2, 3)))]:
    layer(":".join(map(str, js)), js, mod, [randn(2, 6) * 2])

N, C = 6, 4
logits, labels = randn(N, C) * 2, torch.tensor([0, 3, 1, 1, 2, 3])
w = torch.rand(C, generator=g) + 0.5
probs = torch.softmax(randn(N, C), 1)
lab_ign = torch.tensor([0, -100, 1, 3, -100, 2])
for red in ["mean", "sum", "none"]:
    loss(f"crossEntropy:{red}", lambda x, y: F.cross_entropy(x, y, reduction=red), {"reduction": red}, [logits, labels], [True, False])
loss("crossEntropy:weight", lambda x, y: F.cross_entropy(x, y, weight=w), {"weight": t(w)}, [logits, labels], [True, False])
loss("crossEntropy:ignore", lambda x, y: F.cross_entropy(x, y, weight=w), {"weight": t(w)}, [logits, lab_ign], [True, False])
loss("crossEntropy:smooth", lambda x, y: F.cross_entropy(x, y, label_smoothing=0.2), {"labelSmoothing": 0.2}, [logits, lab_ign], [True, False])
loss("crossEntropy:smooth-weight", lambda x, y: F.cross_entropy(x, y, weight=w, label_smoothing=0.1),
     {"weight": t(w), "labelSmoothing": 0.1}, [logits, labels], [True, False])
loss("crossEntropy:probs", lambda x, y: F.cross_entropy(x, y), {}, [logits, probs], [True, True])
loss("crossEntropy:probs-smooth-weight", lambda x, y: F.cross_entropy(x, y, weight=w, label_smoothing=0.3),
     {"weight": t(w), "labelSmoothing": 0.3}, [logits, probs], [True, True])
loss("crossEntropy:4d", lambda x, y: F.cross_entropy(x, y), {}, [randn(2, 3, 2, 2), torch.tensor([[[0, 1], [2, 2]], [[1, 0], [0, 2]]])], [True, False])
loss("nllLoss:weight-ignore", lambda x, y: F.nll_loss(x, y, weight=w, ignore_index=1), {"weight": t(w), "ignoreIndex": 1},
     [torch.log_softmax(logits, 1), labels], [True, False])
a, b = randn(3, 4), randn(3, 4)
for red in ["mean", "sum", "none"]:
    loss(f"mseLoss:{red}", lambda x, y: F.mse_loss(x, y, reduction=red), {"reduction": red}, [a, b], [True, True])
    loss(f"l1Loss:{red}", lambda x, y: F.l1_loss(x, y, reduction=red), {"reduction": red}, [a, b], [True, True])
loss("huberLoss:delta", lambda x, y: F.huber_loss(x, y, delta=0.7), {"delta": 0.7}, [a * 2, b], [True, True])
loss("smoothL1Loss:beta", lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), {"beta": 0.5}, [a * 2, b], [True, True])
p, tgt = torch.sigmoid(randn(3, 4)), (torch.rand(3, 4, generator=g) > 0.5).float()
loss("binaryCrossEntropy:weight", lambda x, y: F.binary_cross_entropy(x, y, weight=w), {"weight": t(w)}, [p, tgt], [True, False])
loss("binaryCrossEntropy:sum", lambda x, y: F.binary_cross_entropy(x, y, reduction="sum"), {"reduction": "sum"}, [p, torch.rand(3, 4, generator=g)], [True, True])
z = torch.tensor([[-120.0, -3.0, 0.0, 4.0], [60.0, 1.5, -0.5, 2.0], [0.1, -30.0, 8.0, -2.0]])
loss("binaryCrossEntropyWithLogits:extreme", lambda x, y: F.binary_cross_entropy_with_logits(x, y), {}, [z, tgt], [True, True])
loss("binaryCrossEntropyWithLogits:posWeight", lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=w, weight=w * 2),
     {"posWeight": t(w), "weight": t(w * 2)}, [randn(3, 4) * 3, tgt], [True, True])
lp, q = torch.log_softmax(randn(3, 5), 1), torch.softmax(randn(3, 5), 1)
q0 = q.clone(); q0[0, 1] = 0; q0[2, 4] = 0
loss("klDiv:batchmean", lambda x, y: F.kl_div(x, y, reduction="batchmean"), {"reduction": "batchmean"}, [lp, q0], [True, False])
loss("klDiv:logTarget-sum", lambda x, y: F.kl_div(x, y, reduction="sum", log_target=True), {"reduction": "sum", "logTarget": True},
     [lp, torch.log(q)], [True, True])

# ---- convolutional layers (NCHW)
layer("Conv2d", ["Conv2d", 3, 4, 3], nn.Conv2d(3, 4, 3), [randn(2, 3, 6, 5)])
layer("Conv2d:stride-pad-dilation", ["Conv2d", 2, 3, [3, 2], {"stride": [2, 1], "padding": [2, 1], "dilation": [2, 1]}],
      nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(2, 1), dilation=(2, 1)), [randn(2, 2, 7, 6)])
layer("Conv2d:groups-nobias", ["Conv2d", 4, 6, 3, {"groups": 2, "padding": 1, "bias": False}],
      nn.Conv2d(4, 6, 3, groups=2, padding=1, bias=False), [randn(2, 4, 5, 5)])
layer("Conv2d:depthwise-same", ["Conv2d", 3, 3, 4, {"groups": 3, "padding": "same"}], nn.Conv2d(3, 3, 4, groups=3, padding="same"), [randn(1, 3, 6, 6)])
layer("Conv2d:unbatched", ["Conv2d", 2, 3, 3, {"padding": 1}], nn.Conv2d(2, 3, 3, padding=1), [randn(2, 5, 4)])
layer("Conv1d", ["Conv1d", 3, 2, 3, {"stride": 2, "padding": 1}], nn.Conv1d(3, 2, 3, stride=2, padding=1), [randn(2, 3, 9)])
layer("ConvTranspose2d", ["ConvTranspose2d", 3, 2, 3, {"stride": 2, "padding": 1, "outputPadding": 1}],
      nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), [randn(2, 3, 4, 3)])
layer("ConvTranspose2d:groups", ["ConvTranspose2d", 4, 2, 2, {"stride": 2, "groups": 2}], nn.ConvTranspose2d(4, 2, 2, stride=2, groups=2), [randn(1, 4, 3, 3)])
layer("MaxPool2d", ["MaxPool2d", 2], nn.MaxPool2d(2), [randn(2, 3, 6, 7)])
layer("MaxPool2d:3-s2-p1-ceil", ["MaxPool2d", 3, {"stride": 2, "padding": 1, "ceilMode": True}], nn.MaxPool2d(3, 2, 1, ceil_mode=True), [randn(1, 2, 8, 7)])
layer("MaxPool1d", ["MaxPool1d", 3, {"stride": 2}], nn.MaxPool1d(3, 2), [randn(2, 2, 9)])
layer("AvgPool2d", ["AvgPool2d", 3, {"stride": 2, "padding": 1}], nn.AvgPool2d(3, 2, 1), [randn(2, 2, 7, 7)])
layer("AvgPool2d:ceil-exclude-pad", ["AvgPool2d", 3, {"stride": 2, "padding": 1, "ceilMode": True, "countIncludePad": False}],
      nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), [randn(1, 2, 6, 8)])
layer("AdaptiveAvgPool2d", ["AdaptiveAvgPool2d", [3, 2]], nn.AdaptiveAvgPool2d((3, 2)), [randn(2, 3, 7, 5)])
layer("AdaptiveAvgPool2d:1", ["AdaptiveAvgPool2d", 1], nn.AdaptiveAvgPool2d(1), [randn(2, 3, 4, 5)])
layer("AdaptiveMaxPool2d", ["AdaptiveMaxPool2d", [2, 3]], nn.AdaptiveMaxPool2d((2, 3)), [randn(2, 2, 5, 7)])
layer("BatchNorm2d:train", ["BatchNorm2d", 3], nn.BatchNorm2d(3), [randn(4, 3, 3, 5) * 2 + 1], warm=2)
layer("BatchNorm2d:eval", ["BatchNorm2d", 3, {"momentum": 0.2}], nn.BatchNorm2d(3, momentum=0.2), [randn(2, 3, 4, 4)], train=False, warm=3)
layer("GroupNorm", ["GroupNorm", 2, 4], nn.GroupNorm(2, 4), [randn(3, 4, 3, 2) * 3 - 1])
layer("GroupNorm:noaffine-eps", ["GroupNorm", 3, 6, 1e-3, {"affine": False}], nn.GroupNorm(3, 6, 1e-3, affine=False), [randn(2, 6, 5)])
layer("Upsample:nearest", ["Upsample", {"scaleFactor": 2}], nn.Upsample(scale_factor=2), [randn(1, 2, 3, 4)])
layer("Upsample:bilinear", ["Upsample", {"size": [5, 7], "mode": "bilinear"}], nn.Upsample(size=(5, 7), mode="bilinear"), [randn(2, 2, 3, 4)])
layer("Upsample:bilinear-align", ["Upsample", {"scaleFactor": 2, "mode": "bilinear", "alignCorners": True}],
      nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), [randn(1, 2, 3, 3)])
layer("ZeroPad2d", ["ZeroPad2d", [1, 2, 0, 3]], nn.ZeroPad2d((1, 2, 0, 3)), [randn(2, 2, 3, 3)])
layer("Sequential:cnn", ["Sequential", ["Conv2d", 1, 4, 3, {"padding": 1}], ["BatchNorm2d", 4], ["ReLU"], ["MaxPool2d", 2],
                         ["Conv2d", 4, 6, 3], ["ReLU"], ["AdaptiveAvgPool2d", 1], ["Flatten"], ["Linear", 6, 3]],
      nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3), nn.ReLU(),
                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 3)), [randn(3, 1, 10, 10)])

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "nn.json")
with open(out, "w") as f:
    json.dump({"generator": "scripts/gen_nn_fixtures.py", "torch": torch.__version__, "cases": cases}, f, separators=(",", ":"), allow_nan=False)
print(f"wrote {len(cases)} cases to {out} ({os.path.getsize(out)} bytes)")
