# Fixtures for test/diffusion.test.ts:
# - DDPM's linear and improved DDPM's cosine schedules (betas, alphas, cumulative products, posterior
#   variances and mean coefficients), computed in numpy from the papers' formulas;
# - a small class-conditional U-Net built in torch with myelin's parameter names: its weights, an input, the
#   output and the gradients of the input and of every weight;
# - DDIM (eta 0) and classifier-free-guided DDIM trajectories under a fixed linear "noise model", in numpy.
import json, math, os
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

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

def temb(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / (half - 1))
    args = t.float()[:, None] * freqs[None]
    return torch.cat([args.sin(), args.cos()], 1)

class ResBlock(nn.Module):
    def __init__(self, i, o, td, g):
        super().__init__()
        self.norm1 = nn.GroupNorm(g, i); self.conv1 = nn.Conv2d(i, o, 3, padding=1); self.temb = nn.Linear(td, o)
        self.norm2 = nn.GroupNorm(g, o); self.dropout = nn.Dropout(0); self.conv2 = nn.Conv2d(o, o, 3, padding=1)
        self.skip = None if i == o else nn.Conv2d(i, o, 1)
    def forward(self, x, e):
        h = self.conv1(F.silu(self.norm1(x))) + self.temb(F.silu(e))[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return (x if self.skip is None else self.skip(x)) + h

class Attn(nn.Module):
    def __init__(self, c, g, heads):
        super().__init__()
        self.heads = heads; self.norm = nn.GroupNorm(g, c); self.qkv = nn.Conv2d(c, 3 * c, 1); self.proj = nn.Conv2d(c, c, 1)
    def forward(self, x):
        n, c, h, w = x.shape; d = c // self.heads
        qkv = self.qkv(self.norm(x)).reshape(n, 3, self.heads, d, h * w).permute(1, 0, 2, 4, 3)
        a = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        return x + self.proj(a.permute(0, 1, 3, 2).reshape(n, c, h, w))

class UNet(nn.Module):
    def __init__(self, in_ch=1, ch=8, mults=(1, 2), attn=(1,), groups=4, classes=3, heads=2):
        super().__init__()
        td = 4 * ch; self.ch = ch; self.levels = len(mults)
        self.timeMlp1 = nn.Linear(ch, td); self.timeMlp2 = nn.Linear(td, td)
        self.classEmb = nn.Embedding(classes + 1, td)
        self.inConv = nn.Conv2d(in_ch, ch, 3, padding=1)
        widths = [ch * m for m in mults]
        self.down, self.downAttn, self.downsample = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        prev = ch
        for i, w in enumerate(widths):
            self.down.append(ResBlock(prev, w, td, groups)); self.downAttn.append(Attn(w, groups, heads) if i in attn else nn.Identity())
            if i < len(widths) - 1: self.downsample.append(nn.Conv2d(w, w, 3, stride=2, padding=1))
            prev = w
        self.mid1 = ResBlock(prev, prev, td, groups); self.midAttn = Attn(prev, groups, heads); self.mid2 = ResBlock(prev, prev, td, groups)
        self.up, self.upAttn, self.upsample = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for i in reversed(range(len(widths))):
            self.up.append(ResBlock(prev + widths[i], widths[i], td, groups)); self.upAttn.append(Attn(widths[i], groups, heads) if i in attn else nn.Identity())
            if i > 0: self.upsample.append(nn.Conv2d(widths[i], widths[i], 3, padding=1))
            prev = widths[i]
        self.outNorm = nn.GroupNorm(groups, prev); self.outConv = nn.Conv2d(prev, in_ch, 3, padding=1)
    def forward(self, x, t, y):
        e = self.timeMlp2(F.silu(self.timeMlp1(temb(t, self.ch)))) + self.classEmb(y)
        h = self.inConv(x); skips = []
        for i in range(self.levels):
            h = self.downAttn[i](self.down[i](h, e)); skips.append(h)
            if i < self.levels - 1: h = self.downsample[i](h)
        h = self.mid2(self.midAttn(self.mid1(h, e)), e)
        for j in range(self.levels):
            h = self.upAttn[j](self.up[j](torch.cat([h, skips[self.levels - 1 - j]], 1), e))
            if j < self.levels - 1: h = self.upsample[j](F.interpolate(h, scale_factor=2, mode='nearest'))
        return self.outConv(F.silu(self.outNorm(h)))

net = UNet()
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
def ddim(x, guided):
    ratio = T // K
    for i in reversed(range(K)):
        t = i * ratio
        a = ac[t]; ap = ac[t - ratio] if t - ratio >= 0 else 1.0
        ec = 0.1 * x + 0.01 * (labels[:, None, None, None] + 1)
        e = (0.1 * x + 0.01 * 4) + W * (ec - (0.1 * x + 0.01 * 4)) if guided else ec
        x0 = (x - math.sqrt(1 - a) * e) / math.sqrt(a)
        x = math.sqrt(ap) * x0 + math.sqrt(1 - ap) * e
    return x
json.dump({'schedule': sched, 'idx': IDX, 'ddim': {'T': T, 'steps': K, 'w': W, 'xT': xT.ravel().tolist(), 'labels': labels.tolist(),
    'plain': ddim(xT, False).ravel().tolist(), 'guided': ddim(xT, True).ravel().tolist()}},
    open(os.path.join(FIX, 'diffusion.json'), 'w'))
print('out', out.flatten()[:4], 'gx', x.grad.flatten()[:4])
