"""References for train.metrics and train.summary (test/fixtures/train_ux.json).
Metrics are computed with NumPy following scikit-learn's definitions (accuracy_score,
top_k_accuracy_score, precision/recall/f1_score with average macro/micro/binary and
zero_division=0, confusion_matrix, mean_absolute_error, root_mean_squared_error, r2_score
with uniform_average); summaries are PyTorch forward-hook walks (torchinfo's numbers:
per-layer output shapes and parameter counts, trainable and frozen totals).
Run: /tmp/venv-c/bin/python scripts/gen_train_ux_fixtures.py
"""
import json, os
import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(20)
out = {}

def cm(t, p, c):
    m = np.zeros((c, c), dtype=np.int64)
    for a, b in zip(t, p): m[a, b] += 1
    return m

def div(a, b): return float(a / b) if b else 0.0

def prf(m, average):
    tp = np.diag(m).astype(float); pred = m.sum(0); act = m.sum(1)
    f = lambda p, r: div(2 * p * r, p + r)
    if average == "micro":
        p, r = div(tp.sum(), pred.sum()), div(tp.sum(), act.sum()); return p, r, f(p, r)
    if average == "binary":
        p, r = div(tp[1], pred[1]), div(tp[1], act[1]); return p, r, f(p, r)
    ps = [div(tp[i], pred[i]) for i in range(len(tp))]; rs = [div(tp[i], act[i]) for i in range(len(tp))]
    return float(np.mean(ps)), float(np.mean(rs)), float(np.mean([f(a, b) for a, b in zip(ps, rs)]))

def classification(scores, t, c, pred):
    m = cm(t, pred, c)
    r = {"acc": float(np.mean(pred == t)), "confusion": m.tolist()}
    for avg in (["macro", "micro"] + (["binary"] if c == 2 else [])):
        p, rc, f = prf(m, avg); r[avg] = {"precision": p, "recall": rc, "f1": f}
    if scores is not None:
        for k in (1, 2, 3):
            # top_k_accuracy_score: the true class's score among the k largest
            r[f"top{k}"] = float(np.mean([(scores[i] > scores[i, t[i]]).sum() < k for i in range(len(t))]))
    return r

# multiclass: 4 classes, one class never predicted (zero_division path) is likely with skewed logits
C, N = 4, 60
logits = rng.normal(size=(N, C)).astype(np.float32); logits[:, 3] -= 2.0
labels = rng.integers(0, C, size=N)
out["multiclass"] = {"logits": logits.tolist(), "labels": labels.tolist(), **classification(logits, labels, C, logits.argmax(1))}
# binary: sigmoid probabilities
probs = rng.uniform(size=40).astype(np.float32); blabels = (rng.uniform(size=40) < 0.4).astype(np.int64)
out["binary"] = {"probs": probs.tolist(), "labels": blabels.tolist(), **classification(None, blabels, 2, (probs >= 0.5).astype(np.int64))}
# regression: one output and two outputs
yt = rng.normal(size=(30, 2)).astype(np.float32); yp = (yt + 0.5 * rng.normal(size=(30, 2))).astype(np.float32)
def reg(p, t):
    p = p.reshape(len(p), -1).astype(np.float64); t = t.reshape(len(t), -1).astype(np.float64)
    r2 = np.mean(1 - ((t - p) ** 2).sum(0) / ((t - t.mean(0)) ** 2).sum(0))
    return {"mae": float(np.abs(p - t).mean()), "rmse": float(np.sqrt(((p - t) ** 2).mean())), "r2": float(r2)}
out["regression"] = {"pred": yp.tolist(), "target": yt.tolist(), "one": reg(yp[:, 0], yt[:, 0]), "two": reg(yp, yt)}

def summary(model, shape, freeze=()):
    for name, p in model.named_parameters():
        if any(name.startswith(f) for f in freeze): p.requires_grad_(False)
    rows = []
    def hook(mod, inp, o):
        rows.append({"layer": type(mod).__name__, "output": list(o.shape),
                     "params": sum(p.numel() for p in mod.parameters(recurse=False))})
    hs = [m.register_forward_hook(hook) for m in model.modules() if len(list(m.children())) == 0]
    model.eval(); model(torch.zeros(shape))
    for h in hs: h.remove()
    tot = sum(p.numel() for p in model.parameters()); tr = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"rows": rows, "total": tot, "trainable": tr, "frozen": tot - tr}

keras = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.BatchNorm1d(128),
                      nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10), nn.Softmax(1))
cnn = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                    nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
out["summary"] = {"keras": summary(keras, (2, 1, 28, 28)), "cnn": summary(cnn, (2, 1, 28, 28), freeze=("0.", "3."))}
json.dump(out, open(os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "train_ux.json"), "w"))
print({k: (v if k == "summary" else "…") for k, v in out.items()})
