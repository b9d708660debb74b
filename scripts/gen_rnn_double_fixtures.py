# torch float64 references for double backward through LSTM/GRU (gradient-penalty style):
# g = d(L1)/dx with create_graph, P = sum(g^2); dP/d(every weight) and dP/dx. 2 layers,
# bidirectional, padded and packed (unsorted lengths), given initial states; one LSTM with projSize.
import json, torch
from torch.nn.utils.rnn import pack_padded_sequence
torch.manual_seed(0)
T, B, I, H = 5, 3, 3, 4
flat = lambda t: t.detach().flatten().tolist()
out = {}
for mode, packed, P in [('LSTM', False, 0), ('LSTM', True, 0), ('GRU', False, 0), ('GRU', True, 0), ('LSTM', True, 3)]:
        kw = {'proj_size': P} if P else {}
        HO = P or H
        m = getattr(torch.nn, mode)(I, H, num_layers=2, bidirectional=True, **kw).double()
        x = torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
        h0 = torch.randn(4, B, HO, dtype=torch.float64)
        c0 = torch.randn(4, B, H, dtype=torch.float64)
        wout = torch.randn(T, B, 2 * HO, dtype=torch.float64)
        wh = torch.randn(4, B, HO, dtype=torch.float64)
        wc = torch.randn(4, B, H, dtype=torch.float64)
        lengths = [3, 5, 2]
        inp = pack_padded_sequence(x, lengths, enforce_sorted=False) if packed else x
        hx = (h0, c0) if mode == 'LSTM' else h0
        y, hn = m(inp, hx)
        if packed:
            # weights on the packed rows (sorted order as torch packs them)
            ywd = y.data
            woutp = wout.reshape(-1, 2 * HO)[: ywd.shape[0]]
            l1 = (ywd * woutp).sum()
        else:
            l1 = (y * wout).sum()
        if mode == 'LSTM':
            l1 = l1 + (hn[0] * wh).sum() + (hn[1] * wc).sum()
        else:
            l1 = l1 + (hn * wh).sum()
        params = [p for _, p in m.named_parameters()]
        g, = torch.autograd.grad(l1, [x], create_graph=True)
        pen = (g ** 2).sum()
        gs = torch.autograd.grad(pen, params + [x])
        out[f'{mode}_{"packed" if packed else "padded"}{"_proj" if P else ""}'] = {
            'state': {k: {'shape': list(v.shape), 'data': flat(v)} for k, v in m.state_dict().items()},
            'x': flat(x), 'h0': flat(h0), 'c0': flat(c0), 'wout': flat(wout), 'wh': flat(wh), 'wc': flat(wc),
            'lengths': lengths, 'g': flat(g), 'pen': pen.item(),
            'dparams': {n: flat(d) for (n, _), d in zip(m.named_parameters(), gs[:-1])}, 'dx': flat(gs[-1])}
json.dump(out, open('test/fixtures/rnn_double.json', 'w'))
