"""Fixtures for test/io_torch.test.ts (io.loadTorch and `myelin inspect`), written by torch itself.
Writes test/fixtures/torch/: small .pt files (every dtype, 0-d, empty, transposed and
shared-storage tensors, nested containers, an optimizer state dict, pickle protocols 2/4/5),
a seeded torchvision ResNet-18 with few distinct weight values saved by torch.save and by
safetensors (each gzipped) with torch's logits, and malicious pickles in torch's zip layout.
Run: /tmp/venv-c/bin/python scripts/gen_torch_fixtures.py"""
import gzip, io, json, os, pickle, zipfile
import torch
torch.library.register_fake = lambda *a, **k: (lambda f: f)  # torchvision's import needs it on this torch build
import torchvision
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch')
os.makedirs(OUT, exist_ok=True)


def values(t):
    """A tensor's elements in row-major order as JSON: int64 as strings (beyond 2^53), bools as bools."""
    flat = t.detach().reshape(-1)
    if t.dtype in (torch.float16, torch.bfloat16):
        flat = flat.float()
    if t.dtype == torch.int64:
        return [str(v) for v in flat.tolist()]
    return flat.tolist()


def describe(obj):
    """The expected JS value: tensors as {dtype, shape, values}; containers as plain JSON."""
    if isinstance(obj, torch.Tensor):
        return {'__tensor__': True, 'dtype': str(obj.dtype).replace('torch.', ''), 'shape': list(obj.shape),
                'values': values(obj)}
    if isinstance(obj, dict):
        return {'__dict__': [[str(k), describe(v)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return [describe(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int):
        return {'__int__': str(obj)}
    if isinstance(obj, float):
        return obj
    if isinstance(obj, bytes):
        return {'__bytes__': list(obj)}
    raise TypeError(type(obj))


torch.manual_seed(0)
expected = {}

# ---- (a) small files
g = torch.Generator().manual_seed(1)
base = torch.randn(3, 4, generator=g)
dtypes = {
    'float32': base.clone(), 'float64': base.double() * 1e-3, 'float16': base.half(), 'bfloat16': base.bfloat16(),
    'int64': torch.tensor([0, -1, 2**40 + 3, -(2**62), 2**63 - 1, 7], dtype=torch.int64),
    'int32': torch.tensor([[1, -2**31], [2**31 - 1, 0]], dtype=torch.int32),
    'int8': torch.tensor([-128, -1, 0, 127], dtype=torch.int8),
    'uint8': torch.tensor([0, 1, 200, 255], dtype=torch.uint8),
    'bool': torch.tensor([[True, False, True], [False, False, True]]),
}
cases = {}
cases['dtypes'] = dtypes
big = torch.arange(24, dtype=torch.float32).reshape(4, 6)
cases['layouts'] = {
    'scalar': torch.tensor(3.5), 'scalar_int': torch.tensor(-9, dtype=torch.int64),
    'empty': torch.zeros(0, 3), 'empty1': torch.zeros(0),
    'transposed': big.t(),                 # strides (1, 6) over the same storage
    'sliced': big[1:3, ::2],               # offset 6, strides (6, 2)
    'whole': big,                          # shares the storage with the two above
    'expanded': torch.arange(3.).reshape(3, 1).expand(3, 4),  # stride 0
}
# a dict holding a state dict, an optimizer state dict and plain values (a training checkpoint)
torch.manual_seed(2)
net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
net(torch.randn(4, 3)).sum().backward()
opt.step()
cases['checkpoint'] = {
    'epoch': 7, 'loss': 0.125, 'name': 'resnet-ish', 'flags': [True, False, None], 'pair': (1, 2.5),
    'big': 2**70, 'neg': -5, 'unicode': 'é→✓', 'raw': b'\x00\x01\xff',
    'model': net.state_dict(), 'optimizer': opt.state_dict(), 'nested': {'a': {'b': [1, {'c': torch.ones(2)}]}},
}
for name, obj in cases.items():
    torch.save(obj, os.path.join(OUT, f'{name}.pt'))
    expected[name] = describe(obj)
# other pickle protocols (STACK_GLOBAL, FRAME, MEMOIZE, SHORT_BINUNICODE ...)
for proto in (4, 5):
    torch.save(cases['layouts'], os.path.join(OUT, f'layouts_p{proto}.pt'), pickle_protocol=proto)
# torch.save of a bare tensor and of a list
torch.save(base, os.path.join(OUT, 'tensor.pt'))
expected['tensor'] = describe(base)

# ---- (b) ResNet-18 with few distinct weight values (compresses well), in eval mode
torch.manual_seed(0)
model = torchvision.models.resnet18()
with torch.no_grad():
    for name, p in model.named_parameters():
        if p.ndim >= 2:  # conv and fc weights: ternary {-s, 0, s}, ~98% zeros, variance kept
            thr = p.abs().flatten().kthvalue(int(0.98 * p.numel())).values
            s = p.std() / (0.02 ** 0.5)
            p.copy_(torch.sign(p) * (p.abs() > thr) * s)
        else:       # BN scale/shift, fc bias: a few hundred values each, kept nontrivial
            p.copy_(torch.round((1.0 if name.endswith('weight') else 0.0) + 0.2 * torch.randn_like(p), decimals=2))
    # running statistics from a few training-mode passes, so eval-mode BN is exercised for real
    model.train()
    for i in range(3):
        model(torch.randn(4, 3, 64, 64))
model.eval()
x = torch.sin(torch.arange(2 * 3 * 64 * 64, dtype=torch.float32) * 0.01).reshape(2, 3, 64, 64)
with torch.no_grad():
    logits = model(x)
sd = model.state_dict()
buf = io.BytesIO()
torch.save(sd, buf)
def gz(name, data):  # mtime 0: the same weights give the same bytes on every run
    with open(os.path.join(OUT, name), 'wb') as raw, gzip.GzipFile(fileobj=raw, mode='wb', compresslevel=9, mtime=0) as f:
        f.write(data)


gz('resnet18.pt.gz', buf.getvalue())
save_file({k: v.contiguous() for k, v in sd.items()}, os.path.join(OUT, 'resnet18.safetensors'))
with open(os.path.join(OUT, 'resnet18.safetensors'), 'rb') as f:
    st = f.read()
os.remove(os.path.join(OUT, 'resnet18.safetensors'))
gz('resnet18.safetensors.gz', st)
expected['resnet18'] = {
    'input': 'sin(0.01 * arange(2*3*64*64)).reshape(2, 3, 64, 64)', 'logits_shape': list(logits.shape),
    'logits': logits.reshape(-1).tolist(), 'keys': list(sd.keys()),
    'num_params': sum(p.numel() for p in model.parameters()),
    'state_dict_numel': sum(v.numel() for v in sd.values()),
    'num_batches_tracked': int(sd['bn1.num_batches_tracked']),
}


# ---- malicious pickles in torch's zip layout (archive/data.pkl, byteorder, version)
def torch_zip(name, pkl, byteorder=b'little'):
    with zipfile.ZipFile(os.path.join(OUT, name), 'w', zipfile.ZIP_STORED) as z:
        z.writestr('archive/data.pkl', pkl)
        z.writestr('archive/byteorder', byteorder)
        z.writestr('archive/version', b'3\n')


MARK = '/tmp/myelin_pickle_marker'
G = lambda mod, name: b'c' + mod.encode() + b'\n' + name.encode() + b'\n'  # GLOBAL (protocol 0-2)
U = lambda s: b'X' + len(s.encode()).to_bytes(4, 'little') + s.encode()  # BINUNICODE
SU = lambda s: b'\x8c' + bytes([len(s)]) + s.encode()                      # SHORT_BINUNICODE (protocol 4)
evil = {
    # callable(args) through GLOBAL + REDUCE
    'os_system': b'\x80\x02' + G('os', 'system') + U(f'touch {MARK}_os_system') + b'\x85R.',
    'builtins_eval': b'\x80\x02' + G('builtins', 'eval') + U(f"open('{MARK}_eval','w')") + b'\x85R.',
    'subprocess_popen': b'\x80\x02' + G('subprocess', 'Popen') + b']' + U('touch') + b'a' + U(f'{MARK}_popen') + b'a\x85R.',
    '__builtin___getattr': b'\x80\x02' + G('__builtin__', 'getattr') + G('os', 'path') + U('exists') + b'\x86R.',
    # STACK_GLOBAL (protocol 4) of posix.system
    'posix_system_stack_global': b'\x80\x04' + SU('posix') + SU('system') + b'\x93' + U(f'touch {MARK}_posix') + b'\x85R.',
    # an allowed name with the wrong number of arguments
    'rebuild_wrong_arity': b'\x80\x02' + G('torch._utils', '_rebuild_tensor_v2') + b'K\x01\x85R.',
    # REDUCE on an allowed-looking name that is no callable torch rebuilds (torch.load would run it)
    'allowed_looking_reduce': b'\x80\x02' + G('torch', 'load') + U(f'{MARK}_torchload') + b'\x85R.',
    # INST / OBJ build instances of arbitrary classes
    'inst': b'(' + U(f'touch {MARK}_inst') + b'ios\nsystem\n.',
    'obj': b'\x80\x02(' + G('os', 'system') + U(f'touch {MARK}_obj') + b'o.',
    # BUILD on a rebuilt OrderedDict with a __setstate__-style state is fine; BUILD on a global is not
    'build_on_global': b'\x80\x02' + G('collections', 'OrderedDict') + b'}b.',
    # extension registry codes
    'ext1': b'\x80\x02\x82\x01)R.',
}
for name, pkl in evil.items():
    torch_zip(f'evil_{name}.pt', pkl)
torch_zip('big_endian.pt', pickle.dumps({'a': 1}, protocol=2), byteorder=b'big')
expected['evil'] = {'marker': MARK, 'names': {
    'os_system': 'os.system', 'builtins_eval': 'builtins.eval', 'subprocess_popen': 'subprocess.Popen',
    '__builtin___getattr': '__builtin__.getattr', 'posix_system_stack_global': 'posix.system',
    'rebuild_wrong_arity': 'torch._utils._rebuild_tensor_v2', 'allowed_looking_reduce': 'torch.load',
    'inst': 'os.system', 'obj': 'os.system', 'build_on_global': 'collections.OrderedDict', 'ext1': 'EXT1'}}

with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump({'generator': 'scripts/gen_torch_fixtures.py', 'torch': torch.__version__,
               'torchvision': torchvision.__version__, **expected}, f, separators=(',', ':'), allow_nan=False)
for n in sorted(os.listdir(OUT)):
    print(f'{os.path.getsize(os.path.join(OUT, n)):>10}  {n}')
