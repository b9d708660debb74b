# Fixtures for test/io_safetensors.test.ts, written by the reference implementation
# (huggingface safetensors + torch): every dtype, 0-d and empty tensors, metadata, and a small
# torch MLP's state dict with its output. Run: python3 scripts/gen_safetensors_fixtures.py
import json, os
import torch
from safetensors.torch import save_file

out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'safetensors')
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)

g = torch.arange(12, dtype=torch.float64).reshape(3, 4)
tensors = {
    'f64': torch.sin(g) * 1e3,
    'f32': torch.cos(g).float().reshape(4, 3) * 7,
    'f16': (torch.linspace(-70000, 70000, 10)).half(),   # ends overflow to +-inf, as torch rounds
    'bf16': torch.tensor([1e-38, -3.5, 1e38, 0.1, float('nan')]).bfloat16(),
    'i64': torch.tensor([-(2**62), 2**53 + 1, -1, 0, 7], dtype=torch.int64),
    'i32': torch.tensor([[-(2**31), 2**31 - 1], [5, -5]], dtype=torch.int32),
    'i8': torch.tensor([-128, 127, 0], dtype=torch.int8),
    'u8': torch.tensor([0, 255, 17], dtype=torch.uint8),
    'bool': torch.tensor([[True, False, True]]),
    'scalar': torch.tensor(2.5),
    'empty': torch.zeros(0, 3),
    'nested.layer.weight': torch.randn(2, 2),
}
meta = {'format': 'pt', 'epoch': '3', 'note': 'unicode ok: \u00e9\u00df'}
save_file(tensors, os.path.join(out, 'all_dtypes.safetensors'), metadata=meta)
# the writer orders __metadata__ by a hash map's order: byte equality is checked without it
save_file(tensors, os.path.join(out, 'all_dtypes_nometa.safetensors'))

def values(t):
    if t.dtype in (torch.float16, torch.bfloat16):
        return {'bits': t.view(torch.int16).to(torch.int32).bitwise_and(0xFFFF).flatten().tolist()}
    if t.dtype == torch.int64:
        return {'values': [str(v) for v in t.flatten().tolist()]}
    if t.dtype.is_floating_point:
        return {'values': [repr(v) for v in t.flatten().tolist()]}  # repr keeps inf/nan and every digit
    return {'values': [int(v) for v in t.flatten().tolist()]}

spec = {k: {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), **values(t)} for k, t in tensors.items()}

# A torch MLP's state dict, as a user brings it, and its output on a fixed input.
mlp = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3), torch.nn.BatchNorm1d(3))
with torch.no_grad():
    mlp[3].running_mean.copy_(torch.randn(3)); mlp[3].running_var.copy_(torch.rand(3) + 0.5)
mlp.eval()
x = torch.sin(torch.arange(20, dtype=torch.float32)).reshape(4, 5)
save_file(mlp.state_dict(), os.path.join(out, 'mlp.safetensors'))
with open(os.path.join(out, 'all_dtypes.json'), 'w') as f:
    json.dump({'metadata': meta, 'tensors': spec,
               'mlp': {'input': x.flatten().tolist(), 'output': mlp(x).detach().flatten().tolist(),
                       'keys': list(mlp.state_dict().keys())}}, f, indent=1)
print('wrote', out)
