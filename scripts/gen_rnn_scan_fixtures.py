#!/usr/bin/env python3
"""Op-table fixtures (test/fixtures/conv.json) for the whole-layer recurrent scans: native
lstm_scan, gru_scan and their backwards (ts/ops/rnn.ts lstmScan, gruScan, ...). This script
replaces those four ops' cases in conv.json and keeps the rest.
The forward reference is a step loop over torch ops, checked here against torch.nn.LSTM /
torch.nn.GRU on a PackedSequence (identity W_ih, so the layer's input is the projection gi;
reverse: the second direction of a bidirectional layer); the backward reference walks the
saved workspace, checked against torch autograd through the loop, before anything is written.

Run: /tmp/venv-c/bin/python scripts/gen_rnn_scan_fixtures.py
"""
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_fixtures as G  # noqa: E402
from gen_fixtures import Family, In, fl, rng_for, REF  # noqa: E402
from gen_rnn_cell_fixtures import check2, lstm_bwd_ref, gru_bwd_ref  # noqa: E402

OPS = ('lstm_scan', 'lstm_scan_backward', 'gru_scan', 'gru_scan_backward')


def offsets(op, bs, N, B):
    if not bs:
        raise RuntimeError(f'{op}: batch_sizes must have at least one step')
    for t, b in enumerate(bs):
        if b < 1 or b > B or (t and b > bs[t - 1]):
            raise RuntimeError(f'{op}: batch_sizes must be non-increasing in [1, {B}]')
    if sum(bs) != N or bs[0] != B:
        raise RuntimeError(f'{op}: batch_sizes {bs} do not fit N = {N}, B = {B}')
    return [sum(bs[:t]) for t in range(len(bs))]


def steps(bs, rev):
    T = len(bs)
    return [T - 1 - k if rev else k for k in range(T)]


def lstm_loop(gi, h0, c0, whh, bs, rev):
    """out [N, H], hN, cN, workspace [N, 6H] (gates, c_prev, c_new), h_prev [N, H]."""
    op = 'lstm_scan'
    for w, t in (('gi', gi), ('h0', h0), ('c0', c0), ('w_hh', whh)):
        check2(op, w, t)
    B, H = h0.shape
    check2(op, 'gi', gi, [gi.shape[0], 4 * H])
    check2(op, 'c0', c0, [B, H])
    check2(op, 'w_hh', whh, [4 * H, H])
    if len({gi.dtype, h0.dtype, c0.dtype, whh.dtype}) != 1:
        raise RuntimeError(f'{op}: dtypes differ')
    offs = offsets(op, bs, gi.shape[0], B)
    h, c, rows = h0, c0, {}
    for t in steps(bs, rev):
        b, o = bs[t], offs[t]
        g = gi[o:o + b] + h[:b] @ whh.T
        i, f, gg, oo = torch.sigmoid(g[:, :H]), torch.sigmoid(g[:, H:2 * H]), torch.tanh(g[:, 2 * H:3 * H]), torch.sigmoid(g[:, 3 * H:])
        cn = f * c[:b] + i * gg
        hn = oo * torch.tanh(cn)
        rows[t] = (hn, torch.cat([i, f, gg, oo, c[:b], cn], 1), h[:b])
        h, c = torch.cat([hn, h[b:]]), torch.cat([cn, c[b:]])
    T = range(len(bs))
    return torch.cat([rows[t][0] for t in T]), h, c, torch.cat([rows[t][1] for t in T]), torch.cat([rows[t][2] for t in T])


def gru_loop(gi, h0, whh, bhh, bs, rev):
    """out [N, H], hN, workspace [N, 5H] (r, z, n, h_prev, hn)."""
    op = 'gru_scan'
    for w, t in (('gi', gi), ('h0', h0), ('w_hh', whh)):
        check2(op, w, t)
    B, H = h0.shape
    check2(op, 'gi', gi, [gi.shape[0], 3 * H])
    check2(op, 'w_hh', whh, [3 * H, H])
    if bhh is not None and list(bhh.shape) != [3 * H]:
        raise RuntimeError(f'{op}: expected b_hh of shape [{3 * H}]')
    offs = offsets(op, bs, gi.shape[0], B)
    h, rows = h0, {}
    for t in steps(bs, rev):
        b, o = bs[t], offs[t]
        hg = h[:b] @ whh.T + (0 if bhh is None else bhh)
        x = gi[o:o + b]
        r = torch.sigmoid(x[:, :H] + hg[:, :H])
        z = torch.sigmoid(x[:, H:2 * H] + hg[:, H:2 * H])
        n = torch.tanh(x[:, 2 * H:] + r * hg[:, 2 * H:])
        hn = (1 - z) * n + z * h[:b]
        rows[t] = (hn, torch.cat([r, z, n, h[:b], hg[:, 2 * H:]], 1))
        h = torch.cat([hn, h[b:]])
    T = range(len(bs))
    return torch.cat([rows[t][0] for t in T]), h, torch.cat([rows[t][1] for t in T])


def lstm_back(dy, ws, whh, bs, rev):
    op = 'lstm_scan_backward'
    check2(op, 'workspace', ws)
    check2(op, 'dy', dy)
    H = whh.shape[1]
    N = ws.shape[0]
    B = (dy.shape[0] - N) // 2
    check2(op, 'workspace', ws, [N, 6 * H])
    check2(op, 'dy', dy, [N + 2 * B, H])
    offs = offsets(op, bs, N, B)
    dH, dC, dG = dy[N:N + B].clone(), dy[N + B:].clone(), torch.zeros(N, 4 * H, dtype=ws.dtype)
    for t in reversed(steps(bs, rev)):
        b, o = bs[t], offs[t]
        w = ws[o:o + b]
        dg, dcp = lstm_bwd_ref([dH[:b] + dy[o:o + b], dC[:b], w[:, 4 * H:5 * H], w[:, 5 * H:], w[:, :4 * H]], {})
        dG[o:o + b] = dg
        dC[:b] = dcp
        dH[:b] = dg @ whh
    return dG, dH, dC


def gru_back(dy, ws, whh, bs, rev):
    op = 'gru_scan_backward'
    check2(op, 'workspace', ws)
    check2(op, 'dy', dy)
    H = whh.shape[1]
    N = ws.shape[0]
    B = dy.shape[0] - N
    check2(op, 'workspace', ws, [N, 5 * H])
    offs = offsets(op, bs, N, B)
    dH, DX, DHG = dy[N:].clone(), torch.zeros(N, 3 * H, dtype=ws.dtype), torch.zeros(N, 3 * H, dtype=ws.dtype)
    for t in reversed(steps(bs, rev)):
        b, o = bs[t], offs[t]
        dx, dhg, dhp = gru_bwd_ref([dH[:b] + dy[o:o + b], ws[o:o + b]])
        DX[o:o + b], DHG[o:o + b] = dx, dhg
        dH[:b] = dhp + dhg @ whh
    return DX, DHG, dH


REF.update({
    'lstm_scan': lambda x, a: lstm_loop(*x, a['batchSizes'], a['reverse'])[:3],
    'gru_scan': lambda x, a: gru_loop(x[0], x[1], x[2], None if a.get('noBias') else x[3], a['batchSizes'], a['reverse'])[:2],
    'lstm_scan_backward': lambda x, a: lstm_back(*x, a['batchSizes'], a['reverse']),
    'gru_scan_backward': lambda x, a: gru_back(*x, a['batchSizes'], a['reverse']),
})


def self_checks():
    """The loops against torch.nn.LSTM / GRU on packed data, the backward walks against autograd."""
    g = torch.Generator().manual_seed(3)
    B, H, bs = 3, 4, [3, 3, 2, 1]
    N = sum(bs)
    rnd = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)
    for kind, k in (('lstm', 4), ('gru', 3)):
        gi, h0, c0, whh, bhh = rnd(N, k * H), rnd(B, H), rnd(B, H), rnd(k * H, H), rnd(k * H)
        cls = torch.nn.LSTM if kind == 'lstm' else torch.nn.GRU
        net = cls(k * H, H, bidirectional=True).double()
        with torch.no_grad():
            for sfx in ('', '_reverse'):
                getattr(net, 'weight_ih_l0' + sfx).copy_(torch.eye(k * H))
                getattr(net, 'weight_hh_l0' + sfx).copy_(whh)
                getattr(net, 'bias_ih_l0' + sfx).zero_()
                getattr(net, 'bias_hh_l0' + sfx).copy_(bhh if kind == 'gru' else torch.zeros(k * H))
        packed = torch.nn.utils.rnn.PackedSequence(gi, torch.tensor(bs))
        hx = torch.stack([h0, h0])
        with torch.no_grad():
            out, st = net(packed, (hx, torch.stack([c0, c0])) if kind == 'lstm' else hx)
        for d, rev in ((0, False), (1, True)):
            if kind == 'lstm':
                o, hN, cN, _, _ = lstm_loop(gi, h0, c0, whh, bs, rev)
                assert torch.allclose(cN, st[1][d], atol=1e-12)
                hT = st[0][d]
            else:
                o, hN, _ = gru_loop(gi, h0, whh, bhh, bs, rev)
                hT = st[d]
            assert torch.allclose(o, out.data[:, d * H:(d + 1) * H], atol=1e-12) and torch.allclose(hN, hT, atol=1e-12), (kind, rev)
            # the backward walk against autograd through the loop
            leaves = [t.clone().requires_grad_() for t in ((gi, h0, c0) if kind == 'lstm' else (gi, h0))]
            if kind == 'lstm':
                o, hN, cN, ws, _ = lstm_loop(*leaves, whh, bs, rev)
                ys = [o, hN, cN]
            else:
                o, hN, ws = gru_loop(*leaves, whh, bhh, bs, rev)
                ys = [o, hN]
            dy = rnd(sum(y.shape[0] for y in ys), H)
            want = torch.autograd.grad(ys, leaves, list(dy.split([y.shape[0] for y in ys])))
            if kind == 'lstm':
                dg, dh0, dc0 = lstm_back(dy, ws.detach(), whh, bs, rev)
                got = [dg, dh0, dc0]
            else:
                dx, _, dh0 = gru_back(dy, ws.detach(), whh, bs, rev)
                got = [dx, dh0]
            assert all(torch.allclose(p, q, atol=1e-10) for p, q in zip(want, got)), (kind, rev, 'backward')


def gen_scans(fam):
    r = rng_for('rnn_scan')
    X = lambda shape, dt='float32', view=(), lo=-2, hi=2: fl(r, shape, lo, hi, dt, view)
    C = fam.case
    W = lambda k, H, dt='float32': X([k * H, H], dt, lo=-0.5, hi=0.5)
    pk = [3, 3, 2, 1]
    for name, bs, rev, dt in [('padded', [2, 2, 2], False, 'float32'), ('packed', pk, False, 'float32'),
                              ('packed_reverse', pk, True, 'float32'), ('f64_reverse', [2, 1, 1], True, 'float64')]:
        N, B, H = sum(bs), bs[0], 3
        C('lstm_scan', name, [X([N, 4 * H], dt), X([B, H], dt), X([B, H], dt), W(4, H, dt)], batchSizes=bs, reverse=rev)
        C('gru_scan', name, [X([N, 3 * H], dt), X([B, H], dt), W(3, H, dt), X([3 * H], dt)], batchSizes=bs, reverse=rev)
    C('gru_scan', 'no_bias', [X([6, 6]), X([3, 2]), W(3, 2)], batchSizes=[3, 2, 1], reverse=False, noBias=True)
    C('lstm_scan', 'noncontig', [X([8, 5], view=[['transpose', 0, 1]]), X([2, 2], view=[['transpose', 0, 1]]), X([2, 2]), W(4, 2)],
      batchSizes=[2, 2, 1], reverse=False)
    C('gru_scan', 'noncontig', [X([9, 4], view=[['transpose', 0, 1]]), X([3, 2], view=[['transpose', 0, 1]]), W(3, 3), X([9])],
      batchSizes=[2, 1, 1], reverse=True)
    for op, ins in (('lstm_scan', lambda gi, H: [gi, X([2, H]), X([2, H]), W(4, H)]), ('gru_scan', lambda gi, H: [gi, X([2, H]), W(3, H), X([3 * H])])):
        k = 4 if op == 'lstm_scan' else 3
        fam.error(op, 'input_0d', ins(X([]), 2), batchSizes=[2], reverse=False)
        fam.error(op, 'empty', ins(X([0, k * 2]), 2), batchSizes=[2], reverse=False)
        fam.error(op, 'sizes_over_rows', ins(X([4, k * 2]), 2), batchSizes=[2, 2, 1], reverse=False)
        fam.error(op, 'increasing_sizes', ins(X([3, k * 2]), 2), batchSizes=[1, 2], reverse=False)
        fam.error(op, 'gates_of_other_cell', ins(X([2, 5 * 2]), 2), batchSizes=[2], reverse=False)

    # backward cases: the workspace of a real forward, in float64 for the reference walk
    for name, bs, rev, dt in [('packed', pk, False, 'float32'), ('packed_reverse', pk, True, 'float32'), ('f64_padded', [2, 2], False, 'float64')]:
        N, B, H = sum(bs), bs[0], 3
        tdt = getattr(torch, dt)
        gi, h0, c0, whh = (torch.from_numpy(r.uniform(-1, 1, s)).to(tdt) for s in ([N, 4 * H], [B, H], [B, H], [4 * H, H]))
        ws = lstm_loop(gi, h0, c0, whh, bs, rev)[3]
        C('lstm_scan_backward', name, [X([N + 2 * B, H], dt), In(ws.numpy(), dt), In(whh.numpy(), dt)], batchSizes=bs, reverse=rev)
        gi, h0, whh, bhh = (torch.from_numpy(r.uniform(-1, 1, s)).to(tdt) for s in ([N, 3 * H], [B, H], [3 * H, H], [3 * H]))
        ws = gru_loop(gi, h0, whh, bhh, bs, rev)[2]
        C('gru_scan_backward', name, [X([N + B, H], dt), In(ws.numpy(), dt), In(whh.numpy(), dt)], batchSizes=bs, reverse=rev)
    # a non-contiguous gradient (the layers pass dy as the node's flat gradient reshaped)
    C('lstm_scan_backward', 'noncontig', [X([3, 8], view=[['transpose', 0, 1]]), In(lstm_loop(*(torch.from_numpy(r.uniform(-1, 1, s)).float() for s in ([4, 12], [2, 3], [2, 3], [12, 3])), [2, 2], False)[3].numpy(), 'float32'), X([12, 3])],
      batchSizes=[2, 2], reverse=False)
    C('gru_scan_backward', 'noncontig', [X([3, 5], view=[['transpose', 0, 1]]), In(gru_loop(*(torch.from_numpy(r.uniform(-1, 1, s)).float() for s in ([3, 9], [2, 3], [9, 3], [9])), [2, 1], False)[2].numpy(), 'float32'), X([9, 3])],
      batchSizes=[2, 1], reverse=False)
    for op, k in (('lstm_scan_backward', 6), ('gru_scan_backward', 5)):
        fam.error(op, 'input_0d', [X([]), X([2, k * 2]), X([(k - 2) * 2 if k == 6 else 6, 2])], batchSizes=[2], reverse=False)
        fam.error(op, 'empty', [X([0, 2]), X([0, k * 2]), X([(4 if k == 6 else 3) * 2, 2])], batchSizes=[2], reverse=False)
    # a workspace of the other cell's width
    fam.error('lstm_scan_backward', 'workspace_5h', [X([6, 2]), X([2, 10]), X([8, 2])], batchSizes=[2], reverse=False)
    fam.error('gru_scan_backward', 'workspace_6h', [X([4, 2]), X([2, 12]), X([6, 2])], batchSizes=[2], reverse=False)


def merge_into_conv(fam):
    path = G.OUT_DIR / 'conv.json'
    doc = json.loads(path.read_text())
    doc['cases'] = [c for c in doc['cases'] if c['op'] not in OPS] + fam.cases
    text = json.dumps(doc, separators=(',', ':'), allow_nan=False)
    text = text.replace(',{"op":', ',\n{"op":').replace('"cases":[{', '"cases":[\n{')
    path.write_text(text + '\n')
    print(f'conv.json: {len(fam.cases)} rnn scan cases')


if __name__ == '__main__':
    self_checks()
    fam = Family('conv')
    gen_scans(fam)
    merge_into_conv(fam)
