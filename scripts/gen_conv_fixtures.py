#!/usr/bin/env python3
"""Op-table fixtures for the 'conv' family (test/fixtures/conv.json): the native conv and
max-pool ops and the composites built on them (conv1d, maxPool1d, avgPool2d,
adaptiveAvgPool2d, interpolate), computed by PyTorch (CPU). Same case format, encoding
and seeds as scripts/gen_fixtures.py, whose helpers it reuses.

Run: python3 scripts/gen_conv_fixtures.py
"""
import json
import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_fixtures as G  # noqa: E402
from gen_fixtures import Family, In, fl, rng_for, REF, NAN  # noqa: E402

# oneDNN rejects some of the odd geometries below; torch's own kernels compute them
torch.backends.mkldnn.enabled = False
P2 = lambda v: tuple(v) if isinstance(v, list) else v  # JSON lists to torch tuples
L2 = lambda v: list(v) if isinstance(v, list) else [v, v]  # an int or a pair as the list aten's own ops take


def opt(x, i):
    return x[i] if len(x) > i else None


REF.update({
    'conv2d': lambda x, a: F.conv2d(x[0], x[1], opt(x, 2), stride=P2(a.get('stride', 1)), padding=P2(a.get('padding', 0)),
                                    dilation=P2(a.get('dilation', 1)), groups=a.get('groups', 1)),
    'conv_transpose2d': lambda x, a: F.conv_transpose2d(x[0], x[1], opt(x, 2), stride=P2(a.get('stride', 1)),
                                                        padding=P2(a.get('padding', 0)), output_padding=P2(a.get('outputPadding', 0)),
                                                        groups=a.get('groups', 1), dilation=P2(a.get('dilation', 1))),
    'conv2d_weight_grad': lambda x, a: torch.nn.grad.conv2d_weight(
        x[1], [x[0].shape[1], x[1].shape[1] // a.get('groups', 1), *a['kernel']], x[0], stride=P2(a.get('stride', 1)),
        padding=P2(a.get('padding', 0)), dilation=P2(a.get('dilation', 1)), groups=a.get('groups', 1)),
    # inputs dy, x, w; outputs dx, dW, db where outputMask asks (torch returns None for the rest)
    'conv2d_backward': lambda x, a: tuple(t for t in torch.ops.aten.convolution_backward(
        x[0], x[1], x[2], [x[2].shape[0]], L2(a.get('stride', 1)), L2(a.get('padding', 0)), L2(a.get('dilation', 1)), False,
        [0, 0], a.get('groups', 1), a.get('outputMask', [True, True, True])) if t is not None),
    'max_pool2d': lambda x, a: F.max_pool2d(x[0], P2(a['kernel']), stride=P2(a.get('stride')), padding=P2(a.get('padding', 0)),
                                            dilation=P2(a.get('dilation', 1)), ceil_mode=a.get('ceilMode', False), return_indices=True),
    'adaptive_max_pool2d': lambda x, a: F.adaptive_max_pool2d(x[0], P2(a['size']), return_indices=True),
    'conv1d': lambda x, a: F.conv1d(x[0], x[1], opt(x, 2), stride=a.get('stride', 1), padding=a.get('padding', 0),
                                    dilation=a.get('dilation', 1), groups=a.get('groups', 1)),
    'maxPool1d': lambda x, a: F.max_pool1d(x[0], a['kernel'], stride=a.get('stride'), padding=a.get('padding', 0),
                                           dilation=a.get('dilation', 1), ceil_mode=a.get('ceilMode', False)),
    'avgPool2d': lambda x, a: F.avg_pool2d(x[0], P2(a['kernel']), stride=P2(a.get('stride')), padding=P2(a.get('padding', 0)),
                                           ceil_mode=a.get('ceilMode', False), count_include_pad=a.get('countIncludePad', True),
                                           divisor_override=a.get('divisorOverride')),
    'adaptiveAvgPool2d': lambda x, a: F.adaptive_avg_pool2d(x[0], P2(a['size'])),
    'interpolate': lambda x, a: F.interpolate(x[0], size=P2(a.get('size')), scale_factor=P2(a.get('scaleFactor')),
                                              mode=a.get('mode', 'nearest'), align_corners=a.get('alignCorners')),
    # running stats (inputs 3, 4) are cloned first; their updated values are outputs too
    'batch_norm': lambda x, a: bn_ref(x, a),
    'batch_norm_backward': lambda x, a: torch.ops.aten.native_batch_norm_backward(
        x[0], x[1], opt(x, 4), None if a['training'] else x[2], None if a['training'] else 1 / x[3] ** 2 - a.get('eps', 1e-5),
        x[2] if a['training'] else None, x[3] if a['training'] else None, a['training'], a.get('eps', 1e-5), [True, True, True]),
})


def bn_ref(x, a):
    rm, rv = (x[3].clone(), x[4].clone()) if len(x) > 3 else (None, None)
    F.batch_norm(x[0], None if rm is None else rm.clone(), None if rv is None else rv.clone(), opt(x, 1), opt(x, 2), a['training'])  # torch's checks
    y, mean, invstd = torch.ops.aten.native_batch_norm(x[0], opt(x, 1), opt(x, 2), rm, rv, a['training'], a.get('momentum', 0.1), a.get('eps', 1e-5))
    if not a['training']:  # torch saves nothing in eval; myelin returns the running statistics it used
        mean, invstd = rm, 1 / torch.sqrt(rv + a.get('eps', 1e-5))
    return [y, mean, invstd] + ([rm, rv] if rm is not None else [])


def gen_norm(fam):
    r = rng_for('batch_norm')
    X = lambda shape, dt='float32', view=(), lo=-2, hi=3: fl(r, shape, lo, hi, dt, view)
    C = lambda name, ins, **kw: fam.case('batch_norm', name, ins, **kw)
    C('train_4d_running', [X([4, 3, 5, 6]), X([3], lo=0.5), X([3]), X([3]), X([3], lo=0.5)], training=True, momentum=0.1)
    C('train_2d_no_affine', [X([8, 5])], training=True)
    C('train_3d_momentum', [X([3, 2, 7]), X([2]), X([2]), X([2]), X([2], lo=0.2)], training=True, momentum=0.3, eps=1e-3)
    C('eval_4d', [X([2, 3, 4, 4]), X([3]), X([3]), X([3]), X([3], lo=0.5)], training=False)
    C('noncontig', [X([2, 4, 5, 3], view=[['transpose', 2, 3]]), X([4]), X([4])], training=True)
    C('f64', [X([3, 2, 4, 4], 'float64'), X([2], 'float64'), X([2], 'float64')], training=True)
    C('empty_spatial_eval', [X([2, 3, 0]), X([3]), X([3]), X([3]), X([3], lo=0.5)], training=False)
    # planes of 128 values and more take the per-channel loops; smaller ones tiles of channels,
    # here 600 channels of one value: a full tile of 512 and a partial one
    C('large_planes', [G.gen_input([2, 3, 12, 12], 'float32', 7919, 10007, -2, 3), X([3]), X([3]), X([3]), X([3], lo=0.5)],
      training=True, sample=7)
    C('channel_tiles', [G.gen_input([4, 600], 'float32', 104729, 10009, -2, 3), X([600]), X([600])], training=True, sample=7)
    E = lambda name, ins, **kw: fam.error('batch_norm', name, ins, **kw)
    E('one_value_per_channel', [X([1, 3])], training=True)
    E('weight_wrong_size', [X([4, 3, 2, 2]), X([2])], training=True)
    E('input_0d', [X([])], training=True)
    r = rng_for('batch_norm_backward')
    C = lambda name, ins, **kw: fam.case('batch_norm_backward', name, ins, **kw)
    # inputs: dy, x, mean, invstd (the forward's), weight
    def saved(x, train):
        t = x.torch()
        dims = [0] + list(range(2, t.dim()))
        mean = t.mean(dims)
        return In(mean.numpy(), x.dtype), In((1 / torch.sqrt(t.var(dims, unbiased=False) + 1e-5)).numpy(), x.dtype)
    for name, shape, train, dt, view in [('train_4d', [4, 3, 3, 5], True, 'float32', ()), ('eval_4d', [2, 3, 4, 4], False, 'float32', ()),
                                         ('train_2d', [6, 4], True, 'float32', ()), ('f64', [3, 2, 3, 3], True, 'float64', ()),
                                         ('noncontig', [2, 3, 4, 5], True, 'float32', [['transpose', 2, 3]])]:
        x = X(shape, dt, view)
        m, s_ = saved(x, train)
        vshape = shape[:2] + shape[2:][::-1] if view else shape
        C(name, [X(vshape, dt), x, m, s_, X([shape[1]], dt)], training=train)
    C('eval_empty', [X([2, 3, 0]), X([2, 3, 0]), X([3]), X([3], lo=0.5), X([3])], training=False)
    # the per-channel loops (planes of 128 and more) and two tiles of 102 and 8 channels of 5 values
    for name, shape in [('large_planes', [2, 2, 12, 11]), ('channel_tiles', [2, 110, 5])]:
        x = G.gen_input(shape, 'float32', 7919, 10007, -2, 3)
        m, s_ = saved(x, True)
        C(name, [G.gen_input(shape, 'float32', 104729, 10009, -1, 1), x, m, s_, X([shape[1]])], training=True, sample=7)
    fam.error('batch_norm_backward', 'input_0d', [X([]), X([]), X([1]), X([1])], training=True)


def ln_ref(x, a):
    return torch.native_layer_norm(x[0], a['normalizedShape'], opt(x, 1), opt(x, 2), a.get('eps', 1e-5))


def ln_backward_ref(x, a):
    # inputs dy, x, mean, rstd, weight?; dweight / dbias do not depend on the weight, which torch
    # needs only to return them: ones and zeros stand in when the case has none
    shape = a['normalizedShape']
    w = opt(x, 4)
    ones = torch.ones(shape, dtype=x[1].dtype)
    return torch.ops.aten.native_layer_norm_backward(x[0], x[1], shape, x[2], x[3], ones if w is None else w, torch.zeros_like(ones),
                                                     [True, True, True])


REF.update({'layer_norm': ln_ref, 'layer_norm_backward': ln_backward_ref})


def gen_layer_norm(fam):
    r = rng_for('layer_norm')
    X = lambda shape, dt='float32', view=(), lo=-2, hi=3: fl(r, shape, lo, hi, dt, view)
    C = lambda name, ins, **kw: fam.case('layer_norm', name, ins, **kw)
    C('3d_affine', [X([2, 5, 8]), X([8], lo=0.5), X([8])], normalizedShape=[8])
    C('2d_no_affine', [X([6, 7])], normalizedShape=[7])
    C('weight_only', [X([3, 4, 6]), X([4, 6], lo=0.5)], normalizedShape=[4, 6], eps=1e-3)
    C('whole_tensor', [X([3, 5]), X([3, 5]), X([3, 5])], normalizedShape=[3, 5])
    C('noncontig', [X([4, 6, 5], view=[['transpose', 1, 2]]), X([6]), X([6])], normalizedShape=[6])
    C('f64', [X([3, 4, 9], 'float64'), X([9], 'float64'), X([9], 'float64')], normalizedShape=[9])
    C('empty_rows', [X([0, 4]), X([4]), X([4])], normalizedShape=[4])
    # many rows of a wide feature dim: several threads' blocks of rows
    C('wide_rows', [G.gen_input([64, 300], 'float32', 7919, 10007, -2, 3), X([300]), X([300])], normalizedShape=[300], sample=7)
    E = lambda name, ins, **kw: fam.error('layer_norm', name, ins, **kw)
    E('shape_mismatch', [X([2, 3, 4])], normalizedShape=[3])
    E('weight_wrong_size', [X([2, 4]), X([3])], normalizedShape=[4])
    E('input_too_small', [X([4])], normalizedShape=[2, 4])
    E('input_0d', [X([])], normalizedShape=[1])
    r = rng_for('layer_norm_backward')
    C = lambda name, ins, **kw: fam.case('layer_norm_backward', name, ins, **kw)

    def saved(x, shape):
        _, m, s_ = torch.native_layer_norm(x.torch(), shape, None, None, 1e-5)
        return In(m.numpy(), x.dtype), In(s_.numpy(), x.dtype)
    for name, shape, ns, dt, affine in [('3d_affine', [2, 5, 8], [8], 'float32', True), ('2d_no_weight', [6, 7], [7], 'float32', False),
                                        ('two_dims', [3, 4, 6], [4, 6], 'float32', True), ('f64', [3, 4, 9], [9], 'float64', True)]:
        x = X(shape, dt)
        m, s_ = saved(x, ns)
        C(name, [X(shape, dt), x, m, s_] + ([X(ns, dt, lo=0.5)] if affine else []), normalizedShape=ns)
    x = G.gen_input([64, 300], 'float32', 7919, 10007, -2, 3)
    m, s_ = saved(x, [300])
    C('wide_rows', [G.gen_input([64, 300], 'float32', 104729, 10009, -1, 1), x, m, s_, X([300])], normalizedShape=[300], sample=7)
    x = X([3, 5, 4], view=[['transpose', 0, 1]])  # a [5, 3, 4] view
    m, s_ = saved(x, [4])
    C('noncontig', [X([5, 3, 4]), x, m, s_, X([4])], normalizedShape=[4])
    x = X([0, 4])
    m, s_ = saved(x, [4])
    C('empty_rows', [X([0, 4]), x, m, s_, X([4])], normalizedShape=[4])
    fam.error('layer_norm_backward', 'input_0d', [X([]), X([]), X([]), X([])], normalizedShape=[1])


def gn_ref(x, a):
    t = x[0].contiguous()  # native_group_norm takes contiguous input (F.group_norm makes it so)
    N, C = t.shape[0], t.shape[1]
    return torch.native_group_norm(t, opt(x, 1), opt(x, 2), N, C, math.prod(t.shape[2:]), a['numGroups'],
                                   a.get('eps', 1e-5))


def gn_backward_ref(x, a):
    # inputs dy, x, mean, rstd, weight?; dweight / dbias do not depend on the weight (ones stand in without one)
    t = x[1].contiguous()
    N, C = t.shape[0], t.shape[1]
    w = opt(x, 4)
    return torch.ops.aten.native_group_norm_backward(x[0].contiguous(), t, x[2], x[3], torch.ones(C, dtype=t.dtype) if w is None else w, N, C,
                                                     math.prod(t.shape[2:]), a['numGroups'], [True, True, True])


REF.update({'group_norm': gn_ref, 'group_norm_backward': gn_backward_ref})


def gen_group_norm(fam):
    r = rng_for('group_norm')
    X = lambda shape, dt='float32', view=(), lo=-2, hi=3: fl(r, shape, lo, hi, dt, view)
    C = lambda name, ins, **kw: fam.case('group_norm', name, ins, **kw)
    C('4d_affine', [X([2, 6, 4, 5]), X([6], lo=0.5), X([6])], numGroups=3)
    C('3d_no_affine', [X([3, 8, 7])], numGroups=2)
    C('weight_only_eps', [X([2, 4, 3, 3]), X([4], lo=0.5)], numGroups=4, eps=1e-3)
    C('one_group', [X([2, 5, 3, 2]), X([5]), X([5])], numGroups=1)
    C('noncontig', [X([2, 4, 5, 3], view=[['transpose', 2, 3]]), X([4]), X([4])], numGroups=2)
    C('f64', [X([2, 6, 3, 3], 'float64'), X([6], 'float64'), X([6], 'float64')], numGroups=3)
    C('empty_batch', [X([0, 4, 3, 3]), X([4]), X([4])], numGroups=2)
    # the U-Net's shape at 7x7 (many rows over both threads)
    C('unet_rows', [G.gen_input([8, 64, 7, 7], 'float32', 7919, 10007, -2, 3), X([64], lo=0.5), X([64])], numGroups=8, sample=7)
    E = lambda name, ins, **kw: fam.error('group_norm', name, ins, **kw)
    E('groups_not_dividing', [X([2, 6, 3])], numGroups=4)
    E('weight_wrong_size', [X([2, 4, 3]), X([3])], numGroups=2)
    E('input_1d', [X([4])], numGroups=2)
    E('input_0d', [X([])], numGroups=1)
    r = rng_for('group_norm_backward')
    C = lambda name, ins, **kw: fam.case('group_norm_backward', name, ins, **kw)

    def saved(x, g):
        t = x.torch().contiguous()
        _, m, s_ = torch.native_group_norm(t, None, None, t.shape[0], t.shape[1], math.prod(t.shape[2:]), g, 1e-5)
        return In(m.numpy(), x.dtype), In(s_.numpy(), x.dtype)
    for name, shape, g, dt, affine in [('4d_affine', [2, 6, 4, 5], 3, 'float32', True), ('3d_no_weight', [3, 8, 7], 2, 'float32', False),
                                       ('one_group', [2, 5, 3, 2], 1, 'float32', True), ('f64', [2, 6, 3, 3], 3, 'float64', True)]:
        x = X(shape, dt)
        m, s_ = saved(x, g)
        C(name, [X(shape, dt), x, m, s_] + ([X([shape[1]], dt, lo=0.5)] if affine else []), numGroups=g)
    x = G.gen_input([8, 64, 7, 7], 'float32', 7919, 10007, -2, 3)
    m, s_ = saved(x, 8)
    C('unet_rows', [G.gen_input([8, 64, 7, 7], 'float32', 104729, 10009, -1, 1), x, m, s_, X([64], lo=0.5)], numGroups=8, sample=7)
    x = X([2, 4, 5, 3], view=[['transpose', 2, 3]])  # a [2, 4, 3, 5] view
    m, s_ = saved(x, 2)
    C('noncontig', [X([2, 4, 3, 5]), x, m, s_, X([4])], numGroups=2)
    x = X([0, 4, 3, 3])
    m, s_ = saved(x, 2)
    C('empty_batch', [X([0, 4, 3, 3]), x, m, s_, X([4])], numGroups=2)
    fam.error('group_norm_backward', 'input_1d', [X([4]), X([4]), X([1]), X([1])], numGroups=1)
    fam.error('group_norm_backward', 'input_0d', [X([]), X([]), X([1]), X([1])], numGroups=1)


def gen_conv(fam):
    r = rng_for('conv2d')
    X = lambda shape, dt='float32', view=(): fl(r, shape, -1, 1, dt, view)
    Wt = lambda shape, dt='float32': fl(r, shape, -0.5, 0.5, dt)
    C = lambda name, ins, **kw: fam.case('conv2d', name, ins, **kw)
    C('3x3', [X([2, 3, 7, 6]), Wt([4, 3, 3, 3]), Wt([4])])
    C('no_bias_pad1', [X([2, 3, 5, 5]), Wt([4, 3, 3, 3])], padding=1)
    C('stride2_pad_hw', [X([2, 2, 9, 8]), Wt([3, 2, 3, 2]), Wt([3])], stride=[2, 3], padding=[1, 0])
    C('dilation2', [X([1, 2, 9, 9]), Wt([3, 2, 3, 3]), Wt([3])], dilation=2, padding=2)
    C('groups2', [X([2, 4, 6, 6]), Wt([6, 2, 3, 3]), Wt([6])], groups=2, padding=1)
    C('depthwise_stride2', [X([2, 5, 8, 7]), Wt([5, 1, 3, 3]), Wt([5])], groups=5, stride=2, padding=1)
    C('1x1', [X([2, 6, 4, 5]), Wt([3, 6, 1, 1]), Wt([3])])
    C('1x1_stride2', [X([2, 4, 5, 5]), Wt([3, 4, 1, 1])], stride=2)
    C('7x7_stride2_pad3_odd', [X([1, 3, 15, 13]), Wt([2, 3, 7, 7]), Wt([2])], stride=2, padding=3)
    C('same_even_kernel', [X([2, 2, 6, 5]), Wt([3, 2, 4, 2]), Wt([3])], padding='same')
    C('same_dilated', [X([1, 2, 7, 7]), Wt([2, 2, 3, 3])], padding='same', dilation=2)
    C('valid', [X([1, 2, 5, 6]), Wt([2, 2, 3, 3])], padding='valid')
    C('padding_wider_than_input', [X([1, 1, 8, 1]), Wt([2, 1, 5, 5])], padding=2)
    C('padding_wider_than_input_hw', [X([1, 1, 1, 2]), Wt([1, 1, 7, 7])], padding=3, stride=[1, 2])
    C('unbatched', [X([3, 6, 6]), Wt([2, 3, 3, 3]), Wt([2])], padding=1)
    C('noncontig_input', [X([2, 3, 6, 7], view=[['transpose', 2, 3]]), Wt([4, 3, 3, 3]), Wt([4])])
    C('f64', [X([2, 3, 6, 6], 'float64'), Wt([4, 3, 3, 3], 'float64'), Wt([4], 'float64')], stride=2, padding=1)
    C('empty_batch', [X([0, 3, 5, 5]), Wt([4, 3, 3, 3]), Wt([4])])
    C('mnist_shapes', [G.gen_input([4, 32, 14, 14], 'float32', 7919, 10007, -1, 1), G.gen_input([64, 32, 3, 3], 'float32', 104729, 10009, -0.1, 0.1)],
      padding=1, sample=37)
    E = lambda name, ins, **kw: fam.error('conv2d', name, ins, **kw)
    E('channel_mismatch', [X([1, 2, 5, 5]), Wt([4, 3, 3, 3])])
    E('kernel_bigger_than_padded_input', [X([1, 3, 2, 2]), Wt([4, 3, 3, 3])])
    E('input_2d', [X([5, 5]), Wt([4, 1, 3, 3])])
    E('input_0d', [X([]), Wt([4, 1, 3, 3])])
    E('zero_stride', [X([1, 3, 5, 5]), Wt([4, 3, 3, 3])], stride=0)
    E('negative_stride', [X([1, 3, 5, 5]), Wt([4, 3, 3, 3])], stride=-1)
    E('negative_padding', [X([1, 3, 5, 5]), Wt([4, 3, 3, 3])], padding=-1)
    E('out_channels_not_divisible_by_groups', [X([1, 4, 5, 5]), Wt([3, 2, 3, 3])], groups=2)
    E('bias_wrong_size', [X([1, 3, 5, 5]), Wt([4, 3, 3, 3]), Wt([3])])
    E('same_with_stride', [X([1, 3, 5, 5]), Wt([4, 3, 3, 3])], padding='same', stride=2)
    E('dtype_mismatch', [X([1, 3, 5, 5], 'float64'), Wt([4, 3, 3, 3])])

    r = rng_for('conv_transpose2d')
    C = lambda name, ins, **kw: fam.case('conv_transpose2d', name, ins, **kw)
    C('3x3', [X([2, 3, 4, 5]), Wt([3, 2, 3, 3]), Wt([2])])
    C('stride2_pad1_outpad1', [X([2, 4, 3, 4]), Wt([4, 3, 3, 3]), Wt([3])], stride=2, padding=1, outputPadding=1)
    C('groups2_dilation2', [X([1, 4, 4, 4]), Wt([4, 2, 3, 2]), Wt([4])], groups=2, dilation=2)
    C('stride_hw_4x4_kernel', [X([1, 2, 3, 3]), Wt([2, 3, 4, 4])], stride=[2, 3], padding=[1, 0])
    C('1x1', [X([2, 3, 4, 4]), Wt([3, 5, 1, 1]), Wt([5])])
    C('padding_past_output', [X([1, 1, 3, 1]), Wt([1, 1, 5, 5])], padding=2)
    C('unbatched', [X([2, 3, 3]), Wt([2, 2, 2, 2])], stride=2)
    C('noncontig_input', [X([1, 2, 5, 4], view=[['transpose', 2, 3]]), Wt([2, 3, 3, 3])], stride=2)
    C('f64', [X([1, 2, 3, 3], 'float64'), Wt([2, 2, 3, 3], 'float64'), Wt([2], 'float64')], stride=2, outputPadding=1)
    C('empty_batch', [X([0, 2, 3, 3]), Wt([2, 2, 3, 3])])
    E = lambda name, ins, **kw: fam.error('conv_transpose2d', name, ins, **kw)
    E('channel_mismatch', [X([1, 3, 4, 4]), Wt([2, 2, 3, 3])])
    E('output_padding_too_big', [X([1, 2, 4, 4]), Wt([2, 2, 3, 3])], stride=2, outputPadding=2)
    E('input_0d', [X([]), Wt([2, 2, 3, 3])])
    E('zero_stride', [X([1, 2, 4, 4]), Wt([2, 2, 3, 3])], stride=0)

    r = rng_for('conv2d_weight_grad')
    C = lambda name, ins, **kw: fam.case('conv2d_weight_grad', name, ins, **kw)
    C('3x3_pad1', [X([2, 4, 5, 5]), X([2, 3, 5, 5])], kernel=[3, 3], padding=1)
    C('stride2_groups2', [X([3, 4, 3, 4]), X([3, 2, 6, 7])], kernel=[3, 3], stride=2, padding=1, groups=2)
    C('dilation_odd', [X([1, 2, 3, 4]), X([1, 3, 7, 6])], kernel=[3, 2], dilation=2)
    C('1x1', [X([2, 3, 4, 4]), X([2, 5, 4, 4])], kernel=[1, 1])
    C('padding_wider_than_input', [X([1, 2, 8, 1]), X([1, 1, 8, 1])], kernel=[5, 5], padding=2)
    C('noncontig', [X([2, 4, 5, 5], view=[['transpose', 2, 3]]), X([2, 3, 5, 5])], kernel=[3, 3], padding=1)
    C('f64', [X([2, 2, 4, 4], 'float64'), X([2, 2, 4, 4], 'float64')], kernel=[3, 3], padding=1)
    C('empty_batch', [X([0, 2, 3, 3]), X([0, 2, 5, 5])], kernel=[3, 3])
    E = lambda name, ins, **kw: fam.error('conv2d_weight_grad', name, ins, **kw)
    E('input_0d', [X([]), X([1, 2, 5, 5])], kernel=[3, 3])

    r = rng_for('conv2d_backward')
    C = lambda name, ins, **kw: fam.case('conv2d_backward', name, ins, **kw)
    C('3x3_pad1', [X([2, 4, 5, 5]), X([2, 3, 5, 5]), Wt([4, 3, 3, 3])], padding=1)
    C('stride2_dilation_groups2', [X([2, 4, 3, 4]), X([2, 4, 7, 8]), Wt([4, 2, 3, 2])], stride=2, padding=[1, 0], dilation=[2, 1], groups=2)
    C('mask_input_only', [X([1, 2, 3, 3]), X([1, 3, 5, 5]), Wt([2, 3, 3, 3])], outputMask=[True, False, False])
    C('mask_weight_and_bias', [X([2, 3, 4, 4]), X([2, 2, 4, 4]), Wt([3, 2, 1, 1])], outputMask=[False, True, True])
    C('mask_input_and_bias', [X([1, 2, 4, 4]), X([1, 2, 6, 6]), Wt([2, 2, 3, 3])], outputMask=[True, False, True])
    # 8 input and 16 output channels: the float32 oneDNN path, dy reordered once for dx and dW
    C('blocked_channels', [G.gen_input([2, 16, 5, 5], 'float32', 7919, 10007, -1, 1), G.gen_input([2, 8, 5, 5], 'float32', 104729, 10009, -1, 1),
                           G.gen_input([16, 8, 3, 3], 'float32', 7907, 10037, -0.3, 0.3)], padding=1, sample=3)
    # a broadcast dy (as from sum's backward), read by oneDNN's reorder in place
    C('broadcast_grad_output_blocked', [X([1, 16, 1, 1], view=[['expand', [2, 16, 5, 5]]]), G.gen_input([2, 8, 5, 5], 'float32', 104729, 10009, -1, 1),
                                        G.gen_input([16, 8, 3, 3], 'float32', 7907, 10037, -0.3, 0.3)], padding=1, sample=3)
    C('noncontig_grad_output', [X([2, 3, 6, 5], view=[['transpose', 2, 3]]), X([2, 3, 5, 6]), Wt([3, 3, 3, 3])], padding=1)
    C('f64', [X([2, 3, 3, 3], 'float64'), X([2, 2, 5, 5], 'float64'), Wt([3, 2, 3, 3], 'float64')], stride=2, padding=1)
    C('empty_batch', [X([0, 3, 3, 3]), X([0, 2, 5, 5]), Wt([3, 2, 3, 3])])
    E = lambda name, ins, **kw: fam.error('conv2d_backward', name, ins, **kw)
    E('grad_output_wrong_size', [X([1, 3, 4, 4]), X([1, 2, 5, 5]), Wt([3, 2, 3, 3])])
    E('channel_mismatch', [X([1, 3, 3, 3]), X([1, 2, 5, 5]), Wt([3, 4, 3, 3])])
    E('grad_output_0d', [X([]), X([1, 2, 5, 5]), Wt([3, 2, 3, 3])])

    r = rng_for('conv1d')
    C = lambda name, ins, **kw: fam.case('conv1d', name, ins, **kw)
    C('k3', [X([2, 3, 9]), Wt([4, 3, 3]), Wt([4])])
    C('stride2_pad1_dil2', [X([2, 2, 11]), Wt([3, 2, 3]), Wt([3])], stride=2, padding=1, dilation=2)
    C('groups_same', [X([1, 4, 8]), Wt([4, 2, 4])], groups=2, padding='same')
    C('unbatched', [X([3, 7]), Wt([2, 3, 2])])
    C('noncontig', [X([2, 8, 3], view=[['transpose', 1, 2]]), Wt([2, 3, 3])])
    C('empty_batch', [X([0, 3, 5]), Wt([2, 3, 3])])
    fam.error('conv1d', 'input_0d', [X([]), Wt([2, 3, 3])])


def gen_pool(fam):
    r = rng_for('max_pool2d')
    X = lambda shape, dt='float32', view=(): G.distinct(r, shape, dt, view)
    C = lambda name, ins, **kw: fam.case('max_pool2d', name, ins, **kw)
    C('2x2', [X([2, 3, 6, 6])], kernel=2)
    C('3x3_stride2_pad1', [X([2, 2, 7, 8])], kernel=3, stride=2, padding=1)
    C('ceil_mode', [X([1, 2, 7, 6])], kernel=3, stride=2, ceilMode=True)
    C('ceil_mode_pad', [X([1, 2, 8, 8])], kernel=3, stride=2, padding=1, ceilMode=True)
    C('dilation2', [X([1, 2, 9, 8])], kernel=[3, 2], stride=[1, 2], dilation=2)
    C('rect_kernel_stride', [X([2, 1, 7, 9])], kernel=[2, 3], stride=[2, 1])
    C('unbatched', [X([3, 5, 5])], kernel=2)
    C('noncontig', [X([2, 2, 6, 5], view=[['transpose', 2, 3]])], kernel=2)
    C('f64', [X([1, 2, 5, 5], 'float64')], kernel=2, stride=1)
    C('ties_first_wins', [In([[[[1, 1, 0], [1, 1, 0], [2, 0, 2]]]], 'float32')], kernel=2, stride=1)
    C('nan_wins', [In([[[[1, NAN, 0, 3], [4, 1, 0, -1]]]], 'float32')], kernel=2)
    C('empty_batch', [In(torch.zeros(0, 2, 4, 4).numpy(), 'float32')], kernel=2)
    E = lambda name, ins, **kw: fam.error('max_pool2d', name, ins, **kw)
    E('pad_too_big', [X([1, 1, 5, 5])], kernel=2, padding=2)
    E('output_too_small', [X([1, 1, 2, 2])], kernel=3)
    E('zero_stride', [X([1, 1, 5, 5])], kernel=2, stride=0)
    E('input_0d', [In(1.5, 'float32')], kernel=2)
    E('input_2d', [X([4, 4])], kernel=2)

    r = rng_for('adaptive_max_pool2d')
    C = lambda name, ins, **kw: fam.case('adaptive_max_pool2d', name, ins, **kw)
    C('divisible', [X([2, 3, 6, 8])], size=[3, 4])
    C('uneven_windows', [X([1, 2, 7, 5])], size=[3, 3])
    C('upsampling_size', [X([1, 2, 3, 2])], size=[5, 4])
    C('to_1x1', [X([2, 2, 5, 6])], size=1)
    C('noncontig', [X([1, 3, 6, 5], view=[['transpose', 2, 3]])], size=[2, 3])
    C('unbatched', [X([2, 5, 5])], size=2)
    C('empty_batch', [In(torch.zeros(0, 2, 4, 4).numpy(), 'float32')], size=2)
    fam.error('adaptive_max_pool2d', 'input_0d', [In(1.5, 'float32')], size=2)

    r = rng_for('maxPool1d')
    C = lambda name, ins, **kw: fam.case('maxPool1d', name, ins, **kw)
    C('k2', [X([2, 3, 8])], kernel=2)
    C('k3_s2_p1_ceil', [X([1, 2, 10])], kernel=3, stride=2, padding=1, ceilMode=True)
    C('noncontig', [X([2, 7, 3], view=[['transpose', 1, 2]])], kernel=3, dilation=2)
    C('empty_batch', [In(torch.zeros(0, 2, 6).numpy(), 'float32')], kernel=2)
    fam.error('maxPool1d', 'input_0d', [In(1.5, 'float32')], kernel=2)

    r = rng_for('avgPool2d')
    X = lambda shape, dt='float32', view=(): fl(r, shape, -2, 2, dt, view)
    C = lambda name, ins, **kw: fam.case('avgPool2d', name, ins, **kw)
    C('2x2', [X([2, 3, 6, 6])], kernel=2)
    C('3x3_s2_p1', [X([1, 2, 7, 7])], kernel=3, stride=2, padding=1)
    C('3x3_s2_p1_exclude_pad', [X([1, 2, 7, 7])], kernel=3, stride=2, padding=1, countIncludePad=False)
    C('ceil_mode', [X([1, 2, 6, 7])], kernel=3, stride=2, ceilMode=True)
    C('ceil_mode_pad_exclude', [X([1, 2, 8, 6])], kernel=3, stride=2, padding=1, ceilMode=True, countIncludePad=False)
    C('divisor_override', [X([1, 2, 5, 5])], kernel=2, stride=1, divisorOverride=3)
    C('rect', [X([2, 1, 7, 9])], kernel=[2, 3], stride=[1, 2], padding=[1, 1])
    C('unbatched', [X([2, 4, 4])], kernel=2)
    C('noncontig', [X([1, 2, 6, 5], view=[['transpose', 2, 3]])], kernel=2)
    C('f64', [X([1, 2, 6, 6], 'float64')], kernel=3, stride=2, padding=1, ceilMode=True)
    C('empty_batch', [In(torch.zeros(0, 2, 4, 4).numpy(), 'float32')], kernel=2)
    fam.error('avgPool2d', 'pad_too_big', [X([1, 1, 5, 5])], kernel=2, padding=2)
    fam.error('avgPool2d', 'input_0d', [In(1.5, 'float32')], kernel=2)

    r = rng_for('adaptiveAvgPool2d')
    C = lambda name, ins, **kw: fam.case('adaptiveAvgPool2d', name, ins, **kw)
    C('divisible', [X([2, 3, 6, 8])], size=[3, 4])
    C('uneven', [X([1, 2, 7, 5])], size=[3, 2])
    C('to_1x1', [X([2, 4, 5, 3])], size=1)
    C('keep_dim_none', [X([1, 2, 6, 4])], size=[3, None])
    C('upsample', [X([1, 1, 3, 2])], size=[4, 5])
    C('noncontig', [X([1, 3, 6, 5], view=[['transpose', 2, 3]])], size=[2, 3])
    C('f64', [X([1, 2, 7, 7], 'float64')], size=[3, 3])
    C('empty_batch', [In(torch.zeros(0, 2, 4, 4).numpy(), 'float32')], size=2)
    fam.error('adaptiveAvgPool2d', 'input_0d', [In(1.5, 'float32')], size=2)

    r = rng_for('interpolate')
    C = lambda name, ins, **kw: fam.case('interpolate', name, ins, **kw)
    C('nearest_scale2', [X([1, 2, 3, 4])], scaleFactor=2)
    C('nearest_size', [X([2, 1, 5, 4])], size=[7, 3])
    C('nearest_scale_1_5', [X([1, 1, 4, 5])], scaleFactor=1.5)
    C('bilinear_size', [X([1, 2, 4, 5])], size=[7, 9], mode='bilinear')
    C('bilinear_down', [X([1, 2, 8, 7])], size=[3, 4], mode='bilinear')
    C('bilinear_align_corners', [X([1, 2, 4, 5])], size=[7, 9], mode='bilinear', alignCorners=True)
    C('bilinear_scale2', [X([2, 1, 3, 3])], scaleFactor=2, mode='bilinear')
    C('bilinear_scale_hw', [X([1, 1, 4, 6])], scaleFactor=[1.5, 0.5], mode='bilinear')
    C('noncontig', [X([1, 2, 5, 4], view=[['transpose', 2, 3]])], size=[6, 8], mode='bilinear')
    C('f64', [X([1, 2, 3, 4], 'float64')], size=[5, 5], mode='bilinear', alignCorners=True)
    C('empty_batch', [In(torch.zeros(0, 2, 4, 4).numpy(), 'float32')], scaleFactor=2)
    fam.error('interpolate', 'input_0d', [In(1.5, 'float32')], scaleFactor=2)
    fam.error('interpolate', 'size_and_scale', [X([1, 1, 3, 3])], size=[4, 4], scaleFactor=2)


def main():
    fam = Family('conv')
    gen_conv(fam)
    gen_pool(fam)
    gen_norm(fam)
    gen_layer_norm(fam)
    gen_group_norm(fam)
    import gen_rnn_cell_fixtures  # the fused recurrent cells' cases (that script also merges them on its own)
    gen_rnn_cell_fixtures.gen_cells(fam)
    doc = {'family': 'conv', 'generator': 'scripts/gen_conv_fixtures.py', 'seed': G.SEED,
           'torch': torch.__version__.split('+')[0], 'cases': fam.cases}
    text = json.dumps(doc, separators=(',', ':'), allow_nan=False)
    text = text.replace(',{"op":', ',\n{"op":').replace('"cases":[{', '"cases":[\n{')
    (G.OUT_DIR / 'conv.json').write_text(text + '\n')
    print(f'conv {len(fam.cases)} cases {len(text) / 1024:.1f} KiB')


if __name__ == '__main__':
    main()
