# Fixtures for test/diffusion.test.ts:
# - DDPM's linear and improved DDPM's cosine schedules (betas, alphas, cumulative products, posterior
#   variances and mean coefficients), computed in numpy from the papers' formulas;
# - a small class-conditional U-Net built in torch with myelin's parameter names: its weights, an input, the
#   output and the gradients of the input and of every weight;
# - DDIM (eta 0), classifier-free-guided DDIM and guided DDIM with x0 clamped trajectories under a fixed linear "noise model", in numpy.
import json, math, os
import numpy as np
import torch
from safetensors.torch import save_file
from torch_unet import UNet

HERE = os.path.dirname(__file__)
FIX = os.path.join(HERE, '..', 'test', 'fixtures')
torch.manual_seed(0)

def schedule(kind, T):
    if kind == 'linear':
        b = np.linspace(1e-4, 0.02, T, dtype=np.float64)
    else:
        f = lambda t: math.cos((t / T + 0.008) / 1.008 * math.pi / 2) ** 2
        b = np.array([min(1 - f(i + 1) / f(i), 0.999) for i in range(T)])
    a = 1 - b
    ac = np.cumprod(a)
    acp = np.append(1.0, ac[:-1])
    pv = b * (1 - acp) / (1 - ac)
    return {
        'betas': b, 'alphas': a, 'alphasCumprod': ac, 'alphasCumprodPrev': acp,
        'sqrtAlphasCumprod': np.sqrt(ac), 'sqrtOneMinusAlphasCumprod': np.sqrt(1 - ac),
        'posteriorVariance': pv, 'posteriorLogVarianceClipped': np.log(np.append(pv[1], pv[1:])),
        'posteriorMeanCoef1': b * np.sqrt(acp) / (1 - ac), 'posteriorMeanCoef2': (1 - acp) * np.sqrt(a) / (1 - ac),
    }

IDX = [0, 1, 2, 9, 99, 500, 997, 998, 999]
sched = {k: {n: v[IDX].tolist() for n, v in schedule(k, 1000).items()} for k in ('linear', 'cosine')}

net = UNet(heads=2)
for p in net.parameters():  # torch's default init leaves the embedding N(0,1) and GroupNorm at 1/0: perturb for a real test
    with torch.no_grad(): p.add_(0.05 * torch.randn_like(p))
x = torch.randn(2, 1, 8, 8, requires_grad=True)
t = torch.tensor([3, 740]); y = torch.tensor([2, 3])
out = net(x, t, y)
(out * torch.linspace(-1, 1, out.numel()).reshape(out.shape)).sum().backward()
tensors = {f'w.{k}': v.detach().contiguous() for k, v in net.state_dict().items()}
tensors.update({f'g.{k}': p.grad.contiguous() for k, p in net.named_parameters()})
tensors.update({'x': x.detach(), 't': t, 'y': y, 'out': out.detach(), 'gx': x.grad})
save_file(tensors, os.path.join(FIX, 'diffusion_unet.safetensors'))

# DDIM under eps(x, t, y) = 0.1 x + 0.01 (y + 1) (y = 3 is the null class), T = 100, 10 steps, eta 0
T, K, W = 100, 10, 2.5
ac = schedule('linear', T)['alphasCumprod']
rng = np.random.default_rng(0)
xT = rng.standard_normal((2, 1, 2, 2))
labels = np.array([0, 2])
def ddim(x, guided, clip=False):
    ratio = T // K
    for i in reversed(range(K)):
        t = i * ratio
        a = ac[t]; ap = ac[t - ratio] if t - ratio >= 0 else 1.0
        ec = 0.1 * x + 0.01 * (labels[:, None, None, None] + 1)
        e = (0.1 * x + 0.01 * 4) + W * (ec - (0.1 * x + 0.01 * 4)) if guided else ec
        x0 = (x - math.sqrt(1 - a) * e) / math.sqrt(a)
        if clip:  # guided-diffusion's clip_denoised: clamp x0, then the eps that x_t and the clamped x0 imply
            x0 = np.clip(x0, -1, 1); e = (x - math.sqrt(a) * x0) / math.sqrt(1 - a)
        x = math.sqrt(ap) * x0 + math.sqrt(1 - ap) * e
    return x
json.dump({'schedule': sched, 'idx': IDX, 'ddim': {'T': T, 'steps': K, 'w': W, 'xT': xT.ravel().tolist(), 'labels': labels.tolist(),
    'plain': ddim(xT, False).ravel().tolist(), 'guided': ddim(xT, True).ravel().tolist(),
    'clipped': ddim(xT, True, True).ravel().tolist()}},
    open(os.path.join(FIX, 'diffusion.json'), 'w'))
print('out', out.flatten()[:4], 'gx', x.grad.flatten()[:4])
