"""Fixtures for test/transformer_decoder.test.ts and test/positional.test.ts (issue 18), float64:
torch 2.13's nn.TransformerDecoderLayer (post- and pre-norm, causal target mask, memory mask,
padding masks), nn.TransformerDecoder, whole nn.Transformer models (state dicts, outputs, gradients
of src, tgt and every weight under a fixed loss), and positional encodings: the sinusoid table
(torch, the PyTorch tutorial's formula, and NumPy from the paper's formula), a learned table, and
RoPE (NumPy from the per-pair rotation formula, and torch with HF LLaMA's rotate_half).
Writes test/fixtures/transformer_decoder.json. Run: /tmp/venv-c/bin/python scripts/gen_transformer_decoder_fixtures.py"""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(__file__)
FIX = os.path.join(HERE, '..', 'test', 'fixtures')
# the documented computation (torch's eval fast paths zero padded positions); modules are built with
# dropout 0 and kept in training mode, which also keeps every fast path off
torch.backends.mha.set_fastpath_enabled(False)
torch.manual_seed(1818)


def num(v):
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return round(v, 17)


def dump(t):
    if t is None:
        return None
    if isinstance(t, np.ndarray):
        t = torch.from_numpy(t)
    t = t.detach()
    if t.dtype == torch.bool:
        return {'shape': list(t.shape), 'dtype': 'bool', 'data': [int(x) for x in t.reshape(-1).tolist()]}
    return {'shape': list(t.shape), 'dtype': 'float64', 'data': [num(x) for x in t.double().reshape(-1).tolist()]}


def rnd(*s):
    return torch.randn(*s, dtype=torch.float64)


def state(m):
    return {k: dump(v) for k, v in m.state_dict().items()}


def perturb(m, scale=0.05):
    """Fresh torch layers have zero biases and unit norms: nudge every parameter so a swapped or
    missing one shows in the output."""
    with torch.no_grad():
        for p in m.parameters():
            p.add_(scale * torch.randn_like(p))


def grads_of(m, out, inputs):
    lw = rnd(*out.shape)
    (out * lw).sum().backward()
    g = {k: dump(t.grad) for k, t in inputs.items()}
    g.update({k: dump(p.grad) for k, p in m.named_parameters()})
    return dump(lw), g


# ---------------------------------------------------------------- decoder layers
T, S, N, E = 5, 6, 2, 8
tgt_sf, mem_sf = rnd(T, N, E), rnd(S, N, E)          # sequence first
tgt_bf, mem_bf = rnd(N, T, E), rnd(N, S, E)          # batch first
causal = nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
mem_mask = torch.zeros(T, S, dtype=torch.bool)
mem_mask[:, 4] = True                                 # no target position may look at memory slot 4
mem_mask[0, 1] = True
tgt_kpm = torch.zeros(N, T, dtype=torch.bool)
tgt_kpm[1, 4:] = True
mem_kpm = torch.zeros(N, S, dtype=torch.bool)
mem_kpm[0, 5:] = True
mem_kpm[1, 3:] = True

layers = []
for name, ctor, fwd in [
    ('post_norm_relu_causal_memory_mask_padding', dict(d_model=E, nhead=2, dim_feedforward=16),
     dict(tgt_mask=causal, memory_mask=mem_mask, tgt_key_padding_mask=tgt_kpm, memory_key_padding_mask=mem_kpm)),
    ('pre_norm_gelu_batch_first_causal_padding', dict(d_model=E, nhead=4, dim_feedforward=12, activation='gelu', norm_first=True, batch_first=True),
     dict(tgt_mask=causal, tgt_key_padding_mask=tgt_kpm, memory_key_padding_mask=mem_kpm)),
    ('pre_norm_relu_no_bias_eps_float_memory_mask', dict(d_model=E, nhead=2, dim_feedforward=16, norm_first=True, bias=False, layer_norm_eps=1e-3),
     dict(tgt_mask=torch.triu(torch.ones(T, T, dtype=torch.bool), 1), memory_mask=rnd(T, S))),
    ('post_norm_gelu_no_masks', dict(d_model=E, nhead=2, dim_feedforward=16, activation='gelu'), {}),
]:
    m = nn.TransformerDecoderLayer(**ctor, dropout=0.0, dtype=torch.float64)
    perturb(m)
    bf = ctor.get('batch_first', False)
    tgt, mem = (tgt_bf, mem_bf) if bf else (tgt_sf, mem_sf)
    t, mm = tgt.clone().requires_grad_(True), mem.clone().requires_grad_(True)
    out = m(t, mm, **fwd)
    lw, g = grads_of(m, out, {'tgt': t, 'memory': mm})
    layers.append({'name': name, 'ctor': ctor, 'state': state(m), 'tgt': dump(tgt), 'memory': dump(mem),
                   **{k: dump(fwd.get(k)) for k in ['tgt_mask', 'memory_mask', 'tgt_key_padding_mask', 'memory_key_padding_mask']},
                   'out': dump(out), 'loss_weight': lw, 'grads': g})

# ---------------------------------------------------------------- a 2-layer decoder stack with a final norm
layer = nn.TransformerDecoderLayer(E, 2, dim_feedforward=16, dropout=0.0, batch_first=True, dtype=torch.float64)
dec = nn.TransformerDecoder(layer, 2, norm=nn.LayerNorm(E, dtype=torch.float64))
perturb(dec)
t, mm = tgt_bf.clone().requires_grad_(True), mem_bf.clone().requires_grad_(True)
out = dec(t, mm, tgt_mask=causal, tgt_is_causal=True, memory_key_padding_mask=mem_kpm)
lw, g = grads_of(dec, out, {'tgt': t, 'memory': mm})
decoder = {'ctor': dict(d_model=E, nhead=2, dim_feedforward=16, batch_first=True), 'num_layers': 2, 'state': state(dec),
           'tgt': dump(tgt_bf), 'memory': dump(mem_bf), 'memory_key_padding_mask': dump(mem_kpm),
           'out': dump(out), 'loss_weight': lw, 'grads': g}

# ---------------------------------------------------------------- whole nn.Transformer models
Ssrc = 7
src_sf, src_bf = rnd(Ssrc, N, E), rnd(N, Ssrc, E)
src_kpm = torch.zeros(N, Ssrc, dtype=torch.bool)
src_kpm[1, 5:] = True
models = []
for name, ctor, fwd in [
    ('post_norm_relu_seq_first', dict(d_model=E, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16),
     dict(tgt_mask=causal, src_key_padding_mask=src_kpm, tgt_key_padding_mask=tgt_kpm, memory_key_padding_mask=src_kpm)),
    ('pre_norm_gelu_batch_first', dict(d_model=E, nhead=4, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=12,
                                       activation='gelu', norm_first=True, batch_first=True, layer_norm_eps=1e-4),
     dict(src_mask=rnd(Ssrc, Ssrc), tgt_mask=causal, memory_mask=torch.rand(T, Ssrc) > 0.8, memory_key_padding_mask=src_kpm)),
]:
    m = nn.Transformer(**ctor, dropout=0.0, dtype=torch.float64)
    perturb(m)
    bf = ctor.get('batch_first', False)
    src, tgt = (src_bf, tgt_bf) if bf else (src_sf, tgt_sf)
    s, t = src.clone().requires_grad_(True), tgt.clone().requires_grad_(True)
    out = m(s, t, **fwd)
    lw, g = grads_of(m, out, {'src': s, 'tgt': t})
    models.append({'name': name, 'ctor': ctor, 'state': state(m), 'src': dump(src), 'tgt': dump(tgt),
                   **{k: dump(fwd.get(k)) for k in ['src_mask', 'tgt_mask', 'memory_mask', 'src_key_padding_mask',
                                                     'tgt_key_padding_mask', 'memory_key_padding_mask']},
                   'out': dump(out), 'loss_weight': lw, 'grads': g})

# torch's default nn.Transformer(): key names and shapes only (its init is random)
default_keys = [[k, list(v.shape)] for k, v in nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8).state_dict().items()]

# ---------------------------------------------------------------- sinusoidal table
D, L = 10, 24
position = torch.arange(L, dtype=torch.float64).unsqueeze(1)
div_term = torch.exp(torch.arange(0, D, 2, dtype=torch.float64) * (-math.log(10000.0) / D))
pe = torch.zeros(L, D, dtype=torch.float64)
pe[:, 0::2] = torch.sin(position * div_term)           # the PyTorch tutorial's table, in float64
pe[:, 1::2] = torch.cos(position * div_term)
paper = np.zeros((L, D))
for pos in range(L):
    for i in range(D):
        angle = pos / 10000 ** ((i - i % 2) / D)         # PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...)
        paper[pos, i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
assert np.abs(paper - pe.numpy()).max() < 1e-12
odd = np.zeros((L, 7))                                   # odd width: the last sin column has no cos partner
for pos in range(L):
    for i in range(7):
        angle = pos / 10000 ** ((i - i % 2) / 7)
        odd[pos, i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
x_sin = rnd(9, N, D)
sinusoidal = {'d_model': D, 'max_len': L, 'pe': dump(pe), 'pe_odd7': dump(odd), 'x': dump(x_sin),
              'out': dump(x_sin + pe[:9].unsqueeze(1)), 'out_offset_11': dump(x_sin + pe[11:20].unsqueeze(1))}

# ---------------------------------------------------------------- learned table
emb = nn.Embedding(L, D, dtype=torch.float64)
x_l = rnd(N, 9, D)
xl = x_l.clone().requires_grad_(True)
out_l = xl + emb(torch.arange(3, 12)).unsqueeze(0)       # batch first, offset 3
lw_l = rnd(*out_l.shape)
(out_l * lw_l).sum().backward()
learned = {'max_len': L, 'd_model': D, 'offset': 3, 'weight': dump(emb.weight), 'x': dump(x_l), 'out': dump(out_l),
           'loss_weight': dump(lw_l), 'grads': {'x': dump(xl.grad), 'weight': dump(emb.weight.grad)}}


# ---------------------------------------------------------------- rotary embeddings
def rope_formula(x, offset, base):
    """NumPy from the formula: features i and i + d/2 rotate by angle pos * base^(-2i/d)."""
    x = np.asarray(x)
    d = x.shape[-1]
    h = d // 2
    out = np.empty_like(x)
    for pos in range(x.shape[-2]):
        for i in range(h):
            a = (offset + pos) * base ** (-2 * i / d)
            c, s = math.cos(a), math.sin(a)
            x1, x2 = x[..., pos, i], x[..., pos, i + h]
            out[..., pos, i] = x1 * c - x2 * s
            out[..., pos, i + h] = x2 * c + x1 * s
    return out


def rotate_half(x):  # HF transformers' LLaMA
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rope_torch(q, k, offset, base, max_len):  # HF LlamaRotaryEmbedding + apply_rotary_pos_emb, in float64
    d = q.shape[-1]
    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    t = torch.arange(max_len, dtype=torch.float64)
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[offset:offset + q.shape[-2]], emb.sin()[offset:offset + q.shape[-2]]
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


rotary = []
for name, shape, offset, base, max_len in [('heads_offset_0', (2, 3, 5, 8), 0, 10000.0, 16),
                                           ('heads_offset_6_base_500', (2, 3, 5, 8), 6, 500.0, 16),
                                           ('three_dim_dim_12', (2, 7, 12), 2, 10000.0, 9)]:
    q, k = rnd(*shape), rnd(*shape)
    qf, kf = rope_formula(q.numpy(), offset, base), rope_formula(k.numpy(), offset, base)
    qs, ks = q.clone().requires_grad_(True), k.clone().requires_grad_(True)
    qt, kt = rope_torch(qs, ks, offset, base, max_len)
    assert np.abs(qt.detach().numpy() - qf).max() < 1e-12 and np.abs(kt.detach().numpy() - kf).max() < 1e-12
    lw = rnd(*shape)
    ((qt + 2 * kt) * lw).sum().backward()
    rotary.append({'name': name, 'head_dim': shape[-1], 'offset': offset, 'base': base, 'max_len': max_len,
                   'q': dump(q), 'k': dump(k), 'q_formula': dump(qf), 'k_formula': dump(kf),
                   'q_torch': dump(qt), 'k_torch': dump(kt), 'loss_weight': dump(lw),
                   'grads': {'q': dump(qs.grad), 'k': dump(ks.grad)}})

with open(os.path.join(FIX, 'transformer_decoder.json'), 'w') as f:
    json.dump({'generator': 'scripts/gen_transformer_decoder_fixtures.py', 'torch': torch.__version__,
               'layers': layers, 'decoder': decoder, 'models': models, 'default_keys': default_keys,
               'sinusoidal': sinusoidal, 'learned': learned, 'rotary': rotary}, f, separators=(',', ':'))
print('wrote test/fixtures/transformer_decoder.json')
