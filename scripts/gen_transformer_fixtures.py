"""Fixtures for test/transformer.test.ts and test/io_transformer.test.ts: torch 2.13's
F.scaled_dot_product_attention, nn.MultiheadAttention, nn.TransformerEncoderLayer and
nn.TransformerEncoder on small seeded inputs (float64), with gradients of a fixed loss, and a
float32 TransformerEncoder saved by torch (safetensors.torch.save_file and torch.save).
Writes test/fixtures/transformer.json and test/fixtures/torch/transformer_encoder.{safetensors,pt,json}.
With --checker: only runs onnx.checker (full_check) on the test/fixtures/torch/transformer_*.onnx
files that `WRITE_ONNX=1 npx vitest run test/io_transformer.test.ts` wrote (myelin's exports) and
records each verdict and sha256 in test/fixtures/torch/transformer_onnx_checker.json.
Run: /tmp/venv-c/bin/python scripts/gen_transformer_fixtures.py [--checker]"""
import glob
import hashlib
import json
import sys
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = os.path.dirname(__file__)
FIX = os.path.join(HERE, '..', 'test', 'fixtures')

if '--checker' in sys.argv[1:]:
    import onnx
    record = {}
    for path in sorted(glob.glob(os.path.join(FIX, 'torch', 'transformer_*.onnx'))):
        data = open(path, 'rb').read()
        verdict = {'sha256': hashlib.sha256(data).hexdigest(), 'bytes': len(data)}
        try:
            onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
            verdict['checker'] = 'passed'
        except Exception as e:  # recorded, so the test fails and names the reason
            verdict['checker'] = f'failed: {e}'
        record[os.path.basename(path)] = verdict
        print(os.path.basename(path), verdict['checker'])
    with open(os.path.join(FIX, 'torch', 'transformer_onnx_checker.json'), 'w') as f:
        json.dump({'generator': 'scripts/gen_transformer_fixtures.py --checker', 'onnx': onnx.__version__,
                   'check': 'onnx.checker.check_model(full_check=True)', 'files': record}, f, indent=1)
    sys.exit(0)
# torch's eval fast path (native MHA, nested tensors) zeroes padded positions; the reference is
# the documented computation, which myelin implements
torch.backends.mha.set_fastpath_enabled(False)
torch.manual_seed(18)


def num(v):
    """JSON has no NaN or infinity: write them as strings."""
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return v


def dump(t):
    if t is None:
        return None
    t = t.detach()
    if t.dtype == torch.bool:
        return {'shape': list(t.shape), 'dtype': 'bool', 'data': [int(x) for x in t.reshape(-1).tolist()]}
    return {'shape': list(t.shape), 'dtype': 'float64', 'data': [num(x) for x in t.double().reshape(-1).tolist()]}


def rnd(*s):
    return torch.randn(*s, dtype=torch.float64)


def state(m):
    return {k: dump(v) for k, v in m.state_dict().items()}


# ---------------------------------------------------------------- SDPA
sdpa = []
def sdpa_case(name, q, k, v, grad=False, **kw):
    qs, ks, vs = [t.clone().requires_grad_(grad) for t in (q, k, v)]
    out = F.scaled_dot_product_attention(qs, ks, vs, **kw)
    c = {'name': name, 'q': dump(q), 'k': dump(k), 'v': dump(v), 'out': dump(out),
         'attn_mask': dump(kw.get('attn_mask')), 'is_causal': kw.get('is_causal', False),
         'scale': kw.get('scale'), 'enable_gqa': kw.get('enable_gqa', False)}
    if grad:
        w = rnd(*out.shape)
        (out * w).sum().backward()
        c['loss_weight'] = dump(w)
        c['grads'] = {'q': dump(qs.grad), 'k': dump(ks.grad), 'v': dump(vs.grad)}
    sdpa.append(c)


q, k, v = rnd(2, 3, 4, 5), rnd(2, 3, 6, 5), rnd(2, 3, 6, 7)
sdpa_case('plain', q, k, v, grad=True)
sdpa_case('causal', q, rnd(2, 3, 4, 5), rnd(2, 3, 4, 7), is_causal=True, grad=True)
sdpa_case('causal_l_lt_s', q, k, v, is_causal=True)
bm = torch.rand(4, 6) > 0.4
bm[:, 0] = True
bm[2] = False  # one fully masked row: torch gives zeros (and zero gradient)
sdpa_case('bool_mask_fully_masked_row', q, k, v, attn_mask=bm, grad=True)
sdpa_case('additive_mask_broadcast', q, k, v, attn_mask=rnd(3, 1, 6), scale=0.3, grad=True)
fm = torch.zeros(2, 1, 4, 6, dtype=torch.float64)
fm[0, 0, 1] = float('-inf')
fm[1, 0, :, 3:] = float('-inf')
sdpa_case('additive_inf_fully_masked_row', q, k, v, attn_mask=fm, grad=True)
sdpa_case('gqa', rnd(2, 4, 3, 5), rnd(2, 2, 6, 5), rnd(2, 2, 6, 5), enable_gqa=True, grad=True)

# ---------------------------------------------------------------- MultiheadAttention
mha = []
def mha_case(name, ctor, query, key, value, fwd, grad=False):
    m = nn.MultiheadAttention(**ctor).double()
    m.eval()
    qq, kk, vv = [t.clone().requires_grad_(grad) for t in (query, key, value)]
    out, w = m(qq, kk, vv, **fwd)
    c = {'name': name, 'ctor': ctor, 'state': state(m), 'query': dump(query), 'key': dump(key), 'value': dump(value),
         'key_padding_mask': dump(fwd.get('key_padding_mask')), 'attn_mask': dump(fwd.get('attn_mask')),
         'need_weights': fwd.get('need_weights', True), 'average_attn_weights': fwd.get('average_attn_weights', True),
         'out': dump(out), 'weights': dump(w)}
    if grad:
        lw = rnd(*out.shape)
        (out * lw).sum().backward()
        c['loss_weight'] = dump(lw)
        c['grads'] = {'query': dump(qq.grad), 'key': dump(kk.grad), 'value': dump(vv.grad),
                      **{k: dump(p.grad) for k, p in m.named_parameters()}}
    mha.append(c)


x = rnd(5, 2, 8)  # [L, N, E]
mha_case('self_weights', dict(embed_dim=8, num_heads=2), x, x, x, {}, grad=True)
mha_case('self_no_weights', dict(embed_dim=8, num_heads=2), x, x, x, dict(need_weights=False), grad=True)
xb = rnd(2, 5, 8)
kpm = torch.zeros(2, 5, dtype=torch.bool)
kpm[1, 3:] = True
mha_case('batch_first_kpm_per_head', dict(embed_dim=8, num_heads=4, batch_first=True), xb, xb, xb,
         dict(key_padding_mask=kpm, average_attn_weights=False), grad=True)
mha_case('batch_first_kpm_no_weights', dict(embed_dim=8, num_heads=4, batch_first=True), xb, xb, xb,
         dict(key_padding_mask=kpm, need_weights=False))
cm = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)
mha_case('bool_attn_mask_and_kpm', dict(embed_dim=8, num_heads=2), x, x, x,
         dict(attn_mask=cm, key_padding_mask=kpm), grad=True)
mha_case('float_attn_mask_3d', dict(embed_dim=8, num_heads=2), x, x, x, dict(attn_mask=rnd(4, 5, 5)))
mha_case('kdim_vdim', dict(embed_dim=8, num_heads=2, kdim=3, vdim=6), rnd(4, 2, 8), rnd(5, 2, 3), rnd(5, 2, 6), {}, grad=True)
mha_case('no_bias', dict(embed_dim=8, num_heads=2, bias=False), x, x, x, {}, grad=True)
mha_case('bias_kv_zero_attn', dict(embed_dim=8, num_heads=2, add_bias_kv=True, add_zero_attn=True), x, x, x,
         dict(key_padding_mask=kpm), grad=True)
mha_case('unbatched', dict(embed_dim=8, num_heads=2), x[:, 0], x[:, 0], x[:, 0], {})
kpm_all = torch.zeros(2, 5, dtype=torch.bool)
kpm_all[1] = True
mha_case('fully_padded_weights_nan', dict(embed_dim=8, num_heads=2, batch_first=True), xb, xb, xb, dict(key_padding_mask=kpm_all))
mha_case('fully_padded_no_weights_zero', dict(embed_dim=8, num_heads=2, batch_first=True), xb, xb, xb,
         dict(key_padding_mask=kpm_all, need_weights=False))

# ---------------------------------------------------------------- encoder layers
layers = []
for name, ctor, fwd in [
    ('post_norm_relu', dict(d_model=8, nhead=2, dim_feedforward=16), {}),
    ('pre_norm_gelu', dict(d_model=8, nhead=2, dim_feedforward=16, activation='gelu', norm_first=True), {}),
    ('post_norm_gelu_batch_first_masks', dict(d_model=8, nhead=4, dim_feedforward=12, activation='gelu', batch_first=True),
     dict(src_mask=nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64), src_key_padding_mask=kpm)),
    ('pre_norm_relu_no_bias_eps', dict(d_model=8, nhead=2, dim_feedforward=16, norm_first=True, bias=False, layer_norm_eps=1e-3),
     dict(src_mask=cm)),
]:
    m = nn.TransformerEncoderLayer(**ctor, dtype=torch.float64)
    m.eval()
    src = xb if ctor.get('batch_first') else x
    s = src.clone().requires_grad_(True)
    out = m(s, **fwd)
    lw = rnd(*out.shape)
    (out * lw).sum().backward()
    layers.append({'name': name, 'ctor': ctor, 'state': state(m), 'src': dump(src),
                   'src_mask': dump(fwd.get('src_mask')), 'src_key_padding_mask': dump(fwd.get('src_key_padding_mask')),
                   'out': dump(out), 'loss_weight': dump(lw),
                   'grads': {'src': dump(s.grad), **{k: dump(p.grad) for k, p in m.named_parameters()}}})

# ---------------------------------------------------------------- a 2-layer stack with a final norm
layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True, dtype=torch.float64)
enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8, dtype=torch.float64), enable_nested_tensor=False)
with torch.no_grad():  # the copies start equal (deepcopy); make them differ so a swapped layer shows
    for p in enc.layers[1].parameters():
        p.add_(0.05 * torch.randn_like(p))
enc.eval()
s = xb.clone().requires_grad_(True)
out = enc(s, mask=nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64), src_key_padding_mask=kpm)
lw = rnd(*out.shape)
(out * lw).sum().backward()
encoder = {'ctor': dict(d_model=8, nhead=2, dim_feedforward=16, batch_first=True), 'num_layers': 2, 'state': state(enc),
           'src': dump(xb), 'src_key_padding_mask': dump(kpm), 'out': dump(out), 'loss_weight': dump(lw),
           'grads': {'src': dump(s.grad), **{k: dump(p.grad) for k, p in enc.named_parameters()}}}

tx = rnd(2, 3, 5)
with open(os.path.join(FIX, 'transformer.json'), 'w') as f:
    json.dump({'generator': 'scripts/gen_transformer_fixtures.py', 'torch': torch.__version__,
               'sdpa': sdpa, 'mha': mha, 'layers': layers, 'encoder': encoder,
               'square_mask_4': dump(nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)),
               'tril_triu': {'x': dump(tx), 'tril_m1': dump(torch.tril(tx, -1)), 'triu_2': dump(torch.triu(tx, 2)),
                             'tril_0': dump(torch.tril(tx))}}, f)

# ---------------------------------------------------------------- issue 16: a float32 stack saved by torch
torch.manual_seed(16)
layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True, norm_first=True, activation='gelu')
enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(16), enable_nested_tensor=False)
with torch.no_grad():
    for p in enc.parameters():
        p.add_(0.02 * torch.randn_like(p))
enc.eval()
src = torch.randn(3, 7, 16)
kp = torch.zeros(3, 7, dtype=torch.bool)
kp[2, 5:] = True
with torch.no_grad():
    out = enc(src, src_key_padding_mask=kp)
    out_causal = enc(src, mask=nn.Transformer.generate_square_subsequent_mask(7), is_causal=True)
sd = {k: v.contiguous() for k, v in enc.state_dict().items()}
TD = os.path.join(FIX, 'torch')
save_file(sd, os.path.join(TD, 'transformer_encoder.safetensors'))
torch.save(enc.state_dict(), os.path.join(TD, 'transformer_encoder.pt'))
with open(os.path.join(TD, 'transformer_encoder.json'), 'w') as f:
    json.dump({'generator': 'scripts/gen_transformer_fixtures.py', 'torch': torch.__version__,
               'ctor': dict(d_model=16, nhead=4, dim_feedforward=32, batch_first=True, norm_first=True, activation='gelu'),
               'num_layers': 2, 'keys': list(enc.state_dict().keys()),
               'src': dump(src), 'src_key_padding_mask': dump(kp), 'out': dump(out), 'out_causal': dump(out_causal)}, f)
print('wrote transformer fixtures')
