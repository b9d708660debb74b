"""PyTorch twin of bench/char_lm.js: the char-lm recipe (Embedding 32, LSTM, Linear to the
vocabulary; Adam, gradients clipped to norm 1) on the ids, split and window starts that
bench/char_lm.js wrote to $CHAR_LM_DATA. Prints {name: {torch: tokens/s, torchBpc: bits/char}}."""
import json, math, os, sys, time
import numpy as np
import torch

torch.set_num_threads(2)
torch.manual_seed(0)
d = json.load(open(os.environ["CHAR_LM_DATA"]))
V, T, B, S, H = d["vocabSize"], d["seqLen"], d["batchSize"], d["steps"], d["hidden"]
tr, va = np.array(d["train"], dtype=np.int64), np.array(d["val"], dtype=np.int64)
starts = np.array(d["starts"], dtype=np.int64).reshape(S, B)


class CharLstm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(V, 32)
        self.rnn = torch.nn.LSTM(32, H, batch_first=True)
        self.head = torch.nn.Linear(H, V)

    def forward(self, x):
        return self.head(self.rnn(self.emb(x))[0])


def batch(ids, st):
    ix = st[:, None] + np.arange(T)[None, :]
    return torch.from_numpy(ids[ix]), torch.from_numpy(ids[ix + 1])


model = CharLstm()
opt = torch.optim.Adam(model.parameters(), lr=d["lr"])
ce = torch.nn.functional.cross_entropy
t0 = time.perf_counter()
for s in range(S):
    x, y = batch(tr, starts[s])
    opt.zero_grad()
    loss = ce(model(x).reshape(-1, V), y.reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    loss.item()
secs = time.perf_counter() - t0
n = (len(va) - 1) // T
nats = 0.0
model.eval()
with torch.no_grad():
    for s in range(0, n, 64):
        st = np.arange(s, min(s + 64, n)) * T
        x, y = batch(va, st)
        nats += ce(model(x).reshape(-1, V), y.reshape(-1)).item() * len(st)
name = f"char-lm lstm h{H} {S} steps"
json.dump({name: {"torch": S * B * T / secs, "torchBpc": nats / n / math.log(2)}}, sys.stdout)
