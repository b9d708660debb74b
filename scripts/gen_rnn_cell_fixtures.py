#!/usr/bin/env python3
"""Fixtures for the fused recurrent cells (native lstm_cell, gru_cell and their backwards):
  test/fixtures/rnn_cells.json  cells given gate pre-activations xg, hg and the state, with
                                torch's outputs and the gradients of xg, hg and c/h for a fixed
                                loss sum(h * wh) + sum(c_new * wc) (test/rnn_cells_native.test.ts)
  test/fixtures/conv.json       the op-table cases of the four ops (the conv family's file:
                                this script replaces their cases there, scripts/gen_conv_fixtures.py
                                keeps the rest)
torch's fused cells (_thnn_fused_lstm_cell, _thnn_fused_gru_cell) are CUDA-only, so the LSTM
reference is torch's CPU cell torch.lstm_cell fed xg and hg through identity weights, and
the GRU reference is torch.gru_cell's math over given projections, checked here against
torch.gru_cell itself (and the backward formulas against torch autograd) before anything is written.

Run: python3 scripts/gen_rnn_cell_fixtures.py
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_fixtures as G  # noqa: E402
from gen_fixtures import Family, In, fl, rng_for, REF  # noqa: E402

OPS = ('lstm_cell', 'lstm_cell_backward', 'gru_cell', 'gru_cell_backward')


def check2(op, what, t, shape=None):
    if t.dim() != 2:
        raise RuntimeError(f'{op}: expected {what} of 2 dims, got {list(t.shape)}')
    if shape is not None and list(t.shape) != list(shape):
        raise RuntimeError(f'{op}: expected {what} of shape {list(shape)}, got {list(t.shape)}')
    if not t.is_floating_point():
        raise RuntimeError(f'{op}: {what} must be floating point, got {t.dtype}')


def lstm_ref(x, a=None):
    """torch's CPU LSTM cell on gates xg + hg: input [xg, hg] times [I, I], no hidden weights."""
    xg, hg, c = x
    for w, t in (('xg', xg), ('hg', hg), ('c', c)):
        check2('lstm_cell', w, t)
    if xg.dtype != hg.dtype or xg.dtype != c.dtype:
        raise RuntimeError(f'lstm_cell: dtypes differ: {xg.dtype}, {hg.dtype}, {c.dtype}')
    B, H = c.shape
    check2('lstm_cell', 'xg', xg, [B, 4 * H])
    check2('lstm_cell', 'hg', hg, [B, 4 * H])
    eye = torch.eye(4 * H, dtype=xg.dtype)
    return torch.lstm_cell(torch.cat([xg, hg], 1), (torch.zeros_like(c), c), torch.cat([eye, eye], 1), torch.zeros(4 * H, H, dtype=xg.dtype))


def gru_math(xg, hg, h):
    H = h.shape[1]
    r = torch.sigmoid(xg[:, :H] + hg[:, :H])
    z = torch.sigmoid(xg[:, H:2 * H] + hg[:, H:2 * H])
    n = torch.tanh(xg[:, 2 * H:] + r * hg[:, 2 * H:])
    return (1 - z) * n + z * h


def gru_ref(x, a=None):
    xg, hg, h = x
    for w, t in (('xg', xg), ('hg', hg), ('h', h)):
        check2('gru_cell', w, t)
    if xg.dtype != hg.dtype or xg.dtype != h.dtype:
        raise RuntimeError(f'gru_cell: dtypes differ: {xg.dtype}, {hg.dtype}, {h.dtype}')
    B, H = h.shape
    check2('gru_cell', 'xg', xg, [B, 3 * H])
    check2('gru_cell', 'hg', hg, [B, 3 * H])
    return gru_math(xg, hg, h)


def lstm_bwd_ref(x, a):
    """The cell's derivative from its saved gates (as torch's _thnn_fused_lstm_cell_backward_impl)."""
    x = list(x)
    if a.get('absent') is not None:  # the case leaves dh (0) or dc (1) out
        x.insert(a['absent'], None)
    dh, dc, c, cy, ws = x
    B, H = c.shape
    check2('lstm_cell_backward', 'c', c)
    check2('lstm_cell_backward', 'c_new', cy, [B, H])
    check2('lstm_cell_backward', 'workspace', ws, [B, 4 * H])
    i, f, g, o = ws[:, :H], ws[:, H:2 * H], ws[:, 2 * H:3 * H], ws[:, 3 * H:]
    t = torch.tanh(cy)
    dh = torch.zeros_like(c) if dh is None else dh
    dc = torch.zeros_like(c) if dc is None else dc
    check2('lstm_cell_backward', 'dh', dh, [B, H])
    check2('lstm_cell_backward', 'dc', dc, [B, H])
    dcy = dc + dh * o * (1 - t * t)
    return torch.cat([dcy * g * i * (1 - i), dcy * c * f * (1 - f), dcy * i * (1 - g * g), dh * t * o * (1 - o)], 1), dcy * f


def gru_bwd_ref(x, a=None):
    """gru_cell's derivative from its workspace (r, z, n, h, hn), as torch's _thnn_fused_gru_cell_backward."""
    gy, ws = x
    check2('gru_cell_backward', 'dh_new', gy)
    B, H = gy.shape
    check2('gru_cell_backward', 'workspace', ws, [B, 5 * H])
    r, z, n, h, hn = (ws[:, k * H:(k + 1) * H] for k in range(5))
    dn = gy * (1 - z) * (1 - n * n)
    dz = gy * (h - n) * z * (1 - z)
    dr = dn * hn * r * (1 - r)
    return torch.cat([dr, dz, dn], 1), torch.cat([dr, dz, dn * r], 1), gy * z


REF.update({'lstm_cell': lstm_ref, 'gru_cell': gru_ref, 'lstm_cell_backward': lstm_bwd_ref, 'gru_cell_backward': gru_bwd_ref})


def lstm_ws(xg, hg):
    g = xg + hg
    H = g.shape[1] // 4
    return torch.cat([torch.sigmoid(g[:, :H]), torch.sigmoid(g[:, H:2 * H]), torch.tanh(g[:, 2 * H:3 * H]), torch.sigmoid(g[:, 3 * H:])], 1)


def gru_ws(xg, hg, h):
    H = h.shape[1]
    r = torch.sigmoid(xg[:, :H] + hg[:, :H])
    z = torch.sigmoid(xg[:, H:2 * H] + hg[:, H:2 * H])
    n = torch.tanh(xg[:, 2 * H:] + r * hg[:, 2 * H:])
    return torch.cat([r, z, n, h, hg[:, 2 * H:]], 1)


def self_checks():
    """The references against torch itself: gru_math against torch.gru_cell with real weights,
    and both backward formulas against torch autograd through torch.lstm_cell / gru_math."""
    g = torch.Generator().manual_seed(1)
    B, I, H = 3, 4, 5
    x, h, c = (torch.randn(B, n, generator=g, dtype=torch.float64) for n in (I, H, H))
    for cell, k in (('gru', 3), ('lstm', 4)):
        w_ih, w_hh = torch.randn(k * H, I, generator=g, dtype=torch.float64), torch.randn(k * H, H, generator=g, dtype=torch.float64)
        b_ih, b_hh = torch.randn(k * H, generator=g, dtype=torch.float64), torch.randn(k * H, generator=g, dtype=torch.float64)
        xg, hg = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        if cell == 'gru':
            assert torch.allclose(gru_math(xg, hg, h), torch.gru_cell(x, h, w_ih, w_hh, b_ih, b_hh), atol=1e-12)
        else:
            ref = torch.lstm_cell(x, (h, c), w_ih, w_hh, b_ih, b_hh)
            got = lstm_ref([xg, hg, c])
            assert all(torch.allclose(p, q, atol=1e-12) for p, q in zip(ref, got))
    xg, hg = torch.randn(B, 4 * H, generator=g, dtype=torch.float64, requires_grad=True), torch.randn(B, 4 * H, generator=g, dtype=torch.float64)
    cc = c.clone().requires_grad_()
    hy, cy = lstm_ref([xg, hg, cc])
    dh, dc = torch.randn(B, H, generator=g, dtype=torch.float64), torch.randn(B, H, generator=g, dtype=torch.float64)
    gx, gc = torch.autograd.grad([hy, cy], [xg, cc], [dh, dc])
    dg, dcp = lstm_bwd_ref([dh, dc, c, cy.detach(), lstm_ws(xg.detach(), hg)], {})
    assert torch.allclose(gx, dg, atol=1e-12) and torch.allclose(gc, dcp, atol=1e-12)
    xg, hg = (torch.randn(B, 3 * H, generator=g, dtype=torch.float64, requires_grad=True) for _ in range(2))
    hh = h.clone().requires_grad_()
    hy = gru_math(xg, hg, hh)
    gx, gh, ghh = torch.autograd.grad([hy], [xg, hg, hh], [dh])
    r = gru_bwd_ref([dh, gru_ws(xg.detach(), hg.detach(), h)])
    assert all(torch.allclose(p, q, atol=1e-12) for p, q in zip((gx, gh, ghh), r))


# ---------------------------------------------------------------- op-table cases (conv.json)

def gen_cells(fam):
    r = rng_for('rnn_cells')
    X = lambda shape, dt='float32', view=(), lo=-2, hi=2: fl(r, shape, lo, hi, dt, view)
    C = fam.case
    # lstm_cell: outputs h, c_new (the workspace is compared through lstm_cell_backward's cases)
    C('lstm_cell', 'b3_h4', [X([3, 16]), X([3, 16]), X([3, 4])])
    C('lstm_cell', 'f64', [X([2, 20], 'float64'), X([2, 20], 'float64'), X([2, 5], 'float64')])
    C('lstm_cell', 'saturated', [X([2, 8], lo=-30, hi=30), X([2, 8], lo=-30, hi=30), X([2, 2], lo=-5, hi=5)])
    C('lstm_cell', 'noncontig', [X([12, 2], view=[['transpose', 0, 1]]), X([2, 12]), X([3, 2], view=[['transpose', 0, 1]])])
    C('lstm_cell', 'empty_batch', [X([0, 8]), X([0, 8]), X([0, 2])])
    fam.error('lstm_cell', 'input_0d', [X([]), X([2, 8]), X([2, 2])])
    fam.error('lstm_cell', 'gru_shaped_gates', [X([2, 6]), X([2, 6]), X([2, 2])])
    fam.error('lstm_cell', 'batch_mismatch', [X([2, 8]), X([2, 8]), X([3, 2])])
    fam.error('lstm_cell', 'dtype_mismatch', [X([2, 8]), X([2, 8], 'float64'), X([2, 2])])
    fam.error('lstm_cell', 'int_input', [G.it(r, [2, 8]), G.it(r, [2, 8]), G.it(r, [2, 2])])

    def lstm_saved(B, H, dt='float64'):
        xg, hg, c = (torch.from_numpy(r.uniform(-2, 2, s)).to(getattr(torch, dt)) for s in ([B, 4 * H], [B, 4 * H], [B, H]))
        hy, cy = lstm_ref([xg, hg, c])
        return c, cy, lstm_ws(xg, hg)
    for name, B, H, dt, absent in [('both', 3, 4, 'float32', None), ('f64', 2, 3, 'float64', None),
                                   ('no_dh', 2, 3, 'float32', 0), ('no_dc', 2, 3, 'float32', 1)]:
        c, cy, ws = lstm_saved(B, H, dt)
        grads = [X([B, H], dt) for k in range(2) if k != absent]
        C('lstm_cell_backward', name, grads + [In(c.numpy(), dt), In(cy.numpy(), dt), In(ws.numpy(), dt)], **({} if absent is None else {'absent': absent}))
    c, cy, ws = lstm_saved(3, 2, 'float32')
    C('lstm_cell_backward', 'noncontig', [X([2, 3], view=[['transpose', 0, 1]]), X([3, 2]), In(c.numpy(), 'float32'),
                                          In(cy.numpy(), 'float32'), In(ws.numpy().T.copy(), 'float32', view=[['transpose', 0, 1]])])
    C('lstm_cell_backward', 'empty_batch', [X([0, 2]), X([0, 2]), X([0, 2]), X([0, 2]), X([0, 8])])
    fam.error('lstm_cell_backward', 'input_0d', [X([]), X([2, 2]), X([2, 2]), X([2, 2]), X([2, 8])])
    fam.error('lstm_cell_backward', 'workspace_3h', [X([2, 2]), X([2, 2]), X([2, 2]), X([2, 2]), X([2, 6])])

    C('gru_cell', 'b3_h4', [X([3, 12]), X([3, 12]), X([3, 4])])
    C('gru_cell', 'f64', [X([2, 15], 'float64'), X([2, 15], 'float64'), X([2, 5], 'float64')])
    C('gru_cell', 'noncontig', [X([9, 2], view=[['transpose', 0, 1]]), X([2, 9]), X([3, 2], view=[['transpose', 0, 1]])])
    C('gru_cell', 'empty_batch', [X([0, 6]), X([0, 6]), X([0, 2])])
    fam.error('gru_cell', 'input_0d', [X([]), X([2, 6]), X([2, 2])])
    fam.error('gru_cell', 'lstm_shaped_gates', [X([2, 8]), X([2, 8]), X([2, 2])])
    fam.error('gru_cell', 'batch_mismatch', [X([2, 6]), X([2, 6]), X([1, 2])])

    def gru_saved(B, H, dt):
        xg, hg, h = (torch.from_numpy(r.uniform(-2, 2, s)).to(getattr(torch, dt)) for s in ([B, 3 * H], [B, 3 * H], [B, H]))
        return gru_ws(xg, hg, h)
    C('gru_cell_backward', 'b3_h4', [X([3, 4]), In(gru_saved(3, 4, 'float32').numpy(), 'float32')])
    C('gru_cell_backward', 'f64', [X([2, 3], 'float64'), In(gru_saved(2, 3, 'float64').numpy(), 'float64')])
    C('gru_cell_backward', 'noncontig', [X([2, 3], view=[['transpose', 0, 1]]), In(gru_saved(3, 2, 'float32').numpy(), 'float32')])
    C('gru_cell_backward', 'empty_batch', [X([0, 2]), X([0, 10])])
    fam.error('gru_cell_backward', 'input_0d', [X([]), X([2, 10])])
    fam.error('gru_cell_backward', 'workspace_4h', [X([2, 2]), X([2, 8])])


def merge_into_conv(fam):
    path = G.OUT_DIR / 'conv.json'
    doc = json.loads(path.read_text())
    doc['cases'] = [c for c in doc['cases'] if c['op'] not in OPS] + fam.cases
    text = json.dumps(doc, separators=(',', ':'), allow_nan=False)
    text = text.replace(',{"op":', ',\n{"op":').replace('"cases":[{', '"cases":[\n{')
    path.write_text(text + '\n')
    print(f'conv.json: {len(fam.cases)} rnn cell cases')


# ---------------------------------------------------------------- rnn_cells.json (values and gradients)

def enc(t):
    return G.enc_out(t)


def cell_case(kind, name, B, H, dt, seed, lo=-2, hi=2, use_c=True):
    g = torch.Generator().manual_seed(seed)
    k = 4 if kind == 'lstm' else 3
    tdt = getattr(torch, dt)
    rnd = lambda *s: (torch.rand(*s, generator=g, dtype=torch.float64) * (hi - lo) + lo).to(tdt)
    xg, hg, s0 = rnd(B, k * H), rnd(B, k * H), rnd(B, H)
    wh, wc = rnd(B, H), rnd(B, H)
    leaves = [t.clone().requires_grad_() for t in (xg, hg, s0)]
    if kind == 'lstm':
        hy, cy = lstm_ref(leaves)
        loss = (hy * wh).sum() + ((cy * wc).sum() if use_c else 0)
        outs = [hy, cy]
    else:
        hy = gru_ref(leaves)
        loss = (hy * wh).sum()
        outs = [hy]
    grads = torch.autograd.grad(loss, leaves)
    return {'cell': kind, 'name': name, 'dtype': dt, 'B': B, 'H': H, 'useC': use_c,
            'in': [enc(t) for t in (xg, hg, s0, wh, wc)], 'out': [enc(t) for t in outs], 'grad': [enc(t) for t in grads]}


def main():
    self_checks()
    fam = Family('conv')
    gen_cells(fam)
    merge_into_conv(fam)
    cases = [cell_case('lstm', 'b4_h8', 4, 8, 'float32', 1), cell_case('lstm', 'f64_b3_h5', 3, 5, 'float64', 2),
             cell_case('lstm', 'h_only', 2, 6, 'float32', 3, use_c=False), cell_case('lstm', 'saturated', 2, 4, 'float32', 4, -25, 25),
             cell_case('lstm', 'b8_h32', 8, 32, 'float32', 5),
             cell_case('gru', 'b4_h8', 4, 8, 'float32', 6), cell_case('gru', 'f64_b3_h5', 3, 5, 'float64', 7),
             cell_case('gru', 'saturated', 2, 4, 'float32', 8, -25, 25), cell_case('gru', 'b8_h32', 8, 32, 'float32', 9)]
    doc = {'generator': 'scripts/gen_rnn_cell_fixtures.py', 'torch': torch.__version__.split('+')[0], 'cases': cases}
    text = json.dumps(doc, separators=(',', ':'), allow_nan=False).replace(',{"cell":', ',\n{"cell":')
    (G.OUT_DIR / 'rnn_cells.json').write_text(text + '\n')
    print(f'rnn_cells.json: {len(cases)} cases {len(text) / 1024:.1f} KiB')


if __name__ == '__main__':
    main()
