"""The diffusion U-Net of ts/models/unet.ts in PyTorch, with the same parameter names: the fixture generator
(scripts/gen_diffusion_fixtures.py) and the benchmark twin (bench/baselines/ddpm.py) both use it."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


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
    def __init__(self, in_ch=1, ch=8, mults=(1, 2), attn=(1,), groups=4, classes=3, heads=1):
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
