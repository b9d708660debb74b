"""Fixtures for the gnn namespace (test/gnn.test.ts), from PyTorch Geometric and networkx.

Each layer: its state dict, its output on a small graph (self loop, repeated edge, a node with
no in-edges) and the gradients of sum(out * R) for a fixed R with respect to x and every
parameter. Also: global pooling and Batch.from_data_list, torch.scatter_reduce's gradients with
ties, the karate club's edges and club labels from networkx, and PyG's bad-input errors.
Run: /tmp/venv-c/bin/python scripts/gen_gnn_fixtures.py  (writes test/fixtures/gnn.json)
"""
import json
import pathlib

import networkx as nx
import torch
import torch_geometric
from torch_geometric.data import Batch, Data
from torch_geometric.nn import GATConv, GCNConv, GINConv, SAGEConv, global_add_pool, global_max_pool, global_mean_pool

OUT = pathlib.Path(__file__).resolve().parent.parent / 'test' / 'fixtures' / 'gnn.json'
torch.manual_seed(0)


def enc(t):
    t = t.detach().to(torch.float64) if t.is_floating_point() else t.detach()
    return {'shape': list(t.shape), 'data': [round(v, 9) if isinstance(v, float) else v for v in t.flatten().tolist()]}


# 7 nodes; node 6 has no in-edges; 2->2 is a self loop; 0->1 appears twice
EDGES = torch.tensor([[0, 0, 1, 2, 2, 3, 4, 5, 6, 1, 3, 0],
                      [1, 1, 2, 2, 3, 4, 5, 0, 0, 3, 1, 4]])
N, FIN = 7, 5
X = torch.randn(N, FIN, dtype=torch.float64)


def layer_case(name, layer, fout, train=False):
    layer = layer.double()
    layer.train(train)
    x = X.clone().requires_grad_()
    out = layer(x, EDGES)
    r = torch.randn(*out.shape, dtype=torch.float64)
    (out * r).sum().backward()
    return {'name': name, 'state': {k: enc(v) for k, v in layer.state_dict().items()}, 'out': enc(out), 'r': enc(r),
            'grad_x': enc(x.grad), 'grads': {k: enc(p.grad) for k, p in layer.named_parameters()}}


layers = [
    layer_case('gcn', GCNConv(FIN, 4), 4),
    layer_case('gcn_nobias_noloops', GCNConv(FIN, 3, bias=False, add_self_loops=False), 3),
    layer_case('gat_concat', GATConv(FIN, 3, heads=2), 6),
    layer_case('gat_mean', GATConv(FIN, 3, heads=2, concat=False), 3),
    layer_case('gat_1head_slope', GATConv(FIN, 4, negative_slope=0.1), 4),
    layer_case('sage_mean', SAGEConv(FIN, 4), 4),
    layer_case('sage_max', SAGEConv(FIN, 4, aggr='max'), 4),
    layer_case('gin', GINConv(torch.nn.Sequential(torch.nn.Linear(FIN, 8), torch.nn.ReLU(), torch.nn.Linear(8, 4)), eps=0.1, train_eps=True), 4),
    layer_case('gin_fixed_eps', GINConv(torch.nn.Linear(FIN, 3)), 3),
]

# pooling over two graphs (nodes 0-3 and 4-6)
batch = torch.tensor([0, 0, 0, 0, 1, 1, 1])
pools = []
for name, fn in [('add', global_add_pool), ('mean', global_mean_pool), ('max', global_max_pool)]:
    x = X.clone().requires_grad_()
    out = fn(x, batch)
    r = torch.randn(*out.shape, dtype=torch.float64)
    (out * r).sum().backward()
    pools.append({'name': name, 'out': enc(out), 'r': enc(r), 'grad_x': enc(x.grad)})

g1 = Data(x=torch.arange(6.).view(3, 2), edge_index=torch.tensor([[0, 1, 2], [1, 2, 0]]), y=torch.tensor([1]))
g2 = Data(x=torch.arange(4.).view(2, 2) + 10, edge_index=torch.tensor([[1, 0], [0, 1]]), y=torch.tensor([0]))
b = Batch.from_data_list([g1, g2])
batch_case = {'graphs': [{'x': enc(g.x), 'edge_index': enc(g.edge_index), 'y': enc(g.y)} for g in (g1, g2)],
              'x': enc(b.x), 'edge_index': enc(b.edge_index), 'batch': enc(b.batch), 'y': enc(b.y), 'ptr': b.ptr.tolist()}

# torch.scatter_reduce's gradients where values tie (amax/amin share dy among the ties)
sr = []
xs = torch.tensor([[1., 3., 2., 0.], [2., 2., 5., 1.]], dtype=torch.float64)
src = torch.tensor([[3., 1., 3., 2., 0.], [2., 5., 2., 1., 1.]], dtype=torch.float64)
idx = torch.tensor([[1, 0, 1, 2, 3], [0, 2, 1, 3, 3]])
for red in ['sum', 'mean', 'amax', 'amin']:
    for inc in [True, False]:
        a = xs.clone().requires_grad_()
        s = src.clone().requires_grad_()
        out = a.scatter_reduce(1, idx, s, red, include_self=inc)
        r = torch.tensor([[1., -2., 0.5, 3.], [0.25, 1.5, -1., 2.]], dtype=torch.float64)
        (out * r).sum().backward()
        sr.append({'reduce': red, 'include_self': inc, 'out': enc(out), 'r': enc(r), 'grad_x': enc(a.grad), 'grad_src': enc(s.grad)})

# the karate club as networkx holds it (Zachary 1977)
G = nx.karate_club_graph()
karate = {'edges': sorted([min(u, v), max(u, v)] for u, v in G.edges()),
          'club': [0 if G.nodes[i]['club'] == 'Mr. Hi' else 1 for i in range(G.number_of_nodes())]}
# PyG's KarateClub: the 4 modularity communities and the one-per-community training nodes
from torch_geometric.datasets import KarateClub  # noqa: E402 (no download: the data is in PyG's source)
kc = KarateClub()[0]
karate['communities'] = kc.y.tolist()
karate['train_nodes'] = kc.train_mask.nonzero().flatten().tolist()

# PyG's messages for bad edge indices
errors = {}
conv = GCNConv(FIN, 2)
for key, ei in [('float_dtype', EDGES.float()), ('out_of_range', torch.tensor([[0, 7], [1, 2]])), ('one_dim', torch.tensor([0, 1]))]:
    try:
        torch_geometric.nn.conv.MessagePassing._check_input(conv, ei, None)
        conv(X.float(), ei)
        errors[key] = None
    except Exception as e:  # noqa: BLE001 (recording the message whatever its class)
        errors[key] = f'{type(e).__name__}: {str(e).splitlines()[0][:200]}'
try:
    GCNConv(FIN, 2)(torch.zeros(0, FIN), torch.zeros(2, 0, dtype=torch.long))
    errors['empty_graph'] = 'accepted: PyG returns a [0, out] result'
except Exception as e:  # noqa: BLE001
    errors['empty_graph'] = f'{type(e).__name__}: {str(e)[:200]}'

doc = {'generator': 'scripts/gen_gnn_fixtures.py', 'torch': torch.__version__.split('+')[0], 'torch_geometric': torch_geometric.__version__,
       'edge_index': enc(EDGES), 'x': enc(X), 'layers': layers, 'pools': pools, 'pool_batch': enc(batch), 'batch': batch_case,
       'scatter_reduce': sr, 'karate': karate, 'pyg_errors': errors}
OUT.write_text(json.dumps(doc, separators=(',', ':')) + '\n')
print(f'wrote {OUT} ({OUT.stat().st_size / 1024:.1f} KiB)', errors)
