#!/usr/bin/env python3
"""Fixtures for test/layer_norm.test.ts (test/fixtures/layer_norm_linear.json): nn.functional.layer_norm
and nn.functional.linear on 3-D input, forward and the gradients of sum(y * dy), computed by PyTorch (CPU).

Run: /tmp/venv-c/bin/python scripts/gen_layer_norm_linear_fixtures.py
"""
import json
from pathlib import Path

import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent.parent / 'test' / 'fixtures' / 'layer_norm_linear.json'


def enc(t):
    # float32 values by their shortest round-trip text (numpy's repr), float64 in full
    v = t.detach().reshape(-1).numpy()
    data = [float(str(x)) for x in v] if t.dtype == torch.float32 else v.tolist()
    return {'shape': list(t.shape), 'data': data}


def case(name, fn, shapes, dtype, seed):
    g = torch.Generator().manual_seed(seed)
    ins = [(torch.rand(s, generator=g, dtype=torch.float64) * 4 - 2).to(dtype).requires_grad_() for s in shapes]
    y = fn(*ins)
    dy = (torch.rand(y.shape, generator=g, dtype=torch.float64) * 2 - 1).to(dtype)
    grads = torch.autograd.grad(y, ins, dy)
    return {'name': name, 'dtype': str(dtype).replace('torch.', ''), 'in': [enc(t) for t in ins], 'y': enc(y), 'dy': enc(dy),
            'grads': [enc(t) for t in grads]}


def main():
    cases = {
        'layerNorm': [
            case('3d_affine_f32', lambda x, w, b: F.layer_norm(x, [32], w, b), [[3, 5, 32], [32], [32]], torch.float32, 1),
            case('two_dims_f64', lambda x, w, b: F.layer_norm(x, [3, 8], w, b, 1e-3), [[5, 3, 8], [3, 8], [3, 8]], torch.float64, 2),
            case('wide_f32', lambda x, w, b: F.layer_norm(x, [200], w, b), [[2, 3, 200], [200], [200]], torch.float32, 3),
        ],
        'linear': [
            case('3d_bias_f32', lambda x, w, b: F.linear(x, w, b), [[4, 6, 16], [12, 16], [12]], torch.float32, 4),
            case('4d_no_bias_f64', lambda x, w: F.linear(x, w), [[2, 3, 4, 5], [7, 5]], torch.float64, 5),
            case('noncontig_3d_f32', lambda x, w, b: F.linear(x.transpose(0, 1), w, b), [[5, 4, 8], [3, 8], [3]], torch.float32, 6),
        ],
    }
    doc = {'generator': 'scripts/gen_layer_norm_linear_fixtures.py', 'torch': torch.__version__.split('+')[0], 'cases': cases}
    OUT.write_text(json.dumps(doc, separators=(',', ':')) + '\n')
    print(f'wrote {OUT} ({OUT.stat().st_size / 1024:.1f} KiB)')


if __name__ == '__main__':
    main()
