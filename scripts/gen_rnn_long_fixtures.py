# torch references for LSTM/GRU over more than 64 time steps (the batch_sizes list of the native scans)
import json, torch
torch.manual_seed(0)
out = {}
for mode in ['LSTM', 'GRU']:
    m = getattr(torch.nn, mode)(3, 4, num_layers=1, batch_first=True, bidirectional=True).double()
    x = torch.randn(2, 80, 3, dtype=torch.float64, requires_grad=True)
    y, _ = m(x)
    y.sum().backward()
    out[mode] = {'state': {k: {'shape': list(v.shape), 'data': v.flatten().tolist()} for k, v in m.state_dict().items()},
                 'x': x.detach().flatten().tolist(), 'y': y.detach().flatten().tolist(), 'dx': x.grad.flatten().tolist()}
json.dump(out, open('test/fixtures/rnn_long.json', 'w'))
