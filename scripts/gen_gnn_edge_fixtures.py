"""Fixtures for test/gnn_edge.test.ts: PyTorch Geometric on graphs without edges or nodes, and on a
bipartite-free small graph run through the fused edge ops' users (GATConv, GCNConv) with dropout off.

Empty graphs: each layer's output and gradients on 4 nodes with no edges, and its output shape on
0 nodes; global pooling on 0 nodes with and without a batch vector (and with size); Batch of a
0-node graph and a 2-node one. Run: /tmp/venv-c/bin/python scripts/gen_gnn_edge_fixtures.py
(writes test/fixtures/gnn_edge.json)
"""
import json
import pathlib

import torch
import torch_geometric
from torch_geometric.data import Batch, Data
from torch_geometric.nn import GATConv, GCNConv, GINConv, SAGEConv, global_add_pool, global_max_pool, global_mean_pool

OUT = pathlib.Path(__file__).resolve().parent.parent / 'test' / 'fixtures' / 'gnn_edge.json'
torch.manual_seed(1)
FIN = 5
NO_EDGES = torch.zeros(2, 0, dtype=torch.long)


def enc(t):
    t = t.detach().to(torch.float64) if t.is_floating_point() else t.detach()
    return {'shape': list(t.shape), 'data': [v if v == v else 'nan' for v in t.flatten().tolist()]}


SPECS = {
    'gcn': lambda: GCNConv(FIN, 4),
    'gcn_noloops': lambda: GCNConv(FIN, 3, add_self_loops=False),
    'gat_concat': lambda: GATConv(FIN, 3, heads=2),
    'gat_mean_noloops': lambda: GATConv(FIN, 3, heads=2, concat=False, add_self_loops=False),
    'sage_mean': lambda: SAGEConv(FIN, 4),
    'sage_max': lambda: SAGEConv(FIN, 4, aggr='max'),
    'gin': lambda: GINConv(torch.nn.Linear(FIN, 3), eps=0.2),
}
layers = []
x4 = torch.randn(4, FIN, dtype=torch.float64)
for name, make in SPECS.items():
    layer = make().double().eval()
    x = x4.clone().requires_grad_()
    out = layer(x, NO_EDGES)
    r = torch.randn(*out.shape, dtype=torch.float64)
    (out * r).sum().backward()
    empty = layer(torch.zeros(0, FIN, dtype=torch.float64), NO_EDGES)
    layers.append({'name': name, 'state': {k: enc(v) for k, v in layer.state_dict().items()}, 'x': enc(x4), 'out': enc(out), 'r': enc(r),
                   'grad_x': enc(x.grad), 'grads': {k: enc(p.grad) for k, p in layer.named_parameters()},
                   'empty_out_shape': list(empty.shape)})

pools = []
x0 = torch.zeros(0, 3)
for name, fn in [('add', global_add_pool), ('mean', global_mean_pool), ('max', global_max_pool)]:
    for case, args in [('no_batch', (None,)), ('empty_batch', (torch.zeros(0, dtype=torch.long),)),
                       ('empty_batch_size2', (torch.zeros(0, dtype=torch.long), 2))]:
        try:
            pools.append({'pool': name, 'case': case, 'out': enc(fn(x0, *args))})
        except Exception as e:  # noqa: BLE001 (the message is what the test reads)
            pools.append({'pool': name, 'case': case, 'error': f'{type(e).__name__}: {e}'})

g0 = Data(x=torch.zeros(0, 2), edge_index=NO_EDGES)
g1 = Data(x=torch.tensor([[1., 2.], [3., 4.]]), edge_index=torch.tensor([[0], [1]]))
b = Batch.from_data_list([g0, g1])
batch = {'x': enc(b.x), 'edge_index': enc(b.edge_index), 'batch': enc(b.batch), 'ptr': b.ptr.tolist(), 'num_graphs': b.num_graphs}

doc = {'generator': 'scripts/gen_gnn_edge_fixtures.py', 'torch': torch.__version__.split('+')[0], 'torch_geometric': torch_geometric.__version__,
       'layers': layers, 'pools': pools, 'batch': batch}
OUT.write_text(json.dumps(doc, separators=(',', ':')) + '\n')
print(f'wrote {OUT} ({OUT.stat().st_size / 1024:.1f} KiB)')
