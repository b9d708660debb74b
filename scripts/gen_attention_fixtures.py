#!/usr/bin/env python3
"""Fixtures for the fused attention op (native sdpa_flash and its backward):
  test/fixtures/attention.json  nn.functional.scaledDotProductAttention cases against torch's
                                F.scaled_dot_product_attention: outputs and the gradients of q, k, v
                                for the loss sum(out * w) (test/attention_kernel.test.ts): causal,
                                boolean, additive and padding masks, fully masked rows, GQA, tiles
  test/fixtures/conv.json       the op-table cases of sdpa_flash and sdpa_flash_backward (the conv
                                family's file: this script replaces their cases there)
The logsumexp output is torch.logsumexp of the masked, scaled scores (torch's flash kernel
computes the same statistic; it refuses bool masks, so it is not called directly).

Run: /tmp/venv-c/bin/python scripts/gen_attention_fixtures.py
"""
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_fixtures as G  # noqa: E402
from gen_fixtures import Family, In, fl, rng_for, REF  # noqa: E402

OPS = ('sdpa_flash', 'sdpa_flash_backward')


def check4(op, what, t):
    if t.dim() != 4:
        raise RuntimeError(f'{op}: expected {what} of 4 dims, got {list(t.shape)}')


def split_mask(x, a, n):
    """The case's inputs with the optional mask (present when a['mask']) at position n."""
    x = list(x)
    if not a.get('mask'):
        x.insert(n, None)
    return x


def scores(q, k, mask, causal, scale):
    g = q.shape[1] // k.shape[1]
    kk = k.repeat_interleave(g, 1)
    s = q @ kk.transpose(-2, -1) * scale
    if causal:
        L, S = s.shape[-2:]
        s = s.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float('-inf'))
    elif mask is not None:
        s = s.masked_fill(~mask, float('-inf')) if mask.dtype == torch.bool else s + mask
    return s


def sdpa_ref(x, a):
    q, k, v, mask = split_mask(x, a, 3)
    for w, t in (('query', q), ('key', k), ('value', v)):
        check4('sdpa_flash', w, t)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=a['isCausal'], scale=a['scale'], enable_gqa=True)
    return out, torch.logsumexp(scores(q, k, mask, a['isCausal'], a['scale']), -1)


def sdpa_bwd_ref(x, a):
    dout, q, k, v, mask, out, lse = split_mask(x, a, 4)
    leaves = [t.detach().clone().requires_grad_() for t in (q, k, v)]
    y = F.scaled_dot_product_attention(*leaves, attn_mask=mask, is_causal=a['isCausal'], scale=a['scale'], enable_gqa=True)
    if list(dout.shape) != list(y.shape) or list(out.shape) != list(y.shape) or list(lse.shape) != list(y.shape[:-1]):
        raise RuntimeError('sdpa_flash_backward: grad_out, out or logsumexp shaped unlike the forward')
    return torch.autograd.grad(y, leaves, dout, allow_unused=True)


REF.update({'sdpa_flash': sdpa_ref, 'sdpa_flash_backward': sdpa_bwd_ref})


def gen_ops(fam):
    r = rng_for('sdpa_flash')
    X = lambda shape, dt='float32', view=(): fl(r, shape, -2, 2, dt, view)
    C = fam.case
    C('sdpa_flash', 'plain', [X([2, 2, 5, 8]), X([2, 2, 7, 8]), X([2, 2, 7, 6])], isCausal=False, scale=0.35)
    C('sdpa_flash', 'causal_f64', [X([1, 2, 9, 4], 'float64'), X([1, 2, 9, 4], 'float64'), X([1, 2, 9, 4], 'float64')], isCausal=True, scale=0.5)
    C('sdpa_flash', 'bool_mask', [X([1, 2, 4, 8]), X([1, 2, 6, 8]), X([1, 2, 6, 8]), In(r.random([4, 6]) < 0.7, 'bool')],
      isCausal=False, scale=0.3, mask=True)
    C('sdpa_flash', 'float_mask', [X([2, 1, 3, 4]), X([2, 1, 5, 4]), X([2, 1, 5, 4]), X([2, 1, 3, 5])], isCausal=False, scale=0.5, mask=True)
    C('sdpa_flash', 'gqa', [X([1, 4, 3, 4]), X([1, 2, 5, 4]), X([1, 2, 5, 4])], isCausal=False, scale=0.5)
    C('sdpa_flash', 'noncontig', [X([2, 5, 3, 4], view=[['transpose', 1, 2]]), X([2, 3, 6, 4]), X([2, 3, 4, 6], view=[['transpose', 2, 3]])],
      isCausal=False, scale=0.5)
    C('sdpa_flash', 'empty_len', [X([1, 2, 0, 4]), X([1, 2, 3, 4]), X([1, 2, 3, 4])], isCausal=False, scale=0.5)
    fam.error('sdpa_flash', 'input_0d', [X([]), X([1, 1, 3, 4]), X([1, 1, 3, 4])], isCausal=False, scale=0.5)
    fam.error('sdpa_flash', 'feature_mismatch', [X([1, 1, 3, 4]), X([1, 1, 3, 5]), X([1, 1, 3, 4])], isCausal=False, scale=0.5)
    fam.error('sdpa_flash', 'mask_shape', [X([1, 1, 3, 4]), X([1, 1, 5, 4]), X([1, 1, 5, 4]), X([3, 4])], isCausal=False, scale=0.5, mask=True)

    def saved(shape_q, shape_k, shape_v, dt, mask=None, causal=False, scale=0.5):
        q, k, v = (torch.from_numpy(r.uniform(-2, 2, s)).to(getattr(torch, dt)) for s in (shape_q, shape_k, shape_v))
        out, lse = sdpa_ref([q, k, v] + ([mask] if mask is not None else []), {'isCausal': causal, 'scale': scale, 'mask': mask is not None})
        return [In(t.numpy(), dt) for t in (q, k, v)], [In(out.numpy(), dt), In(lse.numpy(), dt)]
    for name, sq, sk, sv, dt, causal in [('plain', [1, 2, 4, 8], [1, 2, 6, 8], [1, 2, 6, 4], 'float32', False),
                                         ('causal_f64', [1, 2, 7, 4], [1, 2, 7, 4], [1, 2, 7, 4], 'float64', True),
                                         ('gqa', [1, 4, 3, 4], [1, 2, 5, 4], [1, 2, 5, 4], 'float32', False)]:
        qkv, ol = saved(sq, sk, sv, dt, causal=causal)
        C('sdpa_flash_backward', name, [X(ol[0].arr.shape, dt)] + qkv + ol, isCausal=causal, scale=0.5)
    m = r.random([4, 6]) < 0.7
    m[:, 0] = True
    qkv, ol = saved([1, 1, 4, 4], [1, 1, 6, 4], [1, 1, 6, 4], 'float32', mask=torch.from_numpy(m))
    C('sdpa_flash_backward', 'bool_mask', [X([1, 1, 4, 4])] + qkv + [In(m, 'bool')] + ol, isCausal=False, scale=0.5, mask=True)
    qkv, ol = saved([1, 1, 3, 4], [1, 1, 5, 4], [1, 1, 5, 4], 'float32')
    C('sdpa_flash_backward', 'noncontig', [X([1, 1, 4, 3], view=[['transpose', 2, 3]])] + qkv + ol, isCausal=False, scale=0.5)
    C('sdpa_flash_backward', 'empty_batch', [X([0, 1, 3, 4])] + [X([0, 1, 3, 4]), X([0, 1, 5, 4]), X([0, 1, 5, 4])] + [X([0, 1, 3, 4]), X([0, 1, 3])],
      isCausal=False, scale=0.5)
    fam.error('sdpa_flash_backward', 'input_0d', [X([])] + qkv + ol, isCausal=False, scale=0.5)


def merge_into_conv(fam):
    path = G.OUT_DIR / 'conv.json'
    doc = json.loads(path.read_text())
    doc['cases'] = [c for c in doc['cases'] if c['op'] not in OPS] + fam.cases
    text = json.dumps(doc, separators=(',', ':'), allow_nan=False)
    text = text.replace(',{"op":', ',\n{"op":').replace('"cases":[{', '"cases":[\n{')
    path.write_text(text + '\n')
    print(f'conv.json: {len(fam.cases)} sdpa cases')


# ---------------------------------------------------------------- attention.json (values and gradients)

def attn_case(name, dt, shape_q, shape_k, ev, seed, mask=None, causal=False, scale=None, gqa=False):
    """mask: None, ('bool', shape, p), ('float', shape), ('pad', lengths) [B, 1, 1, S] bool, or ('dead', shape) bool with rows of False."""
    g = torch.Generator().manual_seed(seed)
    tdt = getattr(torch, dt)
    rnd = lambda *s: (torch.rand(*s, generator=g, dtype=torch.float64) * 4 - 2).to(tdt)
    q, k = rnd(*shape_q), rnd(*shape_k)
    v = rnd(*shape_k[:-1], ev)
    m = None
    if mask is not None:
        kind = mask[0]
        if kind in ('bool', 'dead'):
            m = torch.rand(*mask[1], generator=g) < (mask[2] if kind == 'bool' else 0.6)
            if kind == 'dead':
                m[..., 1, :] = False  # row 1 attends to nothing
                m[..., -1, :] = False
        elif kind == 'float':
            m = (torch.rand(*mask[1], generator=g, dtype=torch.float64) * 3 - 1.5).to(tdt)
            m[..., 0, 2] = float('-inf')
        elif kind == 'pad':
            B, S = shape_q[0], shape_k[-2]
            m = torch.arange(S).reshape(1, 1, 1, S) < torch.tensor(mask[1]).reshape(B, 1, 1, 1)
    leaves = [t.clone().requires_grad_() for t in (q, k, v)]
    out = F.scaled_dot_product_attention(*leaves, attn_mask=m, is_causal=causal, scale=scale, enable_gqa=gqa)
    w = rnd(*out.shape)
    grads = torch.autograd.grad((out * w).sum(), leaves)
    enc = G.enc_out
    return {'name': name, 'dtype': dt, 'isCausal': causal, 'scale': scale, 'enableGqa': gqa,
            'in': [enc(t) for t in (q, k, v, w)], 'mask': None if m is None else enc(m),
            'out': enc(out), 'grad': [enc(t) for t in grads]}


def main():
    fam = Family('conv')
    gen_ops(fam)
    merge_into_conv(fam)
    cases = [
        attn_case('plain_f32', 'float32', [2, 3, 9, 8], [2, 3, 11, 8], 8, 1),
        attn_case('causal_square', 'float32', [1, 1, 70, 8], [1, 1, 70, 8], 8, 2, causal=True),
        attn_case('causal_wide', 'float64', [1, 2, 40, 8], [1, 2, 90, 8], 8, 3, causal=True),
        attn_case('causal_tall', 'float64', [1, 1, 90, 8], [1, 1, 40, 8], 8, 4, causal=True),
        attn_case('bool_mask', 'float32', [2, 2, 12, 8], [2, 2, 15, 8], 4, 5, mask=('bool', [12, 15], 0.6)),
        attn_case('additive_mask', 'float32', [2, 2, 12, 8], [2, 2, 15, 8], 8, 6, mask=('float', [2, 1, 12, 15])),
        attn_case('padding_mask', 'float32', [3, 2, 10, 8], [3, 2, 10, 8], 8, 7, mask=('pad', [10, 6, 3])),
        attn_case('dead_rows_f64', 'float64', [1, 2, 6, 4], [1, 2, 7, 4], 4, 8, mask=('dead', [6, 7])),
        attn_case('dead_rows_f32', 'float32', [2, 1, 6, 4], [2, 1, 7, 4], 4, 9, mask=('dead', [2, 1, 6, 7])),
        attn_case('gqa', 'float32', [2, 6, 7, 8], [2, 2, 9, 8], 8, 10, gqa=True),
        attn_case('gqa_causal_f64', 'float64', [1, 4, 20, 8], [1, 2, 20, 8], 8, 11, causal=True, gqa=True),
        attn_case('rank3_scale', 'float32', [4, 10, 8], [4, 12, 8], 6, 12, scale=0.7),
        attn_case('tiles', 'float32', [1, 1, 130, 4], [1, 1, 270, 4], 4, 13, mask=('bool', [130, 270], 0.8)),
        attn_case('tiles_causal_f64', 'float64', [1, 1, 140, 4], [1, 1, 280, 4], 4, 14, causal=True),
    ]
    doc = {'generator': 'scripts/gen_attention_fixtures.py', 'torch': torch.__version__.split('+')[0], 'cases': cases}
    text = json.dumps(doc, separators=(',', ':'), allow_nan=False).replace(',{"name":', ',\n{"name":')
    (G.OUT_DIR / 'attention.json').write_text(text + '\n')
    print(f'attention.json: {len(cases)} cases {len(text) / 1024:.1f} KiB')


if __name__ == '__main__':
    main()
