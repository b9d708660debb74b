# Writes test/fixtures/dtypes.json from PyTorch (CPU): the type-promotion table
# (torch.result_type over every dtype pair and scalar kind), float16/bfloat16 casts (bits),
# integer casts, and ops computed in float16/bfloat16/int8/uint8.
# Run: PATH=/tmp/venv-c/bin:$PATH python scripts/gen_dtype_fixtures.py
import json, math
import numpy as np
import torch

torch.manual_seed(0)
rng = np.random.default_rng(0)
D = {'float32': torch.float32, 'float64': torch.float64, 'float16': torch.float16, 'bfloat16': torch.bfloat16,
     'int8': torch.int8, 'uint8': torch.uint8, 'int32': torch.int32, 'int64': torch.int64, 'bool': torch.bool}
NAME = {v: k for k, v in D.items()}
NAME[torch.int16] = 'int16'  # uint8 with int8; myelin gives int32 (documented)


def rt(a, b):
    return NAME[torch.result_type(a, b)]


names = list(D)
one = lambda d: torch.ones(2, dtype=D[d])
zero_d = lambda d: torch.ones((), dtype=D[d])
promotion = {
    'dtypes': names,
    # [i][j]: result_type of a dimensioned i with a dimensioned j, a 0-d j, ...
    'tensor_tensor': [[rt(one(a), one(b)) for b in names] for a in names],
    'tensor_zerodim': [[rt(one(a), zero_d(b)) for b in names] for a in names],
    'zerodim_zerodim': [[rt(zero_d(a), zero_d(b)) for b in names] for a in names],
    'tensor_int': [rt(one(a), 2) for a in names],
    'tensor_float': [rt(one(a), 2.5) for a in names],
    'tensor_bool': [rt(one(a), True) for a in names],
    'zerodim_float': [rt(zero_d(a), 2.5) for a in names],
}


def f32(x):
    return [float(v) for v in np.asarray(x, dtype=np.float64).ravel()]


def bits(t):
    return [int(v) for v in t.view(torch.int16).numpy().astype(np.uint16).ravel()]


special = [0.0, -0.0, 1.0, -1.0, 1.5, 2.5, 0.1, 1 / 3, 65504.0, 65519.0, 65520.0, 65536.0, 1e5, -1e5, 6e-8, 5.960464477539063e-08,
           2.9802322387695312e-08, 2.98023223876953125e-08 * 1.5, 3e-5, 6.1e-5, 1e-8, 1e-40, 3.3895314e38, 3.4e38, float('inf'),
           float('-inf'), 255.5, -128.7, 1.00048828125, 1.001953125, 1.0009765625]
# values across the exponent range of both formats, plus ties and subnormals
spread = (rng.standard_normal(400) * np.exp2(rng.integers(-30, 20, 400))).astype(np.float32)
ties = (np.arange(1, 200, dtype=np.float32) * np.float32(2 ** -11) + 1).astype(np.float32)  # half ulp steps near 1
vals32 = np.concatenate([np.array(special, dtype=np.float32), spread, ties])
x32 = torch.from_numpy(vals32)
x64 = torch.tensor([0.1, 1 / 3, 1.00048828125000001, 1 + 2 ** -11 + 2 ** -40, 65519.99, 2.0 ** -25 + 2.0 ** -50], dtype=torch.float64)
half_patterns = torch.from_numpy(np.concatenate([np.arange(0, 65536, 97), [0x7c00, 0xfc00, 0x7e00, 0x0001, 0x03ff, 0x0400, 0x7bff]]).astype(np.int32))
hp = half_patterns.to(torch.int16).view(torch.float16)
bp = half_patterns.to(torch.int16).view(torch.bfloat16)
casts = {
    'float32': f32(vals32),
    'float32_to_float16_bits': bits(x32.half()),
    'float32_to_bfloat16_bits': bits(x32.bfloat16()),
    'float64': [float(v) for v in x64],
    'float64_to_float16_bits': bits(x64.half()),
    'float64_to_bfloat16_bits': bits(x64.bfloat16()),
    'patterns': [int(v) for v in half_patterns],
    'float16_patterns_to_float32': hp.float().tolist(),
    'bfloat16_patterns_to_float32': bp.float().tolist(),
    # in-range float16 -> integer casts truncate toward zero
    'float16_in': [-128.0, -127.5, -1.5, -0.5, 0.0, 0.5, 1.5, 99.9, 127.0, 200.5, 255.0],
    'int_in': [-129, -128, -1, 0, 1, 127, 128, 255, 256, 300, 1000, -1000],
}
fi = torch.tensor(casts['float16_in'], dtype=torch.float16)
casts['float16_to_int32'] = fi.int().tolist()
casts['float16_in_int8_range_to_int8'] = fi[(fi >= -128) & (fi < 128)].to(torch.int8).tolist()
casts['float16_in_uint8_range_to_uint8'] = fi[(fi >= 0) & (fi < 256)].to(torch.uint8).tolist()
ii = torch.tensor(casts['int_in'], dtype=torch.int32)
casts['int32_to_int8'] = ii.to(torch.int8).tolist()  # wraps
casts['int32_to_uint8'] = ii.to(torch.uint8).tolist()  # wraps
casts['int32_to_float16_bits'] = bits(ii.half())
casts['uint8_to_bfloat16_bits'] = bits(torch.arange(0, 256, 5, dtype=torch.uint8).bfloat16())


def rnd(shape, dt, lo=-2.0, hi=2.0):
    return (torch.rand(shape, dtype=torch.float32) * (hi - lo) + lo).to(dt)


ops = []
for dname in ['float16', 'bfloat16']:
    dt = D[dname]
    x, y = rnd((4, 33), dt), rnd((4, 33), dt)
    p = rnd((4, 33), dt, 0.1, 5.0)
    a, b = rnd((8, 40), dt), rnd((40, 12), dt)
    m1, m2 = rnd((24, 40), dt), rnd((40, 24), dt)
    def case(op, args, out, **attrs):
        ops.append({'dtype': dname, 'op': op, 'inputs': [f32(t.float()) for t in args], 'shapes': [list(t.shape) for t in args],
                    'attrs': attrs, 'out': f32(out.float()), 'out_dtype': NAME[out.dtype], 'out_shape': list(out.shape)})
    case('add', [x, y], x + y)
    case('sub', [x, y], x - y)
    case('mul', [x, y], x * y)
    case('div', [x, p], x / p)
    case('add_scalar', [x], x + 0.1, scalar=0.1)
    case('mul_scalar', [x], x * 3.3, scalar=3.3)
    case('exp', [x], x.exp())
    case('log', [p], p.log())
    case('tanh', [x], x.tanh())
    case('sigmoid', [x], x.sigmoid())
    case('sqrt', [p], p.sqrt())
    case('relu', [x], x.relu())
    case('sum', [x], x.sum(), dim=None)
    case('sum_dim', [x], x.sum(1), dim=1)
    case('mean_dim', [x], x.mean(0), dim=0)
    case('amax_dim', [x], x.amax(1), dim=1)
    case('var_dim', [x], x.var(1), dim=1)
    case('cumsum', [x], x.cumsum(1), dim=1)
    case('softmax', [x], torch.softmax(x, 1), dim=1)
    case('log_softmax', [x], torch.log_softmax(x, 1), dim=1)
    case('matmul', [a, b], a @ b)
    case('matmul_24x40x24', [m1, m2], m1 @ m2)
    case('gt', [x, y], x > y)
    case('add_float32', [x, y.float()], x + y.float())
    # a product large enough for oneDNN's bf16 GEMM (>= 64^3), inputs from a formula both sides
    # compute exactly ((i * 37) % 101 - 50) / 32, so only the output is stored
    def gen(shape, mult):
        n = shape[0] * shape[1]
        return ((torch.arange(n) * mult % 101 - 50).float() / 32).reshape(shape).to(dt)
    ga, gb = gen((48, 128), 37), gen((128, 48), 53)
    ops.append({'dtype': dname, 'op': 'matmul_gen', 'inputs': [], 'shapes': [[48, 128], [128, 48]], 'attrs': {'mult': [37, 53]},
                'out': f32((ga @ gb).float()), 'out_dtype': dname, 'out_shape': [48, 48]})
    if dname == 'bfloat16':  # oneDNN's bf16 convolution (torch: mkldnn) where the CPU has AVX512-BF16
        cx, cw, cb = rnd((2, 3, 8, 8), dt), rnd((4, 3, 3, 3), dt), rnd((4,), dt)
        case('conv2d', [cx, cw, cb], torch.nn.functional.conv2d(cx, cw, cb, padding=1), padding=1)

# integer storage: uint8 arithmetic wraps, comparisons give bool
u1 = torch.tensor([250, 3, 128, 0, 255, 17], dtype=torch.uint8)
u2 = torch.tensor([10, 5, 128, 1, 255, 200], dtype=torch.uint8)
i1 = torch.tensor([100, -100, 127, -128, 5, -7], dtype=torch.int8)
i2 = torch.tensor([100, 100, 1, -1, -3, 2], dtype=torch.int8)
ints = {
    'u1': u1.tolist(), 'u2': u2.tolist(), 'i1': i1.tolist(), 'i2': i2.tolist(),
    'u_add': (u1 + u2).tolist(), 'u_sub': (u1 - u2).tolist(), 'u_mul': (u1 * u2).tolist(), 'u_add_300': (u1 + 300).tolist(),
    'u_lt': (u1 < u2).tolist(), 'u_sum': int(u1.sum()), 'u_sum_dtype': NAME[u1.sum().dtype],
    'i_add': (i1 + i2).tolist(), 'i_mul': (i1 * i2).tolist(), 'i_neg': (-i1).tolist(),
    'ui_add': (u1 + i1).tolist(),  # int16 in torch; the values fit int32 alike
    'u_div': [float(v) for v in (u1 / u2)], 'u_div_dtype': NAME[(u1 / u2).dtype],
    'u_float16_add': f32((u1 + torch.tensor(0.5, dtype=torch.float16).expand(6).clone()).float()),
}
out = {'promotion': promotion, 'casts': casts, 'ops': ops, 'ints': ints, 'torch': torch.__version__}


def plain(v):  # JSON has no inf/nan: "inf", "-inf", "nan" (the test's reviver reads them back)
    if isinstance(v, float) and not math.isfinite(v):
        return 'nan' if math.isnan(v) else ('inf' if v > 0 else '-inf')
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


with open('test/fixtures/dtypes.json', 'w') as f:
    json.dump(plain(out), f, separators=(',', ':'), allow_nan=False)
print('ops', len(ops), 'casts', len(casts['float32']))
