#!/usr/bin/env python3
"""torch's outputs for the op samples (test/samples/*.ts, exported to test/fixtures/samples.json
by scripts/export_samples.ts). The inputs are not restated here: this script reads them, runs
each through the op's PyTorch reference (REF in scripts/gen_fixtures.py) and writes
test/fixtures/samples_torch.json: per sample id, its digest and either the outputs (the
conformance format) or torch's error. `npm test` needs no Python: the output is committed.

Run: npx vite-node scripts/export_samples.ts && /tmp/venv-c/bin/python scripts/gen_sample_fixtures.py
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_fixtures as G  # noqa: E402  (REF, the encoders and the view ops: one reference per op)
import gen_conv_fixtures  # noqa: E402,F401  (each adds its family's references to G.REF)
import gen_rnn_cell_fixtures  # noqa: E402,F401
import gen_attention_fixtures  # noqa: E402,F401

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / 'test' / 'fixtures' / 'samples.json'
DST = ROOT / 'test' / 'fixtures' / 'samples_torch.json'
# ops whose results are views (or lists of views) of input 0: the output records whether they share its storage
VIEWS = {'as_strided', 'reshape', 'view', 'permute', 'transpose', 'slice', 'select', 'narrow', 'expand', 'squeeze',
         'unsqueeze', 'flatten', 'contiguous', 't', 'T', 'unflatten', 'split', 'chunk'}


def torch_step(cls, hyper, p0, grad, state):
    """One torch.optim step of a fresh optimizer over p0, from the given state."""
    p = torch.nn.Parameter(p0.detach().clone())
    opt = cls([p], **hyper)
    if state:
        opt.state[p] = {k: (v.clone() if torch.is_tensor(v) else v) for k, v in state.items()}
    p.grad = grad.clone()
    opt.step()
    return p.detach(), opt.state[p]


def adam_ref(x, a):
    p, g, m, v = x[:4]
    st = {'step': torch.tensor(float(a['step'] - 1)), 'exp_avg': m, 'exp_avg_sq': v}
    if len(x) > 4:
        st['max_exp_avg_sq'] = x[4]
    cls = torch.optim.AdamW if a.get('decoupled') else torch.optim.Adam
    p1, s1 = torch_step(cls, {'lr': a['lr'], 'betas': (a['beta1'], a['beta2']), 'eps': a['eps'], 'weight_decay': a['weightDecay'],
                              'amsgrad': len(x) > 4, 'maximize': a.get('maximize', False)}, p, g, st)
    return [p1, s1['exp_avg'], s1['exp_avg_sq']] + ([s1['max_exp_avg_sq']] if len(x) > 4 else [])


def sgd_ref(x, a):
    mom = a.get('momentum', 0)
    st = {'momentum_buffer': x[2]} if mom and not a.get('first') else None
    p1, s1 = torch_step(torch.optim.SGD, {'lr': a['lr'], 'momentum': mom, 'dampening': a.get('dampening', 0),
                                          'weight_decay': a.get('weightDecay', 0), 'nesterov': a.get('nesterov', False),
                                          'maximize': a.get('maximize', False)}, x[0], x[1], st)
    return [p1] + ([s1['momentum_buffer']] if len(x) > 2 else [])


def rmsprop_ref(x, a):
    mom, centered = a.get('momentum', 0), a.get('centered', False)
    st = {'step': torch.tensor(3.0), 'square_avg': x[2]}
    if centered:
        st['grad_avg'] = x[3]
    if mom:
        st['momentum_buffer'] = x[-1]
    p1, s1 = torch_step(torch.optim.RMSprop, {'lr': a['lr'], 'alpha': a['alpha'], 'eps': a['eps'], 'weight_decay': a.get('weightDecay', 0),
                                              'momentum': mom, 'centered': centered, 'maximize': a.get('maximize', False)}, x[0], x[1], st)
    return [p1, s1['square_avg']] + ([s1['grad_avg']] if centered else []) + ([s1['momentum_buffer']] if mom else [])


def adagrad_ref(x, a):
    p1, s1 = torch_step(torch.optim.Adagrad, {'lr': a['lr'], 'lr_decay': a.get('lrDecay', 0), 'eps': a['eps'],
                                              'weight_decay': a.get('weightDecay', 0), 'maximize': a.get('maximize', False)},
                        x[0], x[1], {'step': torch.tensor(float(a['step'] - 1)), 'sum': x[2]})
    return [p1, s1['sum']]


# the fused optimizer steps: one torch.optim step from the same state (as scripts/gen_optim_fixtures.py)
G.REF.update({'adam_step_': adam_ref, 'sgd_step_': sgd_ref, 'rmsprop_step_': rmsprop_ref, 'adagrad_step_': adagrad_ref})


def num(v):
    return {'nan': float('nan'), 'inf': float('inf'), '-inf': float('-inf'), '-0': -0.0}.get(v, v) if isinstance(v, str) else v


def dec(v):
    if isinstance(v, dict):
        return {k: dec(x) for k, x in v.items()}
    return G.dec_arg(v)


def build(spec):
    """(torch value, base tensor or None) for one exported input."""
    if 'scalar' in spec:
        return num(spec['scalar']), None
    flat = np.array([num(v) for v in spec['data']], np.float64)
    arr = (flat != 0) if spec['dtype'] == 'bool' else flat.astype(G.NDT[spec['dtype']])
    base = torch.from_numpy(arr.reshape(spec['shape']).copy())  # copy(): ascontiguousarray would make a 0-d array 1-d
    return G.apply_view(base, spec.get('view', [])), base


def run(s):
    built = [build(x) for x in s['in']]
    tins = [b[0] for b in built]
    base = built[0][1] if built else None
    args = dec(s.get('args', {}))
    try:
        with np.errstate(all='ignore'):
            out = G.flatten_out(G.REF[s['op']](tins, args))
    except (RuntimeError, TypeError, ValueError, IndexError, NotImplementedError) as e:
        return {'error': str(e).splitlines()[0][:160]}
    shares = s['op'] in VIEWS and base is not None
    return {'out': [G.enc_out(o, None, G.shares_storage(o, base) if shares and o.numel() > 0 else None) for o in out]}


def main():
    samples = json.loads(SRC.read_text())['samples']
    outputs, problems = {}, []
    for s in samples:
        if s['op'] not in G.REF:
            problems.append(f"{s['id']}: no torch reference for op {s['op']}")
            continue
        r = run(s)
        if s.get('error') and 'error' not in r:
            problems.append(f"{s['id']}: marked error, but torch accepted it")
        if not s.get('error') and 'error' in r:
            problems.append(f"{s['id']}: torch rejects it ({r['error']}); mark it error or fix it")
        outputs[s['id']] = {'digest': s['digest'], **r}
    if problems:
        print('\n'.join(problems))
        sys.exit(1)
    lines = [json.dumps(k) + ': ' + json.dumps(v, separators=(',', ':')) for k, v in outputs.items()]
    head = {'generator': 'scripts/gen_sample_fixtures.py', 'torch': torch.__version__.split('+')[0]}
    DST.write_text(json.dumps(head)[:-1] + ', "outputs": {\n' + ',\n'.join(lines) + '\n}}\n')
    print(f'wrote {DST}: {len(outputs)} samples')


if __name__ == '__main__':
    main()
