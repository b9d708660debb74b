#!/usr/bin/env python3
"""Reference fixtures for the conformance suite (test/conformance.test.ts).

For every op id in native/ops.def (and the composites the public API builds on them)
this script builds cases from a seeded NumPy generator, computes the expected outputs
with PyTorch (CPU), and writes compact JSON to test/fixtures/<family>.json, one file per
registry family. `npm run fixtures` runs it; the output is deterministic (same seed and
same torch version -> byte-identical JSON) and `npm test` needs no Python.

Fixture format (one case):
  {"op": id, "name": "...", "in": [input...], "args": {...}, "out": [tensor...]}
  input:  {"dtype", "shape", "data": [flat, row-major], "view": [[op, ...args], ...]}
          the view ops (transpose, slice, permute, expand, select, unsqueeze) are applied
          to the base tensor on both sides, giving non-contiguous inputs;
          or {"dtype", "shape", "gen": [mult, mod, lo, hi]} for large inputs whose i-th
          element is lo + (hi - lo) * (((i * mult) % mod) / mod), computed in float64;
          or {"scalar": v} for a JS number/boolean (integer-valued numbers are int
          scalars, others float scalars, as Python's).
  tensor: {"dtype", "shape", "data"} ("sample": k when only every k-th element is kept;
          "shares": bool when the output must (not) share storage with input 0's base).
  Instead of "out": "error" (torch raised: myelin must throw too) or "stats" (random ops:
  the distribution the sample must match; the test also checks determinism).
Numbers: float32 as the shortest decimal that round-trips, float64 to 10 significant
digits (inputs are pre-rounded to 9 so they are exact), ints exactly, bools as 0/1, and
NaN/Infinity as the strings "nan", "inf", "-inf" (also inside args).
"""
import json
import math
import re
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / 'test' / 'fixtures'
SEED = 20240917
FAMILIES = ['unary', 'binary', 'view', 'creation', 'reduce', 'linalg', 'index']

warnings.filterwarnings('ignore')  # torch warns on the degenerate inputs the cases use on purpose
torch.set_num_threads(1)  # reduction order, hence last-bit results, independent of the machine
torch.use_deterministic_algorithms(True)

TDT = {'float32': torch.float32, 'float64': torch.float64, 'int32': torch.int32, 'int64': torch.int64, 'bool': torch.bool}
NDT = {'float32': np.float32, 'float64': np.float64, 'int32': np.int32, 'int64': np.int64, 'bool': np.bool_}
NAME = {v: k for k, v in TDT.items()}
INF, NAN = float('inf'), float('nan')

# ---------------------------------------------------------------- encoding


def enc_special(v):
    if v != v:
        return 'nan'
    if v == INF:
        return 'inf'
    if v == -INF:
        return '-inf'
    return None


def enc_f32(v):
    s = enc_special(float(v))
    if s:
        return s
    f = np.float32(v)
    d = float(str(f))  # numpy prints the shortest decimal that round-trips the float32
    if np.float32(d) != f:
        d = float('%.9g' % f)
    assert np.float32(d) == f, v
    if d == 0:
        return -0.0 if math.copysign(1, d) < 0 else 0
    return int(d) if d.is_integer() and abs(d) < 2**53 else d


def enc_f64(v, digits=10):
    s = enc_special(float(v))
    if s:
        return s
    d = float('%.*g' % (digits, v))
    if d == 0:
        return -0.0 if math.copysign(1, d) < 0 else 0
    return int(d) if d.is_integer() and abs(d) < 2**53 else d


def enc_data(flat, dtype):
    if dtype == 'float32':
        return [enc_f32(v) for v in flat.tolist()]
    if dtype == 'float64':
        return [enc_f64(v) for v in flat.tolist()]
    if dtype == 'bool':
        return [1 if v else 0 for v in flat.tolist()]
    out = [int(v) for v in flat.tolist()]
    assert all(abs(v) < 2**53 for v in out)
    return out


def enc_arg(v):
    if isinstance(v, float):
        s = enc_special(v)
        return s if s else v
    if isinstance(v, (list, tuple)):
        return [enc_arg(x) for x in v]
    if isinstance(v, dict):
        return {k: enc_arg(x) for k, x in v.items()}
    return v


def dec_arg(v):
    if v in ('nan', 'inf', '-inf'):
        return float(v)
    if isinstance(v, list):
        return [dec_arg(x) for x in v]
    return v


def round9(a):
    """float64 values rounded to 9 significant digits, so their decimal is short and exact."""
    flat = [float('%.9g' % v) if math.isfinite(v) else v for v in np.asarray(a, np.float64).ravel().tolist()]
    return np.array(flat, np.float64).reshape(np.shape(a))


# ---------------------------------------------------------------- inputs


def apply_view(t, view):
    for v in view:
        op, a = v[0], v[1:]
        if op == 'transpose':
            t = t.transpose(a[0], a[1])
        elif op == 'permute':
            t = t.permute(*a[0])
        elif op == 'slice':
            dim, start, end, step = a
            if t.dim() == 0:
                raise IndexError('slice() cannot be applied to a 0-dim tensor.')  # torch's x[0:1] message
            dim = dim % t.dim()
            t = t[(slice(None),) * dim + (slice(start, end, step),)]
        elif op == 'expand':
            t = t.expand(*a[0])
        elif op == 'select':
            t = t.select(a[0], a[1])
        elif op == 'unsqueeze':
            t = t.unsqueeze(a[0])
        else:
            raise ValueError(op)
    return t



def philox4x32(seed, counters):
    """Philox4x32-10 (Salmon et al. 2011) of one 64-bit seed over a uint64 array of counters: the
    [n, 4] uint32 words, the reference for native/core/philox.h."""
    M = np.uint64(0xFFFFFFFF)
    c = np.asarray(counters, np.uint64)
    c0, c1 = c & M, c >> np.uint64(32)
    c2, c3 = np.zeros_like(c0), np.zeros_like(c0)
    k0, k1 = np.uint64(seed & 0xFFFFFFFF), np.uint64((seed >> 32) & 0xFFFFFFFF)
    for _ in range(10):
        p0, p1 = np.uint64(0xD2511F53) * c0, np.uint64(0xCD9E8D57) * c2
        n0, n2 = (p1 >> np.uint64(32)) ^ c1 ^ k0, (p0 >> np.uint64(32)) ^ c3 ^ k1
        c1, c3, c0, c2 = p1 & M, p0 & M, n0, n2
        k0, k1 = (k0 + np.uint64(0x9E3779B9)) & M, (k1 + np.uint64(0xBB67AE85)) & M
    return np.stack([c0, c1, c2, c3], axis=1)


def dropout_philox_ref(x, p, rng):
    """native dropout_philox: element i (logical order), r = i % 512 in tile t = i // 512, kept, times
    1 / (1 - p), when 16-bit half (r // 64) % 2 (low first) of word r // 128 of Philox block
    (seed, offset + 64 t + r % 64) is >= round(p * 2^16). torch has no such op: this is the rule."""
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f'dropout_philox: expected a float32 or float64 input, got {x.dtype}')
    if not 0 <= p <= 1:
        raise ValueError(f'dropout_philox: p must be in [0, 1], got {p}')
    if rng.dtype != torch.int64 or list(rng.shape) != [2]:
        raise ValueError('dropout_philox: rng must be an int64 tensor of shape [2] (seed, offset)')
    seed, offset = (int(v) & (2**64 - 1) for v in rng.tolist())
    n = x.numel()
    thresh = round(p * 2**16)
    if thresh >= 2**16:
        return torch.zeros_like(x).contiguous()
    i = np.arange(n, dtype=np.uint64)
    t, r = i // np.uint64(512), i % np.uint64(512)
    words = philox4x32(seed, np.uint64(offset) + np.uint64(64) * t + r % np.uint64(64))  # [n, 4]
    word = words[np.arange(n), (r // np.uint64(128)).astype(np.int64)]
    halves = (word >> (np.uint64(16) * ((r // np.uint64(64)) % np.uint64(2)))) & np.uint64(0xFFFF)
    keep = torch.from_numpy((halves >= thresh).reshape(x.shape))
    return (x * keep.to(x.dtype) * (1 / (1 - p))).contiguous()

class In:
    """A tensor input: a base array in its dtype, plus view ops applied on both sides."""

    def __init__(self, arr, dtype, view=(), gen=None):
        a = np.asarray(arr)
        if dtype == 'float64':
            a = round9(a)
        self.arr = a.astype(NDT[dtype])
        self.dtype = dtype
        self.view = [list(v) for v in view]
        self.gen = gen

    def torch(self):
        self.base = torch.from_numpy(self.arr.copy())
        return apply_view(self.base, self.view)

    def spec(self):
        d = {'dtype': self.dtype, 'shape': list(self.arr.shape)}
        if self.gen:
            d['gen'] = self.gen
        else:
            d['data'] = enc_data(self.arr.ravel(), self.dtype)
        if self.view:
            d['view'] = self.view
        return d

    @property
    def numel(self):
        return int(self.arr.size)


def gen_input(shape, dtype, mult, mod, lo, hi, view=()):
    """A large input described by a formula (see the module doc) instead of its data;
    bool inputs are the formula's value != 0."""
    n = int(np.prod(shape))
    k = (np.arange(n, dtype=np.int64) * mult) % mod
    vals = lo + (hi - lo) * (k.astype(np.float64) / mod)
    x = In.__new__(In)
    x.arr = vals.reshape(shape).astype(NDT[dtype])
    x.dtype, x.view, x.gen = dtype, [list(v) for v in view], [mult, mod, lo, hi]
    return x


class Sc:
    """A JS number or boolean operand (a Python scalar on the torch side)."""

    def __init__(self, v):
        if isinstance(v, float) and math.isfinite(v) and v.is_integer():
            raise ValueError(f'{v}: an integer-valued float would reach JS as an int scalar')
        self.v = v

    def torch(self):
        return self.v

    def spec(self):
        return {'scalar': enc_arg(self.v)}


def rng_for(key):
    return np.random.default_rng([SEED, zlib.crc32(key.encode())])


def fl(rng, shape, lo=-3.0, hi=3.0, dtype='float32', view=()):
    return In(rng.uniform(lo, hi, shape), dtype, view)


def it(rng, shape, lo=-5, hi=6, dtype='int64', view=()):
    return In(rng.integers(lo, hi, shape), dtype, view)


def bo(rng, shape, p=0.5, view=()):
    return In(rng.random(shape) < p, 'bool', view)


def grid(rng, shape, dtype='float32', lo=-2, hi=3, view=()):
    """Coarse values (halves) so comparisons see ties; ints for int dtypes."""
    v = rng.integers(lo, hi, shape)
    if dtype in ('float32', 'float64'):
        v = v / 2
    elif dtype == 'bool':
        v = v > 0
    return In(v, dtype, view)


def distinct(rng, shape, dtype='float32', view=()):
    """Values without ties (sort/topk/max indices are then unique)."""
    n = int(np.prod(shape))
    v = rng.permutation(n).astype(np.float64)
    if dtype in ('float32', 'float64'):
        v = v / 4 - n / 8 + rng.uniform(0, 0.2, n)
    else:
        v = v - n // 2
    return In(v.reshape(shape), dtype, view)


SPECIALS = [NAN, INF, -INF, 0.0, -0.0, 1e-30, -1e-30, 0.5, -0.5, 1.5, -2.5, 20.5, -20.5, 88.5, -88.5, 1e30, -1e30, 3e38]


def specials(dtype='float32', rng=None):
    v = np.array(SPECIALS, np.float64)
    if rng is not None:
        v = rng.permutation(v)
    return In(v, dtype)


# ---------------------------------------------------------------- cases


def flatten_out(out):
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(flatten_out(o))
        return res
    raise TypeError(type(out))


def shares_storage(a, b):
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def enc_out(t, sample=None, shares=None):
    t = t.detach().contiguous()
    dtype = NAME[t.dtype]
    flat = t.numpy().ravel()
    d = {'dtype': dtype, 'shape': list(t.shape)}
    if sample:
        d['sample'] = sample
        flat = flat[::sample]
    d['data'] = enc_data(flat, dtype)
    if shares is not None:
        d['shares'] = shares
    return d


class Family:
    def __init__(self, name):
        self.name = name
        self.cases = []
        self.keys = set()
        self.skipped = []

    def _rec(self, op, name, ins, args):
        key = (op, name)
        assert key not in self.keys, key
        self.keys.add(key)
        rec = {'op': op, 'name': name, 'in': [i.spec() for i in ins]}
        if args:
            rec['args'] = enc_arg(args)
        return rec

    def case(self, op, name, ins=(), sample=None, shares=False, optional=False, **args):
        """Computes the expected outputs with REF[op]. optional: skip (and log) when torch
        rejects the inputs, for dtype sweeps over ops that support only some dtypes."""
        ins = list(ins)
        tins = [i.torch() for i in ins]
        try:
            with np.errstate(all='ignore'):
                out = flatten_out(REF[op](tins, args))
        except (RuntimeError, TypeError, ValueError, IndexError, NotImplementedError) as e:
            if optional:
                self.skipped.append(f'{op} {name}: {str(e).splitlines()[0][:80]}')
                return
            raise
        rec = self._rec(op, name, ins, args)
        base = ins[0].base if shares and ins and isinstance(ins[0], In) else None
        rec['out'] = [enc_out(o, sample, shares_storage(o, base) if base is not None and o.numel() > 0 else None)
                      for o in out]
        self.cases.append(rec)

    def error(self, op, name, ins=(), **args):
        """torch raises on these inputs: myelin must throw as well."""
        ins = list(ins)
        tins = [i.torch() for i in ins]
        try:
            REF[op](tins, args)
        except (RuntimeError, TypeError, ValueError, IndexError) as e:
            rec = self._rec(op, name, ins, args)
            rec['error'] = str(e).splitlines()[0][:160]
            self.cases.append(rec)
            return
        raise AssertionError(f'{op} {name}: torch accepted the inputs')

    def stats(self, op, name, stats, ins=(), **args):
        rec = self._rec(op, name, list(ins), args)
        rec['stats'] = enc_arg(stats)
        self.cases.append(rec)


# graph attention's edge ops (myelin's own; torch_geometric builds them from gathers and scatters):
# references in torch ops, PyG's utils.softmax for the softmax. Shapes the kernels reject raise here too.
def edge_index_ref(idx, e, n, what):
    if idx.dim() != 1 or idx.shape[0] != e:
        raise ValueError(f'{what} must be 1-d with one entry per edge')
    if e and (int(idx.min()) < 0 or int(idx.max()) >= n):
        raise IndexError(f'{what} out of range')
    return idx.long()


def edge_softmax_ref(x, a):
    from torch_geometric.utils import softmax
    src, n = x[0], a['numNodes']
    if src.dim() == 0:
        raise ValueError('edge_softmax: src must be [num_edges, ...]')
    return softmax(src, edge_index_ref(x[1], src.shape[0], n, 'index'), num_nodes=n)


def edge_softmax_backward_ref(x, a):
    g, y, n = x[0], x[1], a['numNodes']
    if y.dim() == 0 or g.shape != y.shape:
        raise ValueError('edge_softmax_backward: grad and output must be [num_edges, ...] alike')
    idx = edge_index_ref(x[2], y.shape[0], n, 'index')
    gy = g * y
    return y * (g - torch.zeros((n,) + tuple(y.shape[1:]), dtype=y.dtype).index_add(0, idx, gy).index_select(0, idx))


def edge_weighted_sum_ref(x, a):
    xs, w, n = x[0], x[1], a['numNodes']
    if not ((xs.dim() == 3 and w.dim() == 2 and w.shape[1] == xs.shape[1]) or (xs.dim() == 2 and w.dim() == 1)):
        raise ValueError('edge_weighted_sum: x [n, H, C] with weight [E, H], or x [n, C] with weight [E]')
    e = w.shape[0]
    src, dst = edge_index_ref(x[2], e, xs.shape[0], 'src'), edge_index_ref(x[3], e, n, 'dst')
    return torch.zeros((n,) + tuple(xs.shape[1:]), dtype=xs.dtype).index_add(0, dst, xs.index_select(0, src) * w.unsqueeze(-1))


def edge_dot_ref(x, a):
    A, B = x[0], x[1]
    if A.dim() not in (2, 3) or B.dim() != A.dim() or A.shape[1:] != B.shape[1:]:
        raise ValueError('edge_dot: a and b must be [n, H, C] (or [n, C]) alike')
    e = x[2].shape[0] if x[2].dim() == 1 else -1
    ia, ib = edge_index_ref(x[2], e, A.shape[0], 'index_a'), edge_index_ref(x[3], e, B.shape[0], 'index_b')
    return (A.index_select(0, ia) * B.index_select(0, ib)).sum(-1)


# ---------------------------------------------------------------- reference: one entry per op id / composite


def u(fn):
    return lambda x, a: fn(x[0])


def scalar_as_tensor(t, s):
    """torch.maximum & co. take tensors only: a Python scalar becomes a 0-d tensor of the
    dtype result_type(t, s) gives, which then promotes exactly as the scalar would."""
    return torch.tensor(s, dtype=torch.result_type(t, s)) if not isinstance(s, torch.Tensor) else s


def dims_of(x, a):
    d = a.get('dim')
    if d is None:
        return tuple(range(x.dim()))
    return tuple(d) if isinstance(d, list) else d


def correction(a):
    if 'correction' in a:
        return a['correction']
    return 0 if a.get('unbiased') is False else 1


def prod_ref(x, a):
    keep = a.get('keepdim', False)
    d = a.get('dim')
    if d is None:
        r = x.prod()
        return r.reshape([1] * x.dim()) if keep else r
    dims = [d] if isinstance(d, int) else list(d)
    dims = sorted((k + x.dim() if k < 0 and x.dim() > 0 else k for k in dims), reverse=True)
    for k in dims:
        x = x.prod(k, keepdim=keep)
    return x


def topk_ref(x, a):
    v, i = torch.topk(x[0], a['k'], dim=a.get('dim', -1), largest=a.get('largest', True), sorted=a.get('sorted', True))
    if a.get('sorted', True) is False:  # order unspecified: the test sorts both sides by value
        o = torch.sort(v, dim=a.get('dim', -1), descending=a.get('largest', True), stable=True).indices
        v, i = v.gather(a.get('dim', -1), o), i.gather(a.get('dim', -1), o)
    return v, i


def from_array_ref(x, a):
    if 'typed' in a:
        np_dt = {'Float32Array': np.float32, 'Float64Array': np.float64, 'Int32Array': np.int32,
                 'BigInt64Array': np.int64, 'Uint8Array': np.uint8, 'Int16Array': np.int16, 'Uint32Array': np.uint32}[a['typed']]
        own = {'Float32Array': 'float32', 'Float64Array': 'float64', 'BigInt64Array': 'int64', 'Uint32Array': 'int64'}.get(a['typed'], 'int32')
        t = torch.from_numpy(np.array(dec_arg(a['data']), np.float64).astype(np_dt)).to(TDT[own])
        t = t.reshape(a.get('shape', [len(a['data'])]))
        return t.to(TDT[a['dtype']]) if 'dtype' in a else t
    data = dec_arg(a['data'])
    if 'dtype' in a:
        return torch.tensor(data, dtype=TDT[a['dtype']])
    # myelin's tensor() from JS values (not torch.tensor's): JS has no float literal, so numbers
    # make float32 (as TensorFlow.js), bigints ('bigint': the JS side passes BigInts) int64,
    # booleans alone bool
    if a.get('bigint'):
        return torch.tensor(data, dtype=torch.int64)
    flat = torch.tensor(data).reshape(-1).tolist() if isinstance(data, list) else [data]
    all_bool = isinstance(data, bool) or (isinstance(data, list) and len(flat) > 0 and torch.tensor(data).dtype == torch.bool)
    return torch.tensor(data) if all_bool else torch.tensor(data, dtype=torch.float32)


def opt_dtype(a):
    return {'dtype': TDT[a['dtype']]} if 'dtype' in a else {}


def binop(fn):
    return lambda x, a: fn(x[0], x[1])


def tensor_binop(fn):
    return lambda x, a: fn(x[0], scalar_as_tensor(x[0], x[1]))


def add_ref(fn):
    return lambda x, a: fn(x[0], x[1], alpha=a['alpha']) if 'alpha' in a else fn(x[0], x[1])


REF = {
    # unary
    'neg': u(torch.neg), 'abs': u(torch.abs), 'sign': u(torch.sign), 'exp': u(torch.exp), 'log': u(torch.log),
    'log1p': u(torch.log1p), 'expm1': u(torch.expm1), 'sqrt': u(torch.sqrt), 'rsqrt': u(torch.rsqrt),
    'square': u(torch.square), 'reciprocal': u(torch.reciprocal), 'sin': u(torch.sin), 'cos': u(torch.cos),
    'tanh': u(torch.tanh), 'sigmoid': u(torch.sigmoid), 'erf': u(torch.erf), 'relu': u(torch.relu), 'silu': u(F.silu), 'selu': u(F.selu),
    'gelu': lambda x, a: F.gelu(x[0], approximate=a.get('approximate', 'none')),
    'gelu_tanh': lambda x, a: F.gelu(x[0], approximate='tanh'),
    'leaky_relu': lambda x, a: F.leaky_relu(x[0], a.get('negativeSlope', 0.01)),
    'elu': lambda x, a: F.elu(x[0], a.get('alpha', 1.0)),
    'softplus': lambda x, a: F.softplus(x[0], beta=a.get('beta', 1.0), threshold=a.get('threshold', 20.0)),
    'clamp': lambda x, a: torch.clamp(x[0], dec_arg(a.get('min')), dec_arg(a.get('max'))),
    'floor': u(torch.floor), 'ceil': u(torch.ceil), 'round': u(torch.round), 'isnan': u(torch.isnan),
    'isfinite': u(torch.isfinite), 'logical_not': u(torch.logical_not),
    'to_dtype': lambda x, a: x[0].to(TDT[a['dtype']]),
    'copy_': lambda x, a: x[0].copy_(x[1]),
    # binary
    'add': add_ref(torch.add), 'sub': add_ref(torch.sub), 'mul': binop(torch.mul), 'div': binop(torch.div),
    'pow': binop(torch.pow), 'maximum': tensor_binop(torch.maximum), 'minimum': tensor_binop(torch.minimum),
    'silu_backward': tensor_binop(torch.ops.aten.silu_backward),
    'eq': binop(torch.eq), 'ne': binop(torch.ne), 'lt': binop(torch.lt), 'le': binop(torch.le), 'gt': binop(torch.gt),
    'ge': binop(torch.ge), 'logical_and': tensor_binop(torch.logical_and), 'logical_or': tensor_binop(torch.logical_or),
    'where': lambda x, a: torch.where(x[0], x[1], x[2]),
    # views
    'as_strided': lambda x, a: torch.as_strided(x[0], a['shape'], a['strides'], a['offset']),
    'reshape': lambda x, a: x[0].reshape(a['shape']),
    'view': lambda x, a: x[0].view(a['shape']),
    'permute': lambda x, a: x[0].permute(a['dims']),
    'transpose': lambda x, a: x[0].transpose(a['dim0'], a['dim1']),
    'slice': lambda x, a: apply_view(x[0], [['slice', a['dim'], a.get('start'), a.get('end'), a.get('step', 1)]]),
    'select': lambda x, a: x[0].select(a['dim'], a['index']),
    'narrow': lambda x, a: x[0].narrow(a['dim'], a['start'], a['length']),
    'expand': lambda x, a: x[0].expand(a['shape']),
    'squeeze': lambda x, a: x[0].squeeze() if a.get('dim') is None else x[0].squeeze(tuple(a['dim']) if isinstance(a['dim'], list) else a['dim']),
    'unsqueeze': lambda x, a: x[0].unsqueeze(a['dim']),
    'flatten': lambda x, a: x[0].flatten(a.get('startDim', 0), a.get('endDim', -1)),
    'contiguous': lambda x, a: x[0].contiguous(),
    't': lambda x, a: x[0].t(),
    'T': lambda x, a: x[0].permute(list(reversed(range(x[0].dim())))),
    'unflatten': lambda x, a: x[0].unflatten(a['dim'], a['sizes']),
    # creation
    'from_array': from_array_ref,
    'full': lambda x, a: torch.full(a['shape'], dec_arg(a['value']), **opt_dtype(a)),
    'fill_': lambda x, a: x[0].fill_(dec_arg(a['value'])),
    'arange': lambda x, a: torch.arange(*a['args'], **opt_dtype(a)),
    'linspace': lambda x, a: torch.linspace(a['start'], a['end'], a['steps'], **opt_dtype(a)),
    'eye': lambda x, a: torch.eye(a['n'], a.get('m', a['n']), **opt_dtype(a)),
    'bernoulli': lambda x, a: torch.bernoulli(x[0]),
    'dropout_philox': lambda x, a: dropout_philox_ref(x[0], a['p'], x[1]),
    'randint': lambda x, a: torch.randint(a['low'], a['high'], a['shape']),
    # reductions
    'sum': lambda x, a: torch.sum(x[0], dim=dims_of(x[0], a), keepdim=a.get('keepdim', False)),
    'mean': lambda x, a: torch.mean(x[0], dim=dims_of(x[0], a), keepdim=a.get('keepdim', False)),
    'prod': lambda x, a: prod_ref(x[0], a),
    'amax': lambda x, a: torch.amax(x[0], dim=dims_of(x[0], a), keepdim=a.get('keepdim', False)),
    'amin': lambda x, a: torch.amin(x[0], dim=dims_of(x[0], a), keepdim=a.get('keepdim', False)),
    'max': lambda x, a: torch.max(x[0], a['dim'], keepdim=a.get('keepdim', False)) if 'dim' in a else torch.max(x[0]),
    'min': lambda x, a: torch.min(x[0], a['dim'], keepdim=a.get('keepdim', False)) if 'dim' in a else torch.min(x[0]),
    'argmax': lambda x, a: torch.argmax(x[0], dim=a.get('dim'), keepdim=a.get('keepdim', False)),
    'argmin': lambda x, a: torch.argmin(x[0], dim=a.get('dim'), keepdim=a.get('keepdim', False)),
    'var': lambda x, a: torch.var(x[0], dim=dims_of(x[0], a), correction=correction(a), keepdim=a.get('keepdim', False)),
    'std': lambda x, a: torch.std(x[0], dim=dims_of(x[0], a), correction=correction(a), keepdim=a.get('keepdim', False)),
    'norm': lambda x, a: torch.linalg.vector_norm(x[0], ord=dec_arg(a.get('p', 2)), dim=dims_of(x[0], a), keepdim=a.get('keepdim', False)),
    'logsumexp': lambda x, a: torch.logsumexp(x[0], dim=dims_of(x[0], a), keepdim=a.get('keepdim', False)),
    'all': lambda x, a: torch.all(x[0], dim=dims_of(x[0], a), keepdim=a.get('keepdim', False)),
    'any': lambda x, a: torch.any(x[0], dim=dims_of(x[0], a), keepdim=a.get('keepdim', False)),
    'cumsum': lambda x, a: torch.cumsum(x[0], a['dim']),
    'softmax': lambda x, a: torch.softmax(x[0], a['dim']),
    'log_softmax': lambda x, a: torch.log_softmax(x[0], a['dim']),
    # linear algebra
    'matmul': binop(torch.matmul), 'mm': binop(torch.mm), 'bmm': binop(torch.bmm), 'dot': binop(torch.dot),
    'outer': binop(torch.outer),
    # joining and indexing
    'cat': lambda x, a: torch.cat(x, a.get('dim', 0)),
    'stack': lambda x, a: torch.stack(x, a.get('dim', 0)),
    'split': lambda x, a: torch.split(x[0], a['size'], a.get('dim', 0)),
    'chunk': lambda x, a: torch.chunk(x[0], a['chunks'], a.get('dim', 0)),
    'gather': lambda x, a: torch.gather(x[0], a['dim'], x[1]),
    'scatter': lambda x, a: x[0].scatter(a['dim'], x[1], dec_arg(a['value'])) if 'value' in a else x[0].scatter(a['dim'], x[1], x[2]),
    'scatter_add': lambda x, a: x[0].scatter_add(a['dim'], x[1], x[2]),
    'scatter_reduce': lambda x, a: x[0].scatter_reduce(a['dim'], x[1], x[2], a['reduce'], include_self=a.get('includeSelf', True)),
    'index_select': lambda x, a: x[0].index_select(a['dim'], x[1]),
    'index_add': lambda x, a: x[0].index_add(a['dim'], x[1], x[2], alpha=a.get('alpha', 1)),
    'masked_fill': lambda x, a: x[0].masked_fill(x[1], dec_arg(a['value'])),
    'one_hot': lambda x, a: F.one_hot(x[0], a.get('numClasses', -1)),
    'topk': lambda x, a: topk_ref(x, a),
    'sort': lambda x, a: torch.sort(x[0], dim=a.get('dim', -1), descending=a.get('descending', False), stable=a.get('stable', False)),
    'argsort': lambda x, a: torch.argsort(x[0], dim=a.get('dim', -1), descending=a.get('descending', False), stable=a.get('stable', False)),
    'flip': lambda x, a: torch.flip(x[0], a['dims']),
    'edge_softmax': lambda x, a: edge_softmax_ref(x, a),
    'edge_softmax_backward': lambda x, a: edge_softmax_backward_ref(x, a),
    'edge_weighted_sum': lambda x, a: edge_weighted_sum_ref(x, a),
    'edge_dot': lambda x, a: edge_dot_ref(x, a),
    'repeat': lambda x, a: x[0].repeat(*a['reps']),
    'pad': lambda x, a: F.pad(x[0], a['pads'], mode=a.get('mode', 'constant'), **({'value': dec_arg(a['value'])} if 'value' in a else {})),
}

# Random ops (uniform_, normal_, randint, bernoulli, randperm, rand, randn) get statistical
# fixtures from gen_random; REF holds them only for their deterministic and error cases.
# ---------------------------------------------------------------- unary family

UNARY_DOMAIN = {  # (lo, hi) for the float cases
    'log': (0.05, 6), 'sqrt': (0, 6), 'rsqrt': (0.05, 6), 'log1p': (-0.95, 6), 'exp': (-6, 6), 'expm1': (-3, 3),
    'sin': (-10, 10), 'cos': (-10, 10), 'tanh': (-4, 4), 'sigmoid': (-8, 8), 'softplus': (-6, 25),
    'floor': (-5, 5), 'ceil': (-5, 5), 'round': (-5, 5),
}
FLOAT_KIND = {'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'erf'}
PREDICATES = {'isnan', 'isfinite', 'logical_not'}
UNARY_OPS = ['neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos',
             'tanh', 'sigmoid', 'relu', 'silu', 'selu', 'gelu', 'gelu_tanh', 'leaky_relu', 'elu', 'softplus', 'clamp',
             'floor', 'ceil', 'round', 'isnan', 'isfinite', 'logical_not', 'erf']


def gen_unary(fam):
    for op in UNARY_OPS:
        r = rng_for(op)
        lo, hi = UNARY_DOMAIN.get(op, (-3, 3))
        base = {'min': -0.5, 'max': 1.25} if op == 'clamp' else {}
        C = lambda name, ins, **kw: fam.case(op, name, ins, **{**base, **kw})
        C('f32', [fl(r, [3, 4], lo, hi)])
        C('f32_transposed', [fl(r, [5, 3], lo, hi, view=[['transpose', 0, 1]])])
        C('f32_step_sliced', [fl(r, [4, 7], lo, hi, view=[['slice', 1, 1, 7, 2]])])
        C('f32_expanded', [fl(r, [1, 3], lo, hi, view=[['expand', [2, 3]]])])
        C('f32_0d', [fl(r, [], lo, hi)])
        C('f32_empty', [fl(r, [0, 3], lo, hi)])
        C('f32_tail', [fl(r, [37], lo, hi)])  # odd length: vector body plus remainder
        C('f64', [fl(r, [2, 3, 2], lo, hi, 'float64')])
        C('f64_transposed', [fl(r, [3, 4], lo, hi, 'float64', view=[['transpose', 1, 0]])])
        C('f32_specials', [specials()])
        C('f64_specials', [specials('float64')])
        ib = {'min': -2, 'max': 3} if op == 'clamp' else {}  # int bounds keep the int dtype
        for dt in ('int32', 'int64'):
            C(dt, [it(r, [2, 5], -5, 6, dt)], optional=True, **ib)
        C('int64_0d', [it(r, [], -5, 6)], optional=True, **ib)
        if op in PREDICATES or op in FLOAT_KIND:
            C('bool', [bo(r, [2, 3])], optional=True)
    r = rng_for('unary_options')
    fam.case('gelu', 'approximate_none', [fl(r, [8])], approximate='none')
    fam.case('gelu_tanh', 'wide_range', [fl(r, [16], -12, 12)])
    fam.case('leaky_relu', 'slope_0.2', [fl(r, [3, 4])], negativeSlope=0.2)
    fam.case('leaky_relu', 'slope_0.2_f64', [fl(r, [6], dtype='float64')], negativeSlope=0.2)
    # slopes in (0, 1] take the vectorized max(x, slope * x) form; the others the branch (the
    # specials hold NaN, infinities, signed zeros and values whose product underflows)
    for slope in (0.2, 1, 0, -0.5, 2, 1e-40):
        fam.case('leaky_relu', f'slope_{slope}_specials', [specials()], negativeSlope=slope)
    fam.case('leaky_relu', 'slope_0.2_specials_f64', [specials('float64')], negativeSlope=0.2)
    fam.case('leaky_relu', 'slope_0.2_tail', [In(np.linspace(-3, 3, 37), 'float32')], negativeSlope=0.2)
    fam.case('elu', 'alpha_0.5', [fl(r, [3, 4])], alpha=0.5)
    fam.case('elu', 'alpha_2.5_f64', [fl(r, [6], dtype='float64')], alpha=2.5)
    fam.case('softplus', 'beta_2', [fl(r, [3, 4], -6, 15)], beta=2)
    fam.case('softplus', 'threshold_1', [fl(r, [3, 4], -3, 4)], threshold=1)
    fam.case('softplus', 'beta_0.5_threshold_5', [fl(r, [12], -4, 14)], beta=0.5, threshold=5)
    fam.case('softplus', 'beta_3_f64', [fl(r, [8], -4, 14, 'float64')], beta=3)
    fam.case('clamp', 'min_only', [fl(r, [3, 4])], min=-0.5, max=None)
    fam.case('clamp', 'max_only', [fl(r, [3, 4])], min=None, max=0.75)
    fam.case('clamp', 'min_above_max', [fl(r, [6])], min=1.5, max=-0.5)
    fam.case('clamp', 'int_bounds_on_f32', [fl(r, [6])], min=-1, max=2)
    fam.case('clamp', 'int32_int_bounds', [it(r, [8], dtype='int32')], min=-2, max=3)
    fam.case('clamp', 'int64_min_only', [it(r, [8])], min=0, max=None)
    fam.case('clamp', 'int64_float_bound_promotes', [it(r, [8])], min=0.5, max=None)
    fam.case('clamp', 'inf_bounds', [specials()], min=-INF, max=INF)
    fam.case('round', 'halves_to_even', [In(np.arange(-10, 11) / 2, 'float32')])
    fam.case('round', 'halves_to_even_f64', [In(np.arange(-10, 11) / 2 + 0.0, 'float64')])
    fam.case('floor', 'integers_and_halves', [In(np.arange(-6, 7) / 2, 'float32')])
    fam.case('ceil', 'integers_and_halves', [In(np.arange(-6, 7) / 2, 'float32')])
    fam.case('sigmoid', 'saturating', [In([-100, -30, -16, 16, 30, 100], 'float32')])
    fam.case('tanh', 'saturating', [In([-100, -10, -9, 9, 10, 100], 'float32')])
    fam.case('exp', 'overflow_underflow', [In([-104, -88, 88, 89, 100], 'float32')])
    fam.case('logical_not', 'floats_with_nan', [specials()])
    fam.case('isnan', 'ints_never', [it(r, [5])])
    fam.error('neg', 'bool_rejected', [bo(r, [3])])
    fam.error('abs', 'bool_rejected', [bo(r, [3])])
    fam.error('relu', 'bool_rejected', [bo(r, [3])])
    big = gen_input([300, 200], 'float32', 40503, 1009, -6, 6)  # 60k elements: the parallel path
    fam.case('exp', 'f32_parallel', [big], sample=97)
    fam.case('tanh', 'f32_parallel_transposed',
             [gen_input([200, 300], 'float32', 40503, 1009, -4, 4, view=[['transpose', 0, 1]])], sample=89)

    # to_dtype: every pair, and the conversions with traps
    r = rng_for('to_dtype')
    dts = ['float32', 'float64', 'int32', 'int64', 'bool']
    for src in dts:
        for dst in dts:
            if src in ('float32', 'float64'):
                x = In(np.round(r.uniform(-5, 5, [2, 3]), 2), src)
            elif src == 'bool':
                x = bo(r, [2, 3])
            else:
                x = it(r, [2, 3], -5, 6, src)
            fam.case('to_dtype', f'{src}_to_{dst}', [x], dtype=dst)
    fam.case('to_dtype', 'f32_to_int64_transposed', [In(np.round(r.uniform(-9, 9, [3, 4]), 2), 'float32', [['transpose', 0, 1]])], dtype='int64')
    fam.case('to_dtype', 'f32_to_f64_sliced', [fl(r, [4, 6], view=[['slice', 0, 0, 4, 3]])], dtype='float64')
    fam.case('to_dtype', 'f32_to_int32_truncates', [In([-2.9, -2.5, -0.7, 0.7, 2.5, 2.9], 'float32')], dtype='int32')
    fam.case('to_dtype', 'specials_to_bool', [specials()], dtype='bool')
    fam.case('to_dtype', 'f64_to_f32_rounds', [In([0.1, 1 / 3, 1e-40, 3.5e38, -1e39, 16777217.0], 'float64')], dtype='float32')
    fam.case('to_dtype', 'int64_to_f32_rounds', [In([16777217, 2**40 + 1, -(2**31) - 1], 'int64')], dtype='float32')
    fam.case('to_dtype', 'int64_to_int32_wraps', [In([2**31, -(2**31) - 1, 2**32 + 5], 'int64')], dtype='int32')
    fam.case('to_dtype', 'f32_0d_to_int64', [In(-3.75, 'float32')], dtype='int64')
    fam.case('to_dtype', 'f32_empty_to_f64', [fl(r, [2, 0])], dtype='float64')
    fam.case('to_dtype', 'same_dtype', [fl(r, [3])], dtype='float32')

    # copy_: dst <- src, broadcast and converted; the result is dst
    r = rng_for('copy_')
    C = lambda name, ins, **kw: fam.case('copy_', name, ins, **kw)
    C('f32_same_shape', [fl(r, [3, 4]), fl(r, [3, 4])])
    C('broadcast_row', [fl(r, [3, 4]), fl(r, [4])])
    C('broadcast_0d', [fl(r, [2, 3]), fl(r, [])])
    C('int64_src_to_f32', [fl(r, [2, 3]), it(r, [2, 3])])
    C('f32_src_to_int32_truncates', [it(r, [2, 3], dtype='int32'), fl(r, [2, 3])])
    C('f32_src_to_bool', [bo(r, [6]), In([0, -0.0, 0.5, NAN, INF, -2], 'float32')])
    C('dst_transposed', [fl(r, [4, 3], view=[['transpose', 0, 1]]), fl(r, [3, 4])])
    C('dst_step_sliced', [fl(r, [3, 8], view=[['slice', 1, 1, 8, 2]]), fl(r, [3, 4])])
    C('src_transposed', [fl(r, [3, 4]), fl(r, [4, 3], view=[['transpose', 0, 1]])])
    C('f64_dst', [fl(r, [5], dtype='float64'), fl(r, [5])])
    C('0d', [fl(r, []), fl(r, [])])
    C('empty', [fl(r, [0, 4]), fl(r, [4])])
    fam.error('copy_', 'not_broadcastable', [fl(r, [3, 4]), fl(r, [3])])


# ---------------------------------------------------------------- binary family

BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
              'logical_and', 'logical_or', 'silu_backward']
COMPARE = {'eq', 'ne', 'lt', 'le', 'gt', 'ge'}
LOGICAL = {'logical_and', 'logical_or'}


def bin_operands(op, r, shape_a, shape_b, dt_a='float32', dt_b=None, view_a=(), view_b=()):
    dt_b = dt_b or dt_a

    def mk(shape, dt, view, second):
        if op in COMPARE:
            return grid(r, shape, dt, view=view)
        if op in LOGICAL:
            return grid(r, shape, dt, -1, 2, view=view)
        if dt == 'bool':
            return bo(r, shape, view=view)
        if op == 'pow':
            if dt.startswith('float'):
                return fl(r, shape, -2, 2, dt, view) if second else fl(r, shape, 0.2, 3, dt, view)
            return it(r, shape, 0, 4, dt, view) if second else it(r, shape, -3, 4, dt, view)
        if op == 'div' and second:
            if dt.startswith('float'):
                m = r.uniform(0.5, 3, shape) * r.choice([-1, 1], shape)
                return In(m, dt, view)
            return In(r.choice([-4, -3, -2, -1, 1, 2, 3, 4], shape), dt, view)
        if dt.startswith('float'):
            return fl(r, shape, -3, 3, dt, view)
        return it(r, shape, -5, 6, dt, view)

    return [mk(shape_a, dt_a, view_a, False), mk(shape_b, dt_b, view_b, True)]


def gen_binary(fam):
    for op in BINARY_OPS:
        r = rng_for(op)
        C = lambda name, ins, **kw: fam.case(op, name, ins, **kw)
        B = lambda *a, **k: bin_operands(op, r, *a, **k)
        C('f32', B([3, 4], [3, 4]))
        C('bcast_col_row', B([3, 1], [1, 4]))
        C('bcast_trailing', B([2, 3, 4], [4]))
        C('bcast_leading', B([4], [2, 3, 4]))
        C('bcast_middle', B([2, 1, 3], [4, 1]))
        C('noncontig', B([4, 3], [3, 8], view_a=[['transpose', 0, 1]], view_b=[['slice', 1, 0, 8, 2]]))
        C('expanded_view', B([1, 4], [3, 4], view_a=[['expand', [3, 4]]]))
        C('permuted_3d', B([4, 2, 3], [2, 3, 4], view_a=[['permute', [1, 2, 0]]]))
        C('tensor_0d', B([3], []))
        C('0d_tensor', B([], [3]))
        C('0d_0d', B([], []))
        C('empty', B([0, 3], [3]))
        C('empty_bcast', B([2, 0], [2, 1]))
        C('f32_tail', B([37], [37]))
        C('f64', B([2, 3], [2, 3], 'float64'))
        C('f64_noncontig', B([3, 2], [2, 3], 'float64', view_a=[['transpose', 0, 1]]))
        for dt in ('int32', 'int64') + (('bool',) if op != 'pow' else ()):  # bool ** bool is not meaningful
            C(dt, B([2, 3], [2, 3], dt), optional=True)
        # mixed dtypes promote as torch.result_type
        for da, db in [('int32', 'float32'), ('int64', 'float64'), ('int32', 'int64'), ('bool', 'int32'),
                       ('float32', 'float64'), ('bool', 'float32'), ('int64', 'float32')]:
            C(f'{da}_{db}', B([2, 3], [2, 3], da, db), optional=True)
        # 0-d tensors take part in promotion only across categories
        for da, db in [('float32', 'float64'), ('int32', 'float32'), ('int64', 'int32'), ('int32', 'int64'),
                       ('bool', 'int32'), ('float64', 'float32')]:
            C(f'{da}_dim_{db}_0d', B([3], [], da, db), optional=True)
        # JS numbers are Python scalars: ints keep an int tensor's dtype, floats give float32
        sc = lambda v: Sc(v)
        a32 = lambda dt, shape=(2, 3): bin_operands(op, r, list(shape), [1], dt)[0]
        int_s = 2 if op in ('pow', 'div', 'mul') else (1 if op in LOGICAL or op in COMPARE else 3)
        flt_s = 0.5 if op in COMPARE else (1.5 if op != 'pow' else 0.5)
        C('f32_int_scalar', [a32('float32'), sc(int_s)])
        C('f32_float_scalar', [a32('float32'), sc(flt_s)])
        C('f64_float_scalar', [a32('float64'), sc(flt_s)])
        C('int32_int_scalar', [a32('int32'), sc(int_s)], optional=True)
        C('int32_float_scalar', [a32('int32'), sc(flt_s)], optional=True)
        C('int64_float_scalar', [a32('int64'), sc(2.5)], optional=True)
        C('bool_int_scalar', [a32('bool'), sc(1)], optional=True)
        if op != 'pow':
            C('bool_bool_scalar', [a32('bool'), sc(True)], optional=True)
        C('f32_bool_scalar', [a32('float32'), sc(True)], optional=True)
        C('int32_0d_float_scalar', [a32('int32', ()), sc(2.5)], optional=True)
        C('int32_0d_int_scalar', [a32('int32', ()), sc(int_s)], optional=True)
        C('f32_inf_scalar', [a32('float32'), sc(-INF if op != 'pow' else INF)])
        C('specials', [specials(rng=r), specials(rng=r)])
        C('specials_f64', [specials('float64', rng=r), specials('float64', rng=r)])
        big_a = gen_input([300, 200], 'float32', 40503, 1009, 0.2 if op == 'pow' else -3, 3)
        big_b = gen_input([200], 'float32', 7919, 211, 0.5, 2)
        C('f32_parallel_bcast', [big_a, big_b], sample=101)
        C('f32_parallel_sliced', [gen_input([300, 400], 'float32', 40503, 1009, 0.2 if op == 'pow' else -3, 3,
                                            view=[['slice', 1, 0, 400, 2]]),
                                  gen_input([300, 200], 'float32', 7919, 211, 0.5, 2)], sample=103)
        fam.error(op, 'shape_mismatch', B([2, 3], [4]))

    r = rng_for('binary_options')
    for op in ('add', 'sub'):
        fam.case(op, 'alpha_2', [fl(r, [3, 4]), fl(r, [3, 4])], alpha=2)
        fam.case(op, 'alpha_0.5_bcast', [fl(r, [3, 4]), fl(r, [4])], alpha=0.5)
        fam.case(op, 'alpha_scalar', [fl(r, [3]), Sc(1.5)], alpha=2)
        fam.case(op, 'int64_alpha_3', [it(r, [5]), it(r, [5])], alpha=3)
        fam.error(op, 'int64_float_alpha', [it(r, [5]), it(r, [5])], alpha=0.5)
    fam.error('sub', 'bool_bool', [bo(r, [3]), bo(r, [3])])
    fam.error('pow', 'int_negative_scalar_exponent', [it(r, [4], 1, 4), Sc(-1)])
    fam.case('pow', 'int_negative_tensor_exponent', [In([2, 1, -1, -1, 3, 0], 'int64'), In([-1, -3, -3, -2, 0, 0], 'int64')])
    fam.case('pow', 'f32_negative_base', [In([-8, -2, -0.5, 0, 2], 'float32'), In([1 / 3, 2, -1, -1, 0.5], 'float32')])
    fam.case('pow', 'f32_square_scalar', [fl(r, [7]), Sc(2)])
    fam.case('pow', 'f32_sqrt_scalar', [fl(r, [7], 0, 4), Sc(0.5)])
    # a scalar exponent of 2 is x * x (vectorized), as torch's pow_tensor_scalar computes it
    fam.case('pow', 'f32_specials_square_scalar', [specials(), Sc(2)])
    fam.case('pow', 'f64_specials_square_scalar', [specials('float64'), Sc(2)])
    fam.case('pow', 'f32_tail_square_scalar', [In(np.linspace(-3, 3, 37), 'float32'), Sc(2)])
    # signed zeros and NaN on either side, 40 long (the vector body and its tail)
    zs = [0.0, -0.0, NAN, 1.0, -1.0, INF, -INF, -0.0] * 5
    for op in ('maximum', 'minimum'):
        fam.case(op, 'signed_zeros_nan_sides', [In(zs, 'float32'), In(zs[3:] + zs[:3], 'float32')])
        fam.case(op, 'signed_zeros_nan_sides_f64', [In(zs[1:] + zs[:1], 'float64'), In(zs, 'float64')])
    fam.case('div', 'by_zero', [In([1, -1, 0, NAN, INF], 'float32'), In([0, 0, 0, 0, 0], 'float32')])
    fam.case('div', 'int_by_zero', [In([1, -1, 0, 7], 'int64'), In([0, 0, 0, 2], 'int64')])
    fam.case('div', 'int_by_int_exact', [In([6, -6, 7, -7], 'int32'), In([3, 3, 2, -2], 'int32')])

    # where(cond, a, b): both branches broadcast with the condition and promote together
    r = rng_for('where')
    C = lambda name, ins, **kw: fam.case('where', name, ins, **kw)
    C('f32', [bo(r, [3, 4]), fl(r, [3, 4]), fl(r, [3, 4])])
    C('bcast', [bo(r, [3, 1]), fl(r, [1, 4]), fl(r, [3, 4])])
    C('bcast_cond_only', [bo(r, [2, 3, 4]), fl(r, [4]), fl(r, [3, 1])])
    C('noncontig', [bo(r, [4, 3], view=[['transpose', 0, 1]]), fl(r, [3, 8], view=[['slice', 1, 0, 8, 2]]), fl(r, [3, 4])])
    C('scalar_branch', [bo(r, [5]), fl(r, [5]), Sc(-1.5)])
    C('float_scalars', [bo(r, [5]), Sc(2.5), Sc(-1.5)])
    C('int_scalars', [bo(r, [5]), Sc(1), Sc(0)])
    C('int32_tensor_float_scalar', [bo(r, [5]), it(r, [5], dtype='int32'), Sc(0.5)])
    C('int32_tensor_int_scalar', [bo(r, [5]), it(r, [5], dtype='int32'), Sc(7)])
    C('f32_f64', [bo(r, [4]), fl(r, [4]), fl(r, [4], dtype='float64')])
    C('int32_int64', [bo(r, [4]), it(r, [4], dtype='int32'), it(r, [4])])
    C('bool_branches', [bo(r, [6]), bo(r, [6]), bo(r, [6])])
    C('f32_dim_f64_0d', [bo(r, [4]), fl(r, [4]), fl(r, [], dtype='float64')])
    C('0d', [bo(r, []), fl(r, []), fl(r, [])])
    C('empty', [bo(r, [0, 3]), fl(r, [3]), fl(r, [1])])
    C('specials', [bo(r, [len(SPECIALS)]), specials(rng=r), specials(rng=r)])
    C('f32_parallel', [gen_input([300, 200], 'bool', 40503, 7, 0, 1), gen_input([300, 200], 'float32', 40503, 1009, -3, 3),
                       gen_input([200], 'float32', 7919, 211, 0.5, 2)], sample=101)
    fam.error('where', 'non_bool_condition', [fl(r, [3]), fl(r, [3]), fl(r, [3])])


# ---------------------------------------------------------------- view family


def gen_view(fam):
    r = rng_for('view')

    def C(op, name, ins, **kw):
        fam.case(op, name, ins, shares=True, **kw)

    x34 = lambda dt='float32', view=(): fl(r, [3, 4], dtype=dt, view=view) if dt.startswith('float') else it(r, [3, 4], dtype=dt, view=view)
    C('as_strided', 'overlapping_windows', [fl(r, [4, 5])], shape=[3, 2], strides=[1, 5], offset=2)
    C('as_strided', 'broadcast_stride_0', [fl(r, [6])], shape=[2, 3], strides=[0, 1], offset=1)
    C('as_strided', '3d', [fl(r, [4, 5])], shape=[2, 2, 2], strides=[10, 1, 2], offset=3)
    C('as_strided', 'offset_is_absolute', [fl(r, [4, 5], view=[['slice', 0, 1, 4, 1]])], shape=[2, 2], strides=[1, 2], offset=0)
    C('as_strided', 'int64', [it(r, [9])], shape=[3, 3], strides=[3, 1], offset=0)
    C('as_strided', 'empty', [fl(r, [4])], shape=[0, 3], strides=[3, 1], offset=0)
    C('as_strided', '0d', [fl(r, [4])], shape=[], strides=[], offset=2)
    C('as_strided', 'of_0d', [fl(r, [])], shape=[2], strides=[0], offset=0)
    C('as_strided', 'of_empty', [fl(r, [0, 2])], shape=[0], strides=[1], offset=0)
    fam.error('as_strided', 'out_of_bounds', [fl(r, [4])], shape=[2, 2], strides=[2, 1], offset=2)

    C('reshape', 'f32', [x34()], shape=[2, 6])
    C('reshape', 'infer', [x34()], shape=[-1])
    C('reshape', 'infer_middle', [x34()], shape=[2, -1, 3])
    C('reshape', 'transposed_copies', [x34(view=[['transpose', 0, 1]])], shape=[12])
    C('reshape', 'sliced_copies', [fl(r, [4, 6], view=[['slice', 1, 0, 6, 2]])], shape=[3, 4])
    C('reshape', 'to_0d', [fl(r, [1, 1])], shape=[])
    C('reshape', 'from_0d', [fl(r, [])], shape=[1, 1])
    C('reshape', 'empty', [fl(r, [0, 3])], shape=[3, 0, 5])
    C('reshape', 'int32', [x34('int32')], shape=[4, 3])
    C('reshape', 'bool', [bo(r, [2, 3])], shape=[3, 2])
    C('reshape', 'f64_transposed_view_ok', [fl(r, [2, 3, 4], dtype='float64', view=[['transpose', 0, 1]])], shape=[3, 2, 2, 2])
    fam.error('reshape', 'bad_numel', [x34()], shape=[5, 2])

    C('view', 'f32', [fl(r, [2, 3, 4])], shape=[6, 4])
    C('view', 'infer', [fl(r, [2, 3, 4])], shape=[4, -1])
    C('view', 'split_dim_of_transposed', [fl(r, [4, 6], view=[['transpose', 0, 1]])], shape=[3, 2, 4])
    C('view', 'row_sliced', [fl(r, [6, 4], view=[['slice', 0, 0, 6, 2]])], shape=[3, 2, 2])
    C('view', 'unit_dims', [fl(r, [3, 4])], shape=[1, 3, 1, 4, 1])
    C('view', '0d', [fl(r, [])], shape=[1])
    C('view', 'empty', [fl(r, [2, 0])], shape=[0, 5])
    C('view', 'int64', [it(r, [6])], shape=[2, 3])
    fam.error('view', 'incompatible_strides', [x34(view=[['transpose', 0, 1]])], shape=[12])

    C('permute', '3d', [fl(r, [2, 3, 4])], dims=[2, 0, 1])
    C('permute', 'negative_dims', [fl(r, [2, 3, 4])], dims=[-1, 0, -2])
    C('permute', 'identity', [x34()], dims=[0, 1])
    C('permute', 'of_transposed', [fl(r, [2, 3, 4], view=[['transpose', 0, 2]])], dims=[1, 2, 0])
    C('permute', '0d', [fl(r, [])], dims=[])
    C('permute', 'empty', [fl(r, [0, 2, 3])], dims=[2, 0, 1])
    C('permute', 'bool', [bo(r, [2, 3])], dims=[1, 0])
    fam.error('permute', 'repeated_dim', [fl(r, [2, 3])], dims=[0, 0])

    C('transpose', '2d', [x34()], dim0=0, dim1=1)
    C('transpose', 'negative_dims', [fl(r, [2, 3, 4])], dim0=-1, dim1=0)
    C('transpose', 'same_dim', [x34()], dim0=1, dim1=1)
    C('transpose', 'of_sliced', [fl(r, [4, 6], view=[['slice', 1, 1, 6, 2]])], dim0=0, dim1=1)
    C('transpose', '0d', [fl(r, [])], dim0=0, dim1=-1)
    C('transpose', 'empty', [fl(r, [0, 3])], dim0=0, dim1=1)
    C('transpose', 'int32', [x34('int32')], dim0=1, dim1=0)
    fam.error('transpose', 'dim_out_of_range', [x34()], dim0=0, dim1=2)

    C('slice', 'step_2', [fl(r, [6, 4])], dim=0, start=0, end=6, step=2)
    C('slice', 'last_dim_negative_start', [fl(r, [3, 7])], dim=-1, start=-3, end=7, step=1)
    C('slice', 'end_past_size_clamps', [fl(r, [5, 2])], dim=0, start=1, end=100, step=3)
    C('slice', 'start_past_end_empty', [fl(r, [5, 2])], dim=0, start=4, end=2, step=1)
    C('slice', 'start_before_zero_clamps', [fl(r, [5])], dim=0, start=-10, end=3, step=1)
    C('slice', 'negative_end', [fl(r, [6])], dim=0, start=0, end=-2, step=1)
    C('slice', 'of_transposed', [x34(view=[['transpose', 0, 1]])], dim=1, start=1, end=3, step=1)
    C('slice', 'of_empty', [fl(r, [0, 4])], dim=1, start=1, end=4, step=2)
    C('slice', 'int64', [it(r, [8])], dim=0, start=1, end=8, step=3)
    fam.error('slice', '0d_rejected', [fl(r, [])], dim=0, start=0, end=1, step=1)
    fam.error('slice', 'zero_step', [fl(r, [5])], dim=0, start=0, end=5, step=0)

    C('select', 'dim0', [x34()], dim=0, index=2)
    C('select', 'negative_index', [x34()], dim=1, index=-1)
    C('select', 'negative_dim', [fl(r, [2, 3, 4])], dim=-2, index=1)
    C('select', 'to_0d', [fl(r, [5])], dim=0, index=3)
    C('select', 'of_transposed', [x34(view=[['transpose', 0, 1]])], dim=0, index=1)
    C('select', 'empty_rest', [fl(r, [3, 0])], dim=0, index=1)
    C('select', 'bool', [bo(r, [3, 2])], dim=1, index=0)
    fam.error('select', '0d_rejected', [fl(r, [])], dim=0, index=0)
    fam.error('select', 'index_out_of_range', [x34()], dim=0, index=3)

    C('narrow', 'dim0', [fl(r, [5, 3])], dim=0, start=1, length=3)
    C('narrow', 'negative_start', [fl(r, [3, 6])], dim=1, start=-4, length=2)
    C('narrow', 'zero_length', [fl(r, [3, 6])], dim=1, start=2, length=0)
    C('narrow', 'of_transposed', [x34(view=[['transpose', 0, 1]])], dim=1, start=1, length=2)
    C('narrow', 'int32', [it(r, [7], dtype='int32')], dim=0, start=2, length=4)
    C('narrow', 'empty', [fl(r, [0, 3])], dim=1, start=1, length=2)
    fam.error('narrow', '0d_rejected', [fl(r, [])], dim=0, start=0, length=1)
    fam.error('narrow', 'past_end', [fl(r, [5])], dim=0, start=3, length=3)

    C('expand', 'col', [fl(r, [3, 1])], shape=[3, 4])
    C('expand', 'new_leading', [fl(r, [1, 3])], shape=[2, 4, 3])
    C('expand', 'minus_one_keeps', [fl(r, [1, 3])], shape=[4, -1])
    C('expand', '0d', [fl(r, [])], shape=[2, 3])
    C('expand', 'to_empty', [fl(r, [3, 1])], shape=[3, 0])
    C('expand', 'of_transposed', [fl(r, [1, 3], view=[['transpose', 0, 1]])], shape=[3, 5])
    C('expand', 'bool', [bo(r, [2, 1])], shape=[2, 3])
    C('expand', 'of_empty', [fl(r, [0, 1])], shape=[2, 0, 3])
    fam.error('expand', 'non_singleton', [fl(r, [3, 2])], shape=[3, 4])

    C('squeeze', 'all', [fl(r, [1, 3, 1, 2])])
    C('squeeze', 'dim', [fl(r, [1, 3, 1, 2])], dim=2)
    C('squeeze', 'negative_dim', [fl(r, [3, 1])], dim=-1)
    C('squeeze', 'dims_list', [fl(r, [1, 3, 1, 2])], dim=[0, 2])
    C('squeeze', 'non_unit_dim_noop', [fl(r, [2, 3])], dim=1)
    C('squeeze', '0d', [fl(r, [])])
    C('squeeze', '0d_dim', [fl(r, [])], dim=0)
    C('squeeze', 'empty', [fl(r, [1, 0, 1])])
    C('squeeze', 'of_transposed', [fl(r, [3, 1], view=[['transpose', 0, 1]])], dim=0)

    C('unsqueeze', 'front', [x34()], dim=0)
    C('unsqueeze', 'back', [x34()], dim=-1)
    C('unsqueeze', 'middle_negative', [x34()], dim=-2)
    C('unsqueeze', '0d', [fl(r, [])], dim=0)
    C('unsqueeze', 'of_transposed', [x34(view=[['transpose', 0, 1]])], dim=1)
    C('unsqueeze', 'empty', [fl(r, [0, 2])], dim=1)
    fam.error('unsqueeze', 'dim_out_of_range', [x34()], dim=3)

    C('flatten', 'all', [fl(r, [2, 3, 4])])
    C('flatten', 'middle', [fl(r, [2, 3, 4, 2])], startDim=1, endDim=2)
    C('flatten', 'negative_dims', [fl(r, [2, 3, 4])], startDim=0, endDim=-2)
    C('flatten', 'single_dim', [fl(r, [2, 3])], startDim=1, endDim=1)
    C('flatten', '0d', [fl(r, [])])
    C('flatten', 'transposed_copies', [fl(r, [2, 3, 4], view=[['transpose', 0, 2]])])
    C('flatten', 'empty', [fl(r, [2, 0, 3])])
    fam.error('flatten', 'start_after_end', [fl(r, [2, 3, 4])], startDim=2, endDim=1)

    C('contiguous', 'transposed', [x34(view=[['transpose', 0, 1]])])
    C('contiguous', 'step_sliced', [fl(r, [4, 6], view=[['slice', 1, 1, 6, 2]])])
    C('contiguous', 'expanded', [fl(r, [3, 1], view=[['expand', [3, 4]]])])
    C('contiguous', 'already_contiguous', [x34()])
    C('contiguous', '0d', [fl(r, [])])
    C('contiguous', 'empty', [fl(r, [0, 3])])
    C('contiguous', 'int64_permuted', [it(r, [2, 3, 4], view=[['permute', [2, 0, 1]]])])
    C('contiguous', 'bool_transposed', [bo(r, [3, 2], view=[['transpose', 0, 1]])])

    # composites on views: t / T / unflatten
    C('t', '2d', [x34()])
    C('t', '1d', [fl(r, [4])])
    C('t', '0d', [fl(r, [])])
    C('t', 'of_sliced', [fl(r, [4, 6], view=[['slice', 1, 0, 6, 2]])])
    C('t', 'empty', [fl(r, [0, 3])])
    C('T', '3d', [fl(r, [2, 3, 4])])
    C('T', '2d', [x34('int32')])
    C('T', '1d', [fl(r, [4])])
    C('T', '0d', [fl(r, [])])
    C('T', 'empty', [fl(r, [2, 0, 3])])
    C('T', 'of_permuted', [fl(r, [2, 3, 4], view=[['permute', [1, 2, 0]]])])
    C('unflatten', 'dim1', [fl(r, [2, 6])], dim=1, sizes=[2, 3])
    C('unflatten', 'negative_dim_infer', [fl(r, [12, 2])], dim=-2, sizes=[3, -1])
    C('unflatten', 'empty', [fl(r, [0, 6])], dim=1, sizes=[2, 3])
    fam.error('unflatten', '0d_rejected', [fl(r, [])], dim=0, sizes=[1])
    C('unflatten', 'of_transposed', [fl(r, [6, 2], view=[['transpose', 0, 1]])], dim=1, sizes=[3, 2])


# ---------------------------------------------------------------- creation family


def gen_creation(fam):
    r = rng_for('creation')
    C = fam.case
    C('from_array', 'ints_make_float32', data=[[1, 2, 3], [4, -5, 6]])
    C('from_array', 'floats_infer_float32', data=[[1.5, 2.25], [-3.125, 0.1]])
    C('from_array', 'mixed_int_float', data=[1, 2.5, -3])
    C('from_array', 'bools_infer_bool', data=[[True, False], [False, True]])
    C('from_array', 'mixed_bool_int', data=[True, 2, 0])
    C('from_array', 'bigints_infer_int64', data=[[1, 2, 3], [4, -5, 2**40]], bigint=True)
    C('from_array', 'bigint_0d', data=-9, bigint=True)
    C('from_array', 'number_0d_int', data=7)
    C('from_array', 'number_0d_float', data=-2.75)
    C('from_array', 'bool_0d', data=True)
    C('from_array', 'empty', data=[])
    C('from_array', 'empty_2d', data=[[], []])
    C('from_array', '3d', data=np.round(r.uniform(-3, 3, [2, 2, 3]), 3).tolist())
    C('from_array', 'non_finite', data=[1.5, NAN, INF, -INF])
    C('from_array', 'float_rounds_to_f32', data=[0.1, 1 / 3, 16777217.5, 1e-46])
    C('from_array', 'dtype_float64', data=[0.1, 1 / 3, -2.5], dtype='float64')
    C('from_array', 'dtype_int32_from_ints', data=[[1, -2], [3, 4]], dtype='int32')
    C('from_array', 'dtype_int64_large', data=[2**40 + 3, -(2**50) + 1, 0], dtype='int64')
    C('from_array', 'dtype_float32_from_ints', data=[1, 2, 3], dtype='float32')
    C('from_array', 'dtype_bool_from_numbers', data=[0, 1, 2, 0], dtype='bool')
    C('from_array', 'dtype_int64_from_floats_truncates', data=[1.7, -1.7, 2.5], dtype='int64')
    C('from_array', 'typed_float32', typed='Float32Array', data=[1.5, -2.25, 3], shape=[3])
    C('from_array', 'typed_float64_shaped', typed='Float64Array', data=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], shape=[2, 3])
    C('from_array', 'typed_int32', typed='Int32Array', data=[1, -2, 3, 4], shape=[2, 2])
    C('from_array', 'typed_bigint64', typed='BigInt64Array', data=[1, -2, 2**40], shape=[3])
    C('from_array', 'typed_uint8_as_int32', typed='Uint8Array', data=[0, 7, 255], shape=[3])
    C('from_array', 'typed_int16_as_int32', typed='Int16Array', data=[-300, 7, 300], shape=[3])
    C('from_array', 'typed_uint32_as_int64', typed='Uint32Array', data=[0, 7, 4000000000], shape=[3])
    C('from_array', 'typed_float64_as_float32', typed='Float64Array', data=[0.1, 1e-46, 3], shape=[3], dtype='float32')
    C('from_array', 'typed_float32_0d', typed='Float32Array', data=[2.5], shape=[])
    C('from_array', 'typed_empty', typed='Float32Array', data=[], shape=[0, 4])
    fam.error('from_array', 'ragged', data=[[1, 2], [3]])

    C('full', 'int_infers_int64', shape=[2, 3], value=4)
    C('full', 'float_infers_float32', shape=[3], value=1.5)
    C('full', 'bool_infers_bool', shape=[2, 2], value=True)
    C('full', 'dtype_float64', shape=[2], value=0.1, dtype='float64')
    C('full', 'dtype_int32_from_float_truncates', shape=[2], value=2.75, dtype='int32')
    C('full', 'dtype_bool', shape=[3], value=2, dtype='bool')
    C('full', 'negative', shape=[1, 2], value=-7)
    C('full', '0d', shape=[], value=3.5)
    C('full', 'empty', shape=[0, 3], value=1.5)
    C('full', 'inf', shape=[2], value=-INF)
    C('full', 'nan', shape=[2], value=NAN)

    C('fill_', 'f32_float', [fl(r, [2, 3])], value=2.5)
    C('fill_', 'f32_int', [fl(r, [2, 3])], value=-3)
    C('fill_', 'f32_bool', [fl(r, [3])], value=True)
    C('fill_', 'f64', [fl(r, [3], dtype='float64')], value=0.1)
    C('fill_', 'int32', [it(r, [4], dtype='int32')], value=7)
    C('fill_', 'int64_float_truncates', [it(r, [4])], value=2.75)
    C('fill_', 'bool', [bo(r, [4])], value=True)
    C('fill_', 'bool_from_number', [bo(r, [4], p=1.0)], value=0)
    C('fill_', 'transposed_view', [fl(r, [3, 4], view=[['transpose', 0, 1]])], value=1.25)
    C('fill_', 'step_sliced_view', [fl(r, [3, 8], view=[['slice', 1, 1, 8, 3]])], value=-0.5)
    C('fill_', '0d', [fl(r, [])], value=4.5)
    C('fill_', 'empty', [fl(r, [0, 2])], value=1.5)
    C('fill_', 'nan', [fl(r, [3])], value=NAN)

    C('arange', 'end_only', args=[5])
    C('arange', 'start_end', args=[-3, 4])
    C('arange', 'step_2', args=[1, 10, 2])
    C('arange', 'negative_step', args=[5, -4, -3])
    C('arange', 'float_step', args=[0, 1, 0.1])
    C('arange', 'float_bounds', args=[0.5, 3])
    C('arange', 'float_negative_step', args=[2.5, -1, -0.75])
    C('arange', 'dtype_float64', args=[0, 1, 0.1], dtype='float64')
    C('arange', 'dtype_int32', args=[0, 7, 2], dtype='int32')
    C('arange', 'dtype_float32_from_ints', args=[4], dtype='float32')
    C('arange', 'empty', args=[3, 3])
    C('arange', 'single', args=[2, 2.5, 1])
    fam.error('arange', 'zero_step', args=[0, 5, 0])
    fam.error('arange', 'step_sign_mismatch', args=[0, 5, -1])

    C('linspace', 'f32', start=0, end=1, steps=5)
    C('linspace', 'f32_negative', start=-1, end=1, steps=7)
    C('linspace', 'f32_11', start=0, end=1, steps=11)
    C('linspace', 'f32_descending', start=10, end=-10, steps=9)
    C('linspace', 'f64', start=0, end=1, steps=7, dtype='float64')
    C('linspace', 'int64_truncates', start=0, end=10, steps=4, dtype='int64')
    C('linspace', 'int32_floor_toward_zero', start=0, end=1, steps=5, dtype='int32')
    C('linspace', 'one_step', start=3, end=7, steps=1)
    C('linspace', 'zero_steps', start=3, end=7, steps=0)
    C('linspace', 'fractional_bounds', start=0.25, end=2.75, steps=6)

    C('eye', 'square', n=3)
    C('eye', 'wide', n=2, m=4)
    C('eye', 'tall', n=4, m=2)
    C('eye', 'int64', n=3, dtype='int64')
    C('eye', 'bool', n=2, m=3, dtype='bool')
    C('eye', 'f64', n=2, dtype='float64')
    C('eye', 'empty', n=0)
    C('eye', 'empty_cols', n=2, m=0)

    # dropout_philox: deterministic given its rng (seed, offset); values from the Philox reference above
    RNG = lambda seed, off: In(np.array([seed, off]), 'int64')  # noqa: E731
    C('dropout_philox', 'p0.3_f32', [fl(r, [7, 37]), RNG(1234567, 89)], p=0.3)
    C('dropout_philox', 'p0.5_f64_tiles', [fl(r, [1201], dtype='float64'), RNG(42, 2**40 + 3)], p=0.5)
    C('dropout_philox', 'p0.1_transposed', [fl(r, [9, 5], view=[['transpose', 0, 1]]), RNG(7, 0)], p=0.1)
    C('dropout_philox', 'p0.9_0d', [In(2.5, 'float32'), RNG(3, 11)], p=0.9)
    C('dropout_philox', 'empty', [fl(r, [0, 3]), RNG(3, 11)], p=0.5)
    C('dropout_philox', 'p0_identity', [fl(r, [4, 3]), RNG(5, 6)], p=0)
    C('dropout_philox', 'p1_zeros', [fl(r, [4, 3], dtype='float64'), RNG(5, 6)], p=1)
    fam.error('dropout_philox', 'int_input', [it(r, [3]), RNG(1, 2)], p=0.5)
    fam.error('dropout_philox', 'p_above_1', [fl(r, [3]), RNG(1, 2)], p=1.5)
    fam.error('dropout_philox', 'rng_shape', [fl(r, [3]), In(np.array([1, 2, 3]), 'int64')], p=0.5)
    # bernoulli with p in {0, 1} is deterministic
    C('bernoulli', 'p_0_or_1', [In([[0, 1, 1], [0, 0, 1]], 'float32')])
    C('bernoulli', 'p_0_or_1_f64', [In([1, 0, 1, 1], 'float64')])
    C('bernoulli', 'p_0_or_1_0d', [In(1, 'float32')])
    C('bernoulli', 'empty', [fl(r, [0, 3], 0, 1)])
    C('bernoulli', 'p_0_or_1_transposed', [In([[0, 1, 1], [1, 0, 1]], 'float32', [['transpose', 0, 1]])])
    fam.error('bernoulli', 'p_above_1', [In([0.5, 1.5], 'float32')])
    gen_random(fam)


def normal_cdf(z):
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def gen_random(fam):
    """Statistical fixtures: the distribution each sample must match, with tolerances at
    about 5 standard errors; checked here against torch's own samples first."""
    n = 100_000

    def moments(mean, var, mu4):
        se_mean = math.sqrt(var / n)
        se_std = math.sqrt(max(mu4 - var * var, 1e-300) / (4 * var * n)) if var > 0 else 0
        # the floor covers p = 0.5 two-point laws, whose std varies only to second order
        return {'mean': mean, 'meanTol': 5 * se_mean + 1e-12, 'std': math.sqrt(var),
                'stdTol': max(5 * se_std, 0.002 * math.sqrt(var)) + 1e-12}

    def uniform_stats(lo, hi, shape, dtype):
        d = hi - lo
        s = {'shape': shape, 'dtype': dtype, 'min': lo, 'max': hi, 'maxExclusive': True,
             **moments((lo + hi) / 2, d * d / 12, d ** 4 / 80)}
        s['hist'] = {'edges': [lo + d * k / 10 for k in range(11)], 'probs': [0.1] * 10}
        return s

    def normal_stats(mean, std, shape, dtype):
        s = {'shape': shape, 'dtype': dtype, **moments(mean, std * std, 3 * std ** 4)}
        zs = [-INF, -2, -1, -0.5, 0, 0.5, 1, 2, INF]
        s['hist'] = {'edges': [mean + std * z for z in zs],
                     'probs': [normal_cdf(zs[k + 1]) - normal_cdf(zs[k]) for k in range(len(zs) - 1)]}
        return s

    def discrete_stats(values, probs):
        v, p = np.array(values, np.float64), np.array(probs, np.float64)
        mean = float((v * p).sum())
        var = float(((v - mean) ** 2 * p).sum())
        mu4 = float(((v - mean) ** 4 * p).sum())
        return moments(mean, var, mu4)

    def check(stats, sample):
        x = sample.double().ravel()
        if 'mean' in stats and x.numel() > 1:
            assert abs(x.mean().item() - stats['mean']) <= stats['meanTol'], (stats, x.mean())
            assert abs(x.std(correction=0).item() - stats['std']) <= stats['stdTol'], (stats, x.std())

    g = torch.Generator().manual_seed(SEED)
    for dtype in ('float32', 'float64'):
        st = uniform_stats(0.0, 1.0, [n], dtype)
        check(st, torch.rand(n, generator=g, dtype=TDT[dtype]))
        fam.stats('uniform_', f'unit_{dtype}', st, shape=[n], low=0, high=1, dtype=dtype)
        st = normal_stats(0.0, 1.0, [n], dtype)
        check(st, torch.randn(n, generator=g, dtype=TDT[dtype]))
        fam.stats('normal_', f'standard_{dtype}', st, shape=[n], mean=0, std=1, dtype=dtype)
    st = uniform_stats(-2.5, 4.0, [250, 400], 'float32')
    check(st, torch.empty(250, 400).uniform_(-2.5, 4.0, generator=g))
    fam.stats('uniform_', 'range_2d', st, shape=[250, 400], low=-2.5, high=4, dtype='float32')
    st = normal_stats(3.0, 0.5, [n], 'float32')
    check(st, torch.empty(n).normal_(3.0, 0.5, generator=g))
    fam.stats('normal_', 'mean_3_std_0.5', st, shape=[n], mean=3, std=0.5, dtype='float32')
    fam.stats('normal_', 'std_0_is_constant', {'shape': [50], 'dtype': 'float32', 'min': 1.5, 'max': 1.5, 'mean': 1.5, 'meanTol': 0, 'std': 0, 'stdTol': 0},
              shape=[50], mean=1.5, std=0, dtype='float32')
    fam.stats('uniform_', '0d', {'shape': [], 'dtype': 'float32', 'min': 0, 'max': 1, 'maxExclusive': True}, shape=[], low=0, high=1, dtype='float32')
    fam.stats('normal_', 'empty', {'shape': [0, 3], 'dtype': 'float32'}, shape=[0, 3], mean=0, std=1, dtype='float32')
    st = uniform_stats(0.0, 1.0, [n], 'float32')
    fam.stats('rand', 'f32', st, shape=[n])
    fam.stats('rand', 'f64', {**st, 'dtype': 'float64'}, shape=[n], dtype='float64')
    fam.stats('rand', '0d', {'shape': [], 'dtype': 'float32', 'min': 0, 'max': 1, 'maxExclusive': True}, shape=[])
    st = normal_stats(0.0, 1.0, [400, 250], 'float32')
    fam.stats('randn', 'f32_2d', st, shape=[400, 250])
    fam.stats('randn', 'f64', {**normal_stats(0.0, 1.0, [n], 'float64')}, shape=[n], dtype='float64')
    fam.stats('randn', 'empty', {'shape': [2, 0], 'dtype': 'float32'}, shape=[2, 0])

    for lo, hi, dtype in [(0, 10, 'int64'), (-3, 4, 'int32'), (0, 2, 'int64'), (-1000, 1000, 'int64'), (5, 6, 'int64')]:
        vals = list(range(lo, hi))
        st = {'shape': [n], 'dtype': dtype, 'min': lo, 'max': hi - 1, 'integer': True,
              **discrete_stats(vals, [1 / len(vals)] * len(vals))}
        if hi - lo <= 10:
            st['hist'] = {'edges': [v - 0.5 for v in vals] + [hi - 0.5], 'probs': [1 / len(vals)] * len(vals)}
        check(st, torch.randint(lo, hi, (n,), generator=g))
        fam.stats('randint', f'{lo}_{hi}_{dtype}', st, low=lo, high=hi, shape=[n], dtype=dtype)
    fam.stats('randint', 'default_dtype_2d', {'shape': [3, 4], 'dtype': 'int64', 'min': 0, 'max': 4, 'integer': True}, low=0, high=5, shape=[3, 4])
    fam.stats('randint', 'float32_dtype', {'shape': [1000], 'dtype': 'float32', 'min': -2, 'max': 2, 'integer': True}, low=-2, high=3, shape=[1000], dtype='float32')
    fam.stats('randint', 'empty', {'shape': [0], 'dtype': 'int64'}, low=0, high=3, shape=[0])
    fam.error('randint', 'low_not_below_high', low=3, high=3, shape=[2])

    for p, dtype in [(0.3, 'float32'), (0.5, 'float64'), (0.01, 'float32')]:
        st = {'shape': [n], 'dtype': dtype, 'min': 0, 'max': 1, 'integer': True, **discrete_stats([0, 1], [1 - p, p])}
        check(st, torch.bernoulli(torch.full((n,), p, dtype=TDT[dtype]), generator=g))
        fam.stats('bernoulli', f'p_{p}_{dtype}', st, p=p, shape=[n], dtype=dtype)

    for m, dtype in [(1000, 'int64'), (10, 'int32'), (1, 'int64'), (0, 'int64'), (100, 'float32')]:
        st = {'shape': [m], 'dtype': dtype, 'permutation': True}
        if m >= 2:
            st['mean'], st['meanTol'] = (m - 1) / 2, 1e-9  # a permutation's mean is exact
        fam.stats('randperm', f'n_{m}_{dtype}', st, n=m, dtype=dtype)


# ---------------------------------------------------------------- reduce family


def gen_reduce(fam):
    shapes = {'3d': [3, 4, 5]}
    dims_variants = [('all', {}), ('all_keepdim', {'keepdim': True}), ('dim1', {'dim': 1}),
                     ('dim_neg1_keepdim', {'dim': -1, 'keepdim': True}), ('dims_0_2', {'dim': [0, 2]}),
                     ('dims_0_neg1_keepdim', {'dim': [0, -1], 'keepdim': True})]
    data_for = {'prod': (0.5, 1.5), 'logsumexp': (-5, 5)}
    for op in ['sum', 'mean', 'prod', 'amax', 'amin', 'logsumexp', 'norm', 'var', 'std', 'all', 'any']:
        r = rng_for(op)
        lo, hi = data_for.get(op, (-3, 3))
        boolish = op in ('all', 'any')

        def X(shape, dtype='float32', view=()):
            if boolish and dtype == 'float32':
                return grid(r, shape, 'float32', -1, 6 if op == 'all' else 2, view=view)  # mostly nonzero for all
            if dtype.startswith('float'):
                return fl(r, shape, lo, hi, dtype, view)
            if dtype == 'bool':
                return bo(r, shape, 0.8 if op == 'all' else 0.2, view=view)
            return it(r, shape, -3, 4 if op != 'prod' else 3, dtype, view)

        C = lambda name, ins, **kw: fam.case(op, name, ins, **kw)
        for name, a in dims_variants:
            if op == 'logsumexp' and 'dim' not in a:
                continue
            C(name, [X([3, 4, 5])], **a)
        C('transposed_dim0', [X([5, 4, 3], view=[['transpose', 0, 2]])], dim=0)
        C('step_sliced_dims_0_2', [X([3, 8, 5], view=[['slice', 1, 0, 8, 2]])], dim=[0, 2])
        C('expanded_dim1', [X([3, 1], view=[['expand', [3, 6]]])], dim=1)
        C('1d', [X([17])], dim=0)
        C('0d', [X([])], dim=0)
        if op != 'logsumexp':
            C('0d_all', [X([])])
        C('empty_reduce_nonempty_dim', [X([0, 4])], dim=1)
        C('empty_reduce_empty_dim', [X([0, 4])], dim=0, optional=True)
        if op != 'logsumexp':
            C('empty_all', [X([2, 0])], optional=True)
        C('f64', [X([3, 4], 'float64')], dim=1)
        C('f64_all', [X([3, 4], 'float64')], dim=[0, 1])
        for dt in ('int32', 'int64', 'bool'):
            C(dt, [X([3, 4], dt)], dim=1, optional=True)
            C(dt + '_all', [X([3, 4], dt)], dim=[0, 1], optional=True)
        if op not in ('all', 'any'):
            C('with_nan', [In([[1, NAN, 2], [3, 4, 5]], 'float32')], dim=1)
            C('with_inf', [In([[1, INF, 2], [-INF, 4, 5]], 'float32')], dim=1)
        big = gen_input([300, 200], 'float32', 40503, 1009, lo, hi)
        C('f32_parallel_dim1', [big], dim=1, sample=7)
        C('f32_parallel_dim0', [gen_input([300, 200], 'float32', 40503, 1009, lo, hi)], dim=0, sample=3)
        if op not in ('logsumexp', 'prod'):
            C('f32_parallel_all', [gen_input([300, 200], 'float32', 40503, 1009, lo, hi)])
        if op in ('amax', 'amin'):
            fam.error(op, 'empty_reduce_dim', [X([0, 4])], dim=0)
            fam.error(op, 'empty_all', [X([2, 0])])
        fam.error(op, 'dim_out_of_range', [X([3, 4])], dim=2)
    r = rng_for('reduce_options')
    for op in ('var', 'std'):
        fam.case(op, 'correction_0', [fl(r, [3, 5])], dim=1, correction=0)
        fam.case(op, 'correction_2', [fl(r, [3, 5])], dim=1, correction=2)
        fam.case(op, 'unbiased_false', [fl(r, [3, 5])], dim=0, unbiased=False)
        fam.case(op, 'single_element_nan', [fl(r, [3, 1])], dim=1)
        fam.case(op, 'large_offset', [In(1e4 + r.uniform(-1, 1, [4, 50]), 'float32')], dim=1)
        fam.case(op, 'f64_correction_0_all', [fl(r, [4, 5], dtype='float64')], correction=0)
    for p in (1, 2, INF):
        pn = 'inf' if p == INF else str(p)
        fam.case('norm', f'p{pn}_all', [fl(r, [3, 4])], p=p)
        fam.case('norm', f'p{pn}_dim1_keepdim', [fl(r, [3, 4])], p=p, dim=1, keepdim=True)
        fam.case('norm', f'p{pn}_dims_0_2', [fl(r, [2, 3, 4])], p=p, dim=[0, 2])
        fam.case('norm', f'p{pn}_transposed', [fl(r, [4, 3], view=[['transpose', 0, 1]])], p=p, dim=0)
        fam.case('norm', f'p{pn}_f64', [fl(r, [5], dtype='float64')], p=p)
        fam.case('norm', f'p{pn}_empty_dim', [fl(r, [0, 3])], p=p, dim=0, optional=True)
    fam.error('norm', 'pinf_empty_dim', [fl(r, [0, 3])], p=INF, dim=0)
    # No cases where torch's float32 result is a rounding artifact (a sum of [1e8, 1, -1e8, 1]
    # is 1 in torch, a norm of [3e30, 4e30] overflows): a more accurate myelin must not fail.
    fam.case('logsumexp', 'large_values', [In([[1000, 1000.5, 999], [-1000, -999, -1001]], 'float32')], dim=1)
    fam.case('logsumexp', 'all_neg_inf', [In([[-INF, -INF], [0, -INF]], 'float32')], dim=1)
    fam.case('logsumexp', 'pos_inf', [In([[INF, 1], [INF, INF]], 'float32')], dim=1)
    fam.case('prod', 'with_zero', [In([[2, 0, 3], [2, 3, 4]], 'float32')], dim=1)
    fam.case('any', 'nan_is_true', [In([0, NAN], 'float32')])
    fam.case('all', 'nan_is_true', [In([1, NAN], 'float32')])
    fam.error('mean', 'int_rejected', [it(r, [3])])
    fam.error('var', 'int_rejected', [it(r, [3])], dim=0)

    # max/min with a dim give {values, indices}; without one, the max of all elements
    for op in ('max', 'min', 'argmax', 'argmin'):
        r = rng_for(op)
        C = lambda name, ins, **kw: fam.case(op, name, ins, **kw)
        C('all', [distinct(r, [3, 4])])
        C('dim1', [distinct(r, [3, 4])], dim=1)
        C('dim0', [distinct(r, [3, 4])], dim=0)
        C('dim_neg1_keepdim', [distinct(r, [2, 3, 4])], dim=-1, keepdim=True)
        C('transposed', [distinct(r, [4, 3], view=[['transpose', 0, 1]])], dim=1)
        C('step_sliced', [distinct(r, [3, 8], view=[['slice', 1, 1, 8, 2]])], dim=1)
        C('ties_first_index', [In([[1, 3, 3, 0], [2, 2, 1, 1], [5, 5, 5, 5]], 'float32')], dim=1)
        C('ties_first_index_all', [In([[1, 3, 3, 0], [3, 2, 1, 3]], 'float32')])
        C('0d', [distinct(r, [])], dim=0)
        C('0d_all', [distinct(r, [])])
        C('empty_rest', [fl(r, [0, 4])], dim=1)
        C('f64', [distinct(r, [3, 4], 'float64')], dim=1)
        C('int32', [distinct(r, [3, 4], 'int32')], dim=1)
        C('int64_all', [distinct(r, [3, 4], 'int64')])
        C('with_nan', [In([[1, NAN, 3, 2], [4, 5, NAN, NAN]], 'float32')], dim=1)
        C('with_nan_all', [In([[1, NAN, 3], [4, 5, 6]], 'float32')])
        C('with_inf', [In([[1, INF, -INF], [-INF, 5, 0]], 'float32')], dim=1)
        C('f32_parallel_dim1', [gen_input([300, 200], 'float32', 40503, 1009, -3, 3)], dim=1, sample=7)
        C('f32_parallel_all', [gen_input([300, 200], 'float32', 40503, 1009, -3, 3)])
        if op.startswith('arg'):
            C('all_keepdim', [distinct(r, [3, 4])], keepdim=True)
        fam.error(op, 'empty_reduce_dim', [fl(r, [0, 4])], dim=0)
    fam.case('max', 'bool', [bo(r, [3, 4])], dim=1)

    for op in ('cumsum', 'softmax', 'log_softmax'):
        r = rng_for(op)
        C = lambda name, ins, **kw: fam.case(op, name, ins, **kw)
        C('dim_neg1', [fl(r, [3, 4, 5])], dim=-1)
        C('dim0', [fl(r, [3, 4, 5])], dim=0)
        C('dim1', [fl(r, [3, 4, 5])], dim=1)
        C('transposed', [fl(r, [5, 4], view=[['transpose', 0, 1]])], dim=1)
        C('step_sliced', [fl(r, [4, 9], view=[['slice', 1, 0, 9, 2]])], dim=-1)
        C('1d', [fl(r, [33])], dim=0)
        C('0d', [fl(r, [])], dim=0)
        C('empty', [fl(r, [0, 4])], dim=-1)
        C('empty_dim', [fl(r, [3, 0])], dim=1)
        C('f64', [fl(r, [3, 4], dtype='float64')], dim=1)
        C('with_nan', [In([[1, NAN, 2], [3, 4, 5]], 'float32')], dim=1)
        C('with_inf', [In([[1, -INF, 2], [-INF, -INF, -INF], [INF, 0, 1]], 'float32')], dim=1)
        C('f32_parallel', [gen_input([300, 200], 'float32', 40503, 1009, -3, 3)], dim=1, sample=97)
        C('f32_parallel_dim0', [gen_input([300, 200], 'float32', 40503, 1009, -3, 3)], dim=0, sample=97)
        fam.error(op, 'dim_out_of_range', [fl(r, [3, 4])], dim=2)
    r = rng_for('cumsum_ints')
    fam.case('cumsum', 'int32_promotes', [it(r, [2, 5], dtype='int32')], dim=1)
    fam.case('cumsum', 'int64', [it(r, [6])], dim=0)
    fam.case('cumsum', 'bool_promotes', [bo(r, [7])], dim=0)
    for op in ('softmax', 'log_softmax'):
        fam.case(op, 'large_values', [In([[1000, 1001, 999], [-1000, -1001, -999]], 'float32')], dim=1)


# ---------------------------------------------------------------- linalg family


def gen_linalg(fam):
    r = rng_for('matmul')
    C = lambda name, ins, **kw: fam.case('matmul', name, ins, **kw)
    M = lambda shape, dtype='float32', view=(): fl(r, shape, -2, 2, dtype, view) if dtype.startswith('float') else it(r, shape, -4, 5, dtype, view)
    C('2d', [M([3, 4]), M([4, 5])])
    C('1d_1d', [M([4]), M([4])])
    C('1d_2d', [M([4]), M([4, 5])])
    C('2d_1d', [M([3, 4]), M([4])])
    C('3d_3d', [M([2, 3, 4]), M([2, 4, 5])])
    C('3d_2d', [M([2, 3, 4]), M([4, 5])])
    C('2d_3d', [M([3, 4]), M([2, 4, 5])])
    C('1d_3d', [M([4]), M([2, 4, 5])])
    C('3d_1d', [M([2, 3, 4]), M([4])])
    C('bcast_batch', [M([2, 1, 3, 4]), M([3, 4, 5])])
    C('a_transposed', [M([4, 3], view=[['transpose', 0, 1]]), M([4, 5])])
    C('b_transposed', [M([3, 4]), M([5, 4], view=[['transpose', 0, 1]])])
    C('both_transposed', [M([4, 3], view=[['transpose', 0, 1]]), M([5, 4], view=[['transpose', 0, 1]])])
    C('a_step_sliced', [M([3, 8], view=[['slice', 1, 0, 8, 2]]), M([4, 2])])
    C('batch_transposed', [M([4, 2, 3], view=[['transpose', 0, 1]]), M([2, 5, 3], view=[['transpose', 1, 2]])])
    C('expanded_batch', [M([1, 3, 4], view=[['expand', [2, 3, 4]]]), M([2, 4, 2])])
    C('1x1', [M([1, 1]), M([1, 1])])
    C('empty_k', [M([2, 0]), M([0, 3])])
    C('empty_m', [M([0, 4]), M([4, 3])])
    C('empty_batch', [M([0, 2, 3]), M([3, 4])])
    C('f64', [M([3, 4], 'float64'), M([4, 2], 'float64')])
    C('f64_transposed', [M([4, 3], 'float64', [['transpose', 0, 1]]), M([4, 2], 'float64')])
    C('int64', [M([3, 4], 'int64'), M([4, 2], 'int64')])
    C('int32', [M([2, 3], 'int32'), M([3, 2], 'int32')])
    C('f32_larger', [gen_input([64, 96], 'float32', 40503, 1009, -1, 1), gen_input([96, 80], 'float32', 7919, 211, -1, 1)], sample=13)
    C('f32_larger_bt', [gen_input([64, 96], 'float32', 40503, 1009, -1, 1),
                        gen_input([80, 96], 'float32', 7919, 211, -1, 1, view=[['transpose', 0, 1]])], sample=13)
    C('f32_batched_larger', [gen_input([4, 33, 40], 'float32', 40503, 1009, -1, 1), gen_input([40, 31], 'float32', 7919, 211, -1, 1)], sample=11)
    C('specials', [In([[NAN, 1], [INF, 0]], 'float32'), In([[1, 2], [0, 1]], 'float32')])
    fam.error('matmul', 'inner_mismatch', [M([2, 3]), M([4, 5])])
    fam.error('matmul', 'mixed_dtype', [M([2, 3]), M([3, 2], 'float64')])
    fam.error('matmul', '0d', [M([]), M([3])])
    fam.error('matmul', 'batch_mismatch', [M([2, 3, 4]), M([3, 4, 5])])

    r = rng_for('matmul_composites')
    fam.case('mm', '2d', [fl(r, [3, 4]), fl(r, [4, 2])])
    fam.case('mm', 'transposed', [fl(r, [4, 3], view=[['transpose', 0, 1]]), fl(r, [4, 2])])
    fam.case('mm', 'empty', [fl(r, [0, 4]), fl(r, [4, 2])])
    fam.error('mm', '3d_rejected', [fl(r, [2, 3, 4]), fl(r, [4, 2])])
    fam.error('mm', '0d_rejected', [fl(r, []), fl(r, [4, 2])])
    fam.case('bmm', '3d', [fl(r, [2, 3, 4]), fl(r, [2, 4, 5])])
    fam.case('bmm', 'transposed', [fl(r, [2, 4, 3], view=[['transpose', 1, 2]]), fl(r, [2, 4, 5])])
    fam.case('bmm', 'empty_batch', [fl(r, [0, 3, 4]), fl(r, [0, 4, 5])])
    fam.error('bmm', '0d_rejected', [fl(r, []), fl(r, [2, 4, 5])])
    fam.error('bmm', 'batch_mismatch', [fl(r, [2, 3, 4]), fl(r, [3, 4, 5])])
    fam.case('dot', '1d', [fl(r, [7]), fl(r, [7])])
    fam.case('dot', 'sliced', [fl(r, [14], view=[['slice', 0, 0, 14, 2]]), fl(r, [7])])
    fam.case('dot', 'empty', [fl(r, [0]), fl(r, [0])])
    fam.case('dot', 'int64', [it(r, [5]), it(r, [5])])
    fam.error('dot', '0d_rejected', [fl(r, []), fl(r, [1])])
    fam.error('dot', 'size_mismatch', [fl(r, [3]), fl(r, [4])])
    fam.case('outer', '1d', [fl(r, [3]), fl(r, [4])])
    fam.case('outer', 'sliced', [fl(r, [6], view=[['slice', 0, 0, 6, 2]]), fl(r, [2])])
    fam.case('outer', 'int64', [it(r, [3]), it(r, [2])])
    fam.case('outer', 'empty', [fl(r, [0]), fl(r, [3])])
    fam.error('outer', '0d_rejected', [fl(r, []), fl(r, [3])])


# ---------------------------------------------------------------- index family


def perm_index(r, shape, dim, n):
    """int64 indices along dim without repeats (scatter is then deterministic)."""
    shape = list(shape)
    idx = np.zeros(shape, np.int64)
    moved = np.moveaxis(idx, dim, -1)
    for pos in np.ndindex(*moved.shape[:-1]):
        moved[pos] = r.permutation(n)[: moved.shape[-1]]
    return In(idx, 'int64')


def gen_index(fam):
    r = rng_for('cat')
    C = lambda name, ins, **kw: fam.case('cat', name, ins, **kw)
    C('dim0', [fl(r, [2, 3]), fl(r, [4, 3])], dim=0)
    C('dim1_three', [fl(r, [2, 3]), fl(r, [2, 1]), fl(r, [2, 2])], dim=1)
    C('dim_neg1', [fl(r, [2, 2, 3]), fl(r, [2, 2, 1])], dim=-1)
    C('single', [fl(r, [2, 3])], dim=0)
    C('noncontig', [fl(r, [3, 2], view=[['transpose', 0, 1]]), fl(r, [2, 8], view=[['slice', 1, 0, 8, 3]])], dim=1)
    C('mixed_dtypes_promote', [it(r, [2, 2], dtype='int32'), fl(r, [1, 2])], dim=0)
    C('int64', [it(r, [2]), it(r, [3])], dim=0)
    C('bool', [bo(r, [2, 2]), bo(r, [2, 1])], dim=1)
    C('f64', [fl(r, [1, 2], dtype='float64'), fl(r, [2, 2], dtype='float64')], dim=0)
    C('with_empty', [fl(r, [0, 3]), fl(r, [2, 3])], dim=0)
    C('all_empty', [fl(r, [0, 3]), fl(r, [0, 3])], dim=0)
    C('legacy_empty_1d', [fl(r, [2, 3]), fl(r, [0])], dim=0)
    C('1d', [fl(r, [3]), fl(r, [2]), fl(r, [1])], dim=0)
    C('f32_parallel', [gen_input([150, 200], 'float32', 40503, 1009, -3, 3), gen_input([150, 200], 'float32', 7919, 211, -3, 3)], dim=0, sample=101)
    fam.error('cat', 'shape_mismatch', [fl(r, [2, 3]), fl(r, [2, 4])], dim=0)
    fam.error('cat', '0d', [fl(r, []), fl(r, [])], dim=0)
    fam.error('cat', 'dim_out_of_range', [fl(r, [2, 3]), fl(r, [2, 3])], dim=2)

    r = rng_for('stack')
    C = lambda name, ins, **kw: fam.case('stack', name, ins, **kw)
    C('dim0', [fl(r, [2, 3]), fl(r, [2, 3])], dim=0)
    C('dim1', [fl(r, [2, 3]), fl(r, [2, 3]), fl(r, [2, 3])], dim=1)
    C('dim_neg1', [fl(r, [2, 3]), fl(r, [2, 3])], dim=-1)
    C('0d', [fl(r, []), fl(r, [])], dim=0)
    C('noncontig', [fl(r, [3, 2], view=[['transpose', 0, 1]]), fl(r, [2, 3])], dim=0)
    C('mixed_dtypes_promote', [it(r, [2]), fl(r, [2])], dim=0)
    C('empty', [fl(r, [0, 2]), fl(r, [0, 2])], dim=1)
    fam.error('stack', 'shape_mismatch', [fl(r, [2, 3]), fl(r, [3, 2])], dim=0)

    r = rng_for('gather')
    C = lambda name, ins, **kw: fam.case('gather', name, ins, **kw)
    C('dim1', [fl(r, [3, 4]), it(r, [3, 2], 0, 4)], dim=1)
    C('dim0', [fl(r, [3, 4]), it(r, [2, 4], 0, 3)], dim=0)
    C('dim_neg1_3d', [fl(r, [2, 3, 4]), it(r, [2, 3, 5], 0, 4)], dim=-1)
    C('index_smaller', [fl(r, [4, 5]), it(r, [2, 3], 0, 5)], dim=1)
    C('noncontig_input', [fl(r, [4, 3], view=[['transpose', 0, 1]]), it(r, [3, 2], 0, 4)], dim=1)
    C('noncontig_index', [fl(r, [3, 4]), it(r, [2, 3], 0, 4, view=[['transpose', 0, 1]])], dim=1)
    C('int64_input', [it(r, [3, 4]), it(r, [3, 3], 0, 4)], dim=1)
    C('bool_input', [bo(r, [3, 4]), it(r, [3, 3], 0, 4)], dim=1)
    C('1d', [fl(r, [6]), it(r, [9], 0, 6)], dim=0)
    C('0d', [fl(r, []), In(0, 'int64')], dim=0)
    C('empty_index', [fl(r, [3, 4]), it(r, [3, 0], 0, 4)], dim=1)
    fam.error('gather', 'index_out_of_range', [fl(r, [3, 4]), In([[0, 4]] * 3, 'int64')], dim=1)
    fam.error('gather', 'negative_index', [fl(r, [3, 4]), In([[0, -1]] * 3, 'int64')], dim=1)

    r = rng_for('scatter')
    C = lambda name, ins, **kw: fam.case('scatter', name, ins, **kw)
    C('dim1_src', [fl(r, [3, 5]), perm_index(r, [3, 3], 1, 5), fl(r, [3, 3])], dim=1)
    C('dim0_src', [fl(r, [4, 3]), perm_index(r, [2, 3], 0, 4), fl(r, [2, 3])], dim=0)
    C('src_larger_than_index', [fl(r, [3, 5]), perm_index(r, [2, 2], 1, 5), fl(r, [3, 4])], dim=1)
    C('value', [fl(r, [3, 5]), perm_index(r, [3, 2], 1, 5)], dim=1, value=2.5)
    C('value_int64', [it(r, [3, 4]), perm_index(r, [3, 2], 1, 4)], dim=-1, value=-7)
    C('noncontig_self', [fl(r, [5, 3], view=[['transpose', 0, 1]]), perm_index(r, [3, 2], 1, 5), fl(r, [3, 2])], dim=1)
    C('int64', [it(r, [2, 4]), perm_index(r, [2, 4], 1, 4), it(r, [2, 4])], dim=1)
    C('empty_index', [fl(r, [3, 4]), it(r, [3, 0], 0, 4), fl(r, [3, 0])], dim=1)
    C('0d', [fl(r, []), In(0, 'int64'), fl(r, [])], dim=0)
    fam.error('scatter', 'index_out_of_range', [fl(r, [2, 3]), In([[0, 3]] * 2, 'int64'), fl(r, [2, 2])], dim=1)

    r = rng_for('scatter_add')
    C = lambda name, ins, **kw: fam.case('scatter_add', name, ins, **kw)
    C('dim1_repeats', [fl(r, [3, 4]), it(r, [3, 6], 0, 4), fl(r, [3, 6])], dim=1)
    C('dim0_repeats', [fl(r, [3, 4]), it(r, [5, 4], 0, 3), fl(r, [5, 4])], dim=0)
    C('src_larger_than_index', [fl(r, [3, 4]), it(r, [2, 3], 0, 4), fl(r, [3, 5])], dim=1)
    C('int64', [it(r, [5]), it(r, [8], 0, 5), it(r, [8])], dim=0)
    C('noncontig', [fl(r, [4, 3], view=[['transpose', 0, 1]]), it(r, [3, 5], 0, 4), fl(r, [5, 3], view=[['transpose', 0, 1]])], dim=1)
    C('histogram', [In(np.zeros(5), 'float32'), it(r, [40], 0, 5), In(np.ones(40), 'float32')], dim=0)
    C('0d', [fl(r, []), In(0, 'int64'), fl(r, [])], dim=0)
    C('empty_index', [fl(r, [3, 4]), it(r, [3, 0], 0, 4), fl(r, [3, 2])], dim=1)
    fam.error('scatter_add', 'index_out_of_range', [fl(r, [3]), In([3], 'int64'), fl(r, [1])], dim=0)

    r = rng_for('scatter_reduce')
    C = lambda name, ins, **kw: fam.case('scatter_reduce', name, ins, **kw)
    # grid() values repeat, so amax/amin see ties (their gradients share dy among them)
    for red in ['sum', 'prod', 'mean', 'amax', 'amin']:
        for inc in [True, False]:
            C(f'{red}_{"self" if inc else "noself"}_dim1', [grid(r, [3, 5]), it(r, [3, 7], 0, 5), grid(r, [3, 7])],
              dim=1, reduce=red, includeSelf=inc)
    C('mean_dim0_rows', [fl(r, [4, 3]), it(r, [6, 3], 0, 4), fl(r, [6, 3])], dim=0, reduce='mean')
    C('amax_noself_3d', [fl(r, [2, 4, 3]), it(r, [2, 5, 3], 0, 4), fl(r, [2, 5, 3])], dim=1, reduce='amax', includeSelf=False)
    C('mean_int64_floor', [it(r, [5]), it(r, [9], 0, 5), it(r, [9])], dim=0, reduce='mean')
    C('amin_int32', [it(r, [5], dtype='int32'), it(r, [9], 0, 5), it(r, [9], dtype='int32')], dim=0, reduce='amin', includeSelf=False)
    C('amax_nan', [In([0.0, 1.0, 2.0], 'float32'), In([0, 0, 1, 2], 'int64'), In([float('nan'), 3.0, -1.0, 5.0], 'float32')],
      dim=0, reduce='amax')
    C('sum_src_larger', [fl(r, [3, 4]), it(r, [2, 3], 0, 4), fl(r, [3, 5])], dim=1, reduce='sum')
    C('noncontig', [fl(r, [4, 3], view=[['transpose', 0, 1]]), it(r, [3, 5], 0, 4), fl(r, [5, 3], view=[['transpose', 0, 1]])],
      dim=1, reduce='amax')
    C('0d', [fl(r, []), In(0, 'int64'), fl(r, [])], dim=0, reduce='mean', includeSelf=False)
    C('empty_index', [fl(r, [3, 4]), it(r, [3, 0], 0, 4), fl(r, [3, 2])], dim=1, reduce='amax')
    C('float64', [fl(r, [6], dtype='float64'), it(r, [10], 0, 6), fl(r, [10], dtype='float64')], dim=0, reduce='mean', includeSelf=False)
    fam.error('scatter_reduce', 'index_out_of_range', [fl(r, [3]), In([3], 'int64'), fl(r, [1])], dim=0, reduce='amax')
    C('int32_index', [fl(r, [3]), In([1, 1], 'int32'), fl(r, [2])], dim=0, reduce='sum')

    r = rng_for('index_select')
    C = lambda name, ins, **kw: fam.case('index_select', name, ins, **kw)
    C('dim0', [fl(r, [4, 3]), In([3, 0, 0, 2], 'int64')], dim=0)
    C('dim1', [fl(r, [3, 5]), In([4, 1], 'int64')], dim=1)
    C('dim_neg1_3d', [fl(r, [2, 3, 4]), In([1, 3, 1], 'int64')], dim=-1)
    C('int32_index', [fl(r, [4, 3]), In([2, 1], 'int32')], dim=0)
    C('noncontig_input', [fl(r, [3, 4], view=[['transpose', 0, 1]]), In([0, 3], 'int64')], dim=0)
    C('sliced_index', [fl(r, [5]), In([4, 9, 0, 9, 2, 9], 'int64', view=[['slice', 0, 0, 6, 2]])], dim=0)
    C('int64_input', [it(r, [3, 3]), In([2, 2], 'int64')], dim=1)
    C('bool_input', [bo(r, [3, 3]), In([1], 'int64')], dim=0)
    C('empty_index', [fl(r, [3, 4]), In(np.zeros(0), 'int64')], dim=1)
    C('1d', [fl(r, [6]), In([5, 4, 3, 2, 1, 0], 'int64')], dim=0)
    C('0d_index', [fl(r, [4, 3]), In(2, 'int64')], dim=0)
    fam.error('index_select', 'out_of_range', [fl(r, [4]), In([4], 'int64')], dim=0)
    fam.error('index_select', 'float_index', [fl(r, [4]), In([1.0], 'float32')], dim=0)

    r = rng_for('index_add')
    C = lambda name, ins, **kw: fam.case('index_add', name, ins, **kw)
    C('dim0_repeats', [fl(r, [5, 3]), In([0, 1, 1, 4], 'int64'), fl(r, [4, 3])], dim=0)
    C('dim1', [fl(r, [3, 4]), In([3, 0], 'int64'), fl(r, [3, 2])], dim=1)
    C('alpha_float', [fl(r, [4, 2]), In([2, 2, 0], 'int64'), fl(r, [3, 2])], dim=0, alpha=0.5)
    C('alpha_int_on_int64', [it(r, [4, 2]), In([1, 3], 'int64'), it(r, [2, 2])], dim=0, alpha=3)
    C('int32_index', [fl(r, [4]), In([3, 3, 1], 'int32'), fl(r, [3])], dim=0)
    C('noncontig', [fl(r, [3, 5], view=[['transpose', 0, 1]]), In([4, 0], 'int64'), fl(r, [3, 2], view=[['transpose', 0, 1]])], dim=0)
    C('empty_index', [fl(r, [3, 2]), In(np.zeros(0), 'int64'), fl(r, [0, 2])], dim=0)
    C('0d', [fl(r, []), In([0], 'int64'), fl(r, [])], dim=0, optional=True)
    fam.error('index_add', 'out_of_range', [fl(r, [3]), In([3], 'int64'), fl(r, [1])], dim=0)

    r = rng_for('masked_fill')
    C = lambda name, ins, **kw: fam.case('masked_fill', name, ins, **kw)
    C('f32', [fl(r, [3, 4]), bo(r, [3, 4])], value=-1.5)
    C('mask_bcast_row', [fl(r, [3, 4]), bo(r, [4])], value=2.5)
    C('mask_bcast_col', [fl(r, [3, 4]), bo(r, [3, 1])], value=0.25)
    C('mask_0d', [fl(r, [2, 3]), In(True, 'bool')], value=7.5)
    C('noncontig', [fl(r, [4, 3], view=[['transpose', 0, 1]]), bo(r, [3, 8], view=[['slice', 1, 0, 8, 2]])], value=-0.5)
    C('int64_int_value', [it(r, [2, 3]), bo(r, [2, 3])], value=9)
    C('int64_float_value_truncates', [it(r, [2, 3]), bo(r, [2, 3])], value=2.75)
    C('bool_value', [bo(r, [5]), bo(r, [5])], value=True)
    C('f64', [fl(r, [4], dtype='float64'), bo(r, [4])], value=0.1)
    C('neg_inf_value', [fl(r, [2, 3]), bo(r, [2, 3])], value=-INF)
    C('nan_value', [fl(r, [4]), bo(r, [4])], value=NAN)
    C('0d', [fl(r, []), In(True, 'bool')], value=3.5)
    C('empty', [fl(r, [0, 3]), bo(r, [3])], value=1.5)
    C('mask_broadcasts_self', [fl(r, [1, 3]), bo(r, [2, 3])], value=1.5)
    fam.error('masked_fill', 'float_mask', [fl(r, [3]), fl(r, [3])], value=1.5)

    r = rng_for('one_hot')
    C = lambda name, ins, **kw: fam.case('one_hot', name, ins, **kw)
    C('num_classes', [In([0, 3, 1, 1], 'int64')], numClasses=5)
    C('inferred', [In([2, 0, 1], 'int64')])
    C('2d', [it(r, [2, 3], 0, 4)], numClasses=4)
    C('0d', [In(2, 'int64')], numClasses=3)
    C('noncontig', [it(r, [3, 2], 0, 3, view=[['transpose', 0, 1]])], numClasses=3)
    C('empty_explicit', [In(np.zeros(0), 'int64')], numClasses=3)
    fam.error('one_hot', 'index_too_large', [In([0, 3], 'int64')], numClasses=3)
    fam.error('one_hot', 'negative_index', [In([0, -1], 'int64')], numClasses=3)
    fam.error('one_hot', 'empty_inferred', [In(np.zeros(0), 'int64')])

    r = rng_for('topk')
    C = lambda name, ins, **kw: fam.case('topk', name, ins, **kw)
    C('k2_last_dim', [distinct(r, [3, 6])], k=2)
    C('smallest', [distinct(r, [3, 6])], k=3, largest=False)
    C('dim0', [distinct(r, [5, 3])], k=2, dim=0)
    C('unsorted', [distinct(r, [2, 7])], k=4, sorted=False)
    C('unsorted_smallest', [distinct(r, [9])], k=5, largest=False, sorted=False)
    C('k_equals_n', [distinct(r, [4])], k=4)
    C('k0', [distinct(r, [2, 4])], k=0)
    C('1d', [distinct(r, [10])], k=3)
    C('0d', [distinct(r, [])], k=1)
    C('transposed', [distinct(r, [6, 3], view=[['transpose', 0, 1]])], k=2, dim=1)
    C('f64', [distinct(r, [3, 5], 'float64')], k=2)
    C('int64', [distinct(r, [3, 5], 'int64')], k=2)
    C('int32_smallest', [distinct(r, [7], 'int32')], k=3, largest=False)
    C('with_inf', [In([3, -INF, INF, 0, 1], 'float32')], k=2)
    C('large_row', [gen_input([4, 1000], 'float32', 40503, 1009, -3, 3)], k=5)
    C('empty_rows', [fl(r, [0, 4])], k=2)
    fam.error('topk', 'k_too_large', [fl(r, [3])], k=4)

    r = rng_for('sort')
    for op in ('sort', 'argsort'):
        C = lambda name, ins, **kw: fam.case(op, name, ins, **kw)
        C('last_dim', [distinct(r, [3, 5])])
        C('descending', [distinct(r, [3, 5])], descending=True)
        C('dim0', [distinct(r, [4, 3])], dim=0)
        C('stable_ties', [grid(r, [3, 8])], stable=True)
        C('stable_ties_descending', [grid(r, [2, 9])], stable=True, descending=True)
        C('stable_nan_last', [In([3, NAN, 1, NAN, -INF, INF, 2], 'float32')], stable=True)
        C('stable_nan_descending', [In([3, NAN, 1, NAN, -INF, INF, 2], 'float32')], stable=True, descending=True)
        C('transposed', [distinct(r, [5, 3], view=[['transpose', 0, 1]])], dim=1)
        C('1d', [distinct(r, [11])])
        C('0d', [distinct(r, [])])
        C('empty', [fl(r, [0, 3])])
        C('f64', [distinct(r, [2, 6], 'float64')], descending=True)
        C('int64', [distinct(r, [2, 6], 'int64')])
        C('int32_stable_ties', [grid(r, [10], 'int32')], stable=True)
        C('bool_stable', [bo(r, [9])], stable=True)
        C('large_row_stable', [gen_input([3, 2000], 'float32', 40503, 1009, -3, 3)], stable=True, sample=17)
    fam.error('sort', 'dim_out_of_range', [fl(r, [3])], dim=1)

    r = rng_for('flip')
    C = lambda name, ins, **kw: fam.case('flip', name, ins, **kw)
    C('dim0', [fl(r, [3, 4])], dims=[0])
    C('both', [fl(r, [3, 4])], dims=[0, 1])
    C('negative', [fl(r, [2, 3, 4])], dims=[-1])
    C('3d_outer', [fl(r, [2, 3, 4])], dims=[0, 2])
    C('transposed', [fl(r, [4, 3], view=[['transpose', 0, 1]])], dims=[1])
    C('int64', [it(r, [5])], dims=[0])
    C('bool', [bo(r, [2, 3])], dims=[1])
    C('0d', [fl(r, [])], dims=[])
    C('empty', [fl(r, [0, 3])], dims=[0])
    fam.error('flip', 'repeated_dim', [fl(r, [3, 4])], dims=[0, 0])

    r = rng_for('edge_softmax')
    C = lambda name, ins, **kw: fam.case('edge_softmax', name, ins, **kw)
    # node 4 receives no edge; node 1 receives four (one score far above the others: the max shift matters)
    C('heads', [fl(r, [9, 3]), In([1, 0, 1, 2, 3, 1, 0, 2, 1], 'int64')], numNodes=5)
    C('large_scores', [In([80.0, 1.0, -90.0, 5.0], 'float32'), In([0, 0, 0, 1], 'int64')], numNodes=2)
    C('1d_float64', [fl(r, [7], dtype='float64'), it(r, [7], 0, 3)], numNodes=3)
    C('3d', [fl(r, [6, 2, 2]), it(r, [6], 0, 4)], numNodes=4)
    C('noncontig', [fl(r, [3, 8], view=[['transpose', 0, 1]]), it(r, [8], 0, 3)], numNodes=3)
    C('int32_index', [fl(r, [5, 2]), it(r, [5], 0, 2, dtype='int32')], numNodes=2)
    C('no_edges', [fl(r, [0, 3]), it(r, [0], 0, 1)], numNodes=4)
    fam.error('edge_softmax', '0d', [fl(r, []), In([0], 'int64')], numNodes=1)
    fam.error('edge_softmax', 'index_out_of_range', [fl(r, [3, 2]), In([0, 3, 1], 'int64')], numNodes=3)
    fam.error('edge_softmax', 'index_length', [fl(r, [3, 2]), In([0, 1], 'int64')], numNodes=3)

    r = rng_for('edge_softmax_backward')
    C = lambda name, ins, **kw: fam.case('edge_softmax_backward', name, ins, **kw)
    C('heads', [fl(r, [9, 3]), fl(r, [9, 3], 0.0, 1.0), In([1, 0, 1, 2, 3, 1, 0, 2, 1], 'int64')], numNodes=5)
    C('float64', [fl(r, [6], dtype='float64'), fl(r, [6], 0.0, 1.0, dtype='float64'), it(r, [6], 0, 3)], numNodes=3)
    C('noncontig', [fl(r, [2, 5], view=[['transpose', 0, 1]]), fl(r, [5, 2], 0.0, 1.0), it(r, [5], 0, 2)], numNodes=2)
    C('no_edges', [fl(r, [0, 2]), fl(r, [0, 2]), it(r, [0], 0, 1)], numNodes=2)
    fam.error('edge_softmax_backward', '0d', [fl(r, []), fl(r, []), In([0], 'int64')], numNodes=1)
    fam.error('edge_softmax_backward', 'shape_mismatch', [fl(r, [3, 2]), fl(r, [3, 1]), In([0, 1, 1], 'int64')], numNodes=2)

    r = rng_for('edge_weighted_sum')
    C = lambda name, ins, **kw: fam.case('edge_weighted_sum', name, ins, **kw)
    C('heads', [fl(r, [4, 2, 3]), fl(r, [7, 2]), it(r, [7], 0, 4), it(r, [7], 0, 5)], numNodes=5)
    C('2d', [fl(r, [4, 3]), fl(r, [6]), it(r, [6], 0, 4), it(r, [6], 0, 4)], numNodes=4)
    C('float64_bipartite', [fl(r, [3, 1, 4], dtype='float64'), fl(r, [5, 1], dtype='float64'), it(r, [5], 0, 3), it(r, [5], 0, 2)], numNodes=2)
    C('noncontig', [fl(r, [3, 2, 4], view=[['transpose', 0, 2]]), fl(r, [2, 5], view=[['transpose', 0, 1]]), it(r, [5], 0, 4), it(r, [5], 0, 3)], numNodes=3)
    C('no_edges', [fl(r, [3, 2, 2]), fl(r, [0, 2]), it(r, [0], 0, 1), it(r, [0], 0, 1)], numNodes=3)
    C('no_nodes', [fl(r, [0, 2, 2]), fl(r, [0, 2]), it(r, [0], 0, 1), it(r, [0], 0, 1)], numNodes=0)
    fam.error('edge_weighted_sum', '0d', [fl(r, []), fl(r, [1]), In([0], 'int64'), In([0], 'int64')], numNodes=1)
    fam.error('edge_weighted_sum', 'heads_mismatch', [fl(r, [3, 2, 2]), fl(r, [2, 3]), In([0, 1], 'int64'), In([0, 1], 'int64')], numNodes=2)
    fam.error('edge_weighted_sum', 'dst_out_of_range', [fl(r, [3, 2]), fl(r, [2]), In([0, 1], 'int64'), In([0, 2], 'int64')], numNodes=2)

    r = rng_for('edge_dot')
    C = lambda name, ins, **kw: fam.case('edge_dot', name, ins, **kw)
    C('heads', [fl(r, [4, 2, 3]), fl(r, [5, 2, 3]), it(r, [7], 0, 4), it(r, [7], 0, 5)])
    C('2d_float64', [fl(r, [3, 4], dtype='float64'), fl(r, [3, 4], dtype='float64'), it(r, [6], 0, 3), it(r, [6], 0, 3)])
    C('noncontig', [fl(r, [3, 2, 4], view=[['transpose', 0, 2]]), fl(r, [4, 2, 3]), it(r, [5], 0, 4), it(r, [5], 0, 4)])
    C('no_edges', [fl(r, [3, 2, 2]), fl(r, [3, 2, 2]), it(r, [0], 0, 1), it(r, [0], 0, 1)])
    fam.error('edge_dot', '0d', [fl(r, []), fl(r, []), In([0], 'int64'), In([0], 'int64')])
    fam.error('edge_dot', 'index_out_of_range', [fl(r, [3, 2]), fl(r, [3, 2]), In([0, 3], 'int64'), In([0, 1], 'int64')])

    # composites on indexing and joining
    r = rng_for('split')
    fam.case('split', 'size_2', [fl(r, [5, 3])], size=2, shares=True)
    fam.case('split', 'sizes_list', [fl(r, [5, 3])], size=[1, 2, 2], shares=True)
    fam.case('split', 'dim1', [fl(r, [2, 7])], size=3, dim=1, shares=True)
    fam.case('split', 'size_larger_than_dim', [fl(r, [3])], size=5, shares=True)
    fam.case('split', 'noncontig', [fl(r, [4, 6], view=[['transpose', 0, 1]])], size=4, dim=0, shares=True)
    fam.case('split', 'empty', [fl(r, [0, 3])], size=2, shares=True)
    fam.error('split', '0d_rejected', [fl(r, [])], size=1)
    fam.error('split', 'sizes_do_not_sum', [fl(r, [5])], size=[2, 2])
    fam.case('chunk', 'three', [fl(r, [6, 2])], chunks=3, shares=True)
    fam.case('chunk', 'uneven', [fl(r, [5, 2])], chunks=3, shares=True)
    fam.case('chunk', 'fewer_than_asked', [fl(r, [6])], chunks=4, shares=True)
    fam.case('chunk', 'dim1', [fl(r, [2, 7])], chunks=2, dim=1, shares=True)
    fam.case('chunk', 'more_than_size', [fl(r, [2])], chunks=5, shares=True)
    fam.case('chunk', 'noncontig', [fl(r, [5, 4], view=[['transpose', 0, 1]])], chunks=2, dim=1, shares=True)
    fam.case('chunk', 'empty', [fl(r, [0, 3])], chunks=2, shares=True)
    fam.error('chunk', '0d_rejected', [fl(r, [])], chunks=1)
    r = rng_for('repeat')
    fam.case('repeat', '2d', [fl(r, [2, 3])], reps=[2, 2])
    fam.case('repeat', 'more_dims', [fl(r, [2, 3])], reps=[2, 1, 3])
    fam.case('repeat', '0d', [fl(r, [])], reps=[3])
    fam.case('repeat', 'zero', [fl(r, [2, 3])], reps=[0, 2])
    fam.case('repeat', 'noncontig', [fl(r, [3, 2], view=[['transpose', 0, 1]])], reps=[1, 2])
    fam.case('repeat', 'int64', [it(r, [3])], reps=[2])
    fam.case('repeat', 'empty', [fl(r, [0, 2])], reps=[2, 2])
    fam.error('repeat', 'too_few_reps', [fl(r, [2, 3])], reps=[2])
    r = rng_for('pad')
    fam.case('pad', 'constant_last_dim', [fl(r, [2, 3])], pads=[1, 2])
    fam.case('pad', 'constant_2d_value', [fl(r, [2, 3])], pads=[1, 1, 2, 0], value=2.5)
    fam.case('pad', 'constant_negative_crops', [fl(r, [3, 5])], pads=[-1, 2, 0, -1])
    fam.case('pad', 'constant_int64', [it(r, [2, 2])], pads=[0, 1, 1, 0], value=7)
    fam.case('pad', 'constant_noncontig', [fl(r, [3, 2], view=[['transpose', 0, 1]])], pads=[1, 1])
    fam.case('pad', 'constant_empty', [fl(r, [0, 2])], pads=[1, 1])
    fam.case('pad', 'reflect_1d', [fl(r, [2, 5])], pads=[2, 1], mode='reflect')
    fam.case('pad', 'reflect_2d', [fl(r, [1, 3, 4])], pads=[1, 2, 2, 1], mode='reflect')
    fam.case('pad', 'reflect_3d_input', [fl(r, [2, 3, 4])], pads=[3, 0], mode='reflect')
    fam.error('pad', '0d_rejected', [fl(r, [])], pads=[1, 1])
    fam.error('pad', 'reflect_too_wide', [fl(r, [1, 3])], pads=[3, 0], mode='reflect')


# ---------------------------------------------------------------- main


def native_ops():
    text = (ROOT / 'native' / 'ops.def').read_text()
    return re.findall(r'^MYELIN_(?:UNARY|BINARY|OP)\((\w+)', text, re.M)


def main():
    fams = {name: Family(name) for name in FAMILIES}
    gen_unary(fams['unary'])
    gen_binary(fams['binary'])
    gen_view(fams['view'])
    gen_creation(fams['creation'])
    gen_reduce(fams['reduce'])
    gen_linalg(fams['linalg'])
    gen_index(fams['index'])

    covered = {c['op'] for f in fams.values() for c in f.cases}
    # the fused optimizer steps get their cases from scripts/gen_optim_fixtures.py (optim.json),
    # the conv family from scripts/gen_conv_fixtures.py (conv.json)
    # (and conv2d_backward / batch_norm / batch_norm_backward are checked through nn.json and grad.json)
    conv = {'conv2d', 'conv_transpose2d', 'conv2d_weight_grad', 'max_pool2d', 'adaptive_max_pool2d',
            'conv2d_backward', 'batch_norm', 'batch_norm_backward', 'layer_norm', 'layer_norm_backward',
            # the recurrent cells from scripts/gen_rnn_cell_fixtures.py (conv.json)
            'lstm_cell', 'lstm_cell_backward', 'gru_cell', 'gru_cell_backward',
            # the whole-layer scans from scripts/gen_rnn_scan_fixtures.py (conv.json)
            'lstm_scan', 'lstm_scan_backward', 'gru_scan', 'gru_scan_backward',
            # fused attention from scripts/gen_attention_fixtures.py (conv.json)
            'sdpa_flash', 'sdpa_flash_backward',
            # GroupNorm from scripts/gen_conv_fixtures.py (conv.json)
            'group_norm', 'group_norm_backward'}
    missing = [op for op in native_ops() if op not in covered and not op.endswith('_step_') and op not in conv]
    if missing:
        sys.exit(f'gen_fixtures: no cases for native ops {missing}')

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, fam in fams.items():
        doc = {'family': name, 'generator': 'scripts/gen_fixtures.py', 'seed': SEED,
               'torch': torch.__version__.split('+')[0], 'cases': fam.cases}
        text = json.dumps(doc, separators=(',', ':'), allow_nan=False)
        # one case per line: diffs stay readable, the file stays compact
        text = text.replace(',{"op":', ',\n{"op":').replace('"cases":[{', '"cases":[\n{')
        (OUT_DIR / f'{name}.json').write_text(text + '\n')
        total += len(text)
        print(f'{name:9s} {len(fam.cases):5d} cases {len(text) / 1024:8.1f} KiB'
              + (f'  ({len(fam.skipped)} dtype variants torch rejects, skipped)' if fam.skipped else ''))
    print(f'total     {sum(len(f.cases) for f in fams.values()):5d} cases {total / 1024:8.1f} KiB')
    if '-v' in sys.argv:
        for fam in fams.values():
            for s in fam.skipped:
                print('  skipped', s)


if __name__ == '__main__':
    main()
