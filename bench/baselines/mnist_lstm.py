"""PyTorch twin of bench/mnist_lstm.js: MNIST rows as 28 steps, LSTM 128, Linear 10, Adam 1e-3
decayed 0.8x per epoch (ExponentialLR), batch 64, on the same IDX files, normalized alike.
Prints {name: {torch: epochs_per_s (median training pass), torchAcc: final test accuracy}}."""
import json, os, sys, time
import numpy as np
import torch
from mnist_torch import _idx, _images

torch.set_num_threads(2)
EPOCHS = int(os.environ.get("MNIST_LSTM_EPOCHS", 5))
torch.manual_seed(0)


class RowLstm(torch.nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        self.rnn = torch.nn.LSTM(28, hidden, batch_first=True)
        self.fc = torch.nn.Linear(hidden, 10)

    def forward(self, x):
        out, _ = self.rnn(x.reshape(x.shape[0], 28, 28))
        return self.fc(out[:, 27])


model = RowLstm()
xtr, ytr = _images("train", 60000), torch.from_numpy(_idx("train-labels-idx1-ubyte", 8, (60000,)).astype(np.int64))
xte, yte = _images("t10k", 10000), torch.from_numpy(_idx("t10k-labels-idx1-ubyte", 8, (10000,)).astype(np.int64))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.8)
ce = torch.nn.CrossEntropyLoss()
times = []
for _ in range(EPOCHS):
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
    # the training pass only, as myelin's EpochLog.seconds
    times.append(time.perf_counter() - t0)
    sched.step()
    model.eval()
    with torch.no_grad():
        acc = sum((model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, 10000, 1000)) / 10000
    print(f"epoch {len(times)}: {times[-1]:.1f} s, test acc {acc:.4f}", file=sys.stderr)
json.dump({f"mnist lstm epoch ({EPOCHS} epochs)": {"torch": 1 / sorted(times)[(len(times) - 1) // 2], "torchAcc": acc}}, sys.stdout)
