# Fixture: three training steps of the gan-mnist cgan recipe (DCGAN G/D, one-hot label conditioning, Adam 2e-4
# betas (0.5, 0.999), BCE with logits, one D step then one G step on the same fakes) at width 4, batch 6, float64,
# from given initial weights, batches and noise: the losses per step and the final weights, from PyTorch.
# Writes test/fixtures/cgan_step.safetensors (test/gen_cgan_step.test.ts replays it in myelin).
import torch
from safetensors.torch import save_file
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
w, K, N, Z, steps = 4, 10, 6, 8, 3
G = nn.Sequential(nn.ConvTranspose2d(Z + K, 4 * w, 7, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(),
                  nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),
                  nn.ConvTranspose2d(2 * w, 1, 4, 2, 1, bias=False), nn.Tanh()).double()
D = nn.Sequential(nn.Conv2d(1 + K, w, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w),
                  nn.LeakyReLU(0.2), nn.Conv2d(2 * w, 1, 7), nn.Flatten(0)).double()
for m in list(G.modules()) + list(D.modules()):  # the DCGAN init
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0, 0.02)
        if m.bias is not None: nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1, 0.02); nn.init.zeros_(m.bias)
out = {}
def put(prefix, m):
    for k, v in m.state_dict().items():
        out[f'{prefix}.net.{k}'] = v.detach().clone().contiguous()
put('init.G', G); put('init.D', D)
g = lambda z, y: G(torch.cat([z, F.one_hot(y, K).double()], 1)[:, :, None, None])
d = lambda x, y: D(torch.cat([x, F.one_hot(y, K).double()[:, :, None, None].expand(-1, -1, 28, 28)], 1))
optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
bce = F.binary_cross_entropy_with_logits
data, lossD, lossG = [], [], []
for s in range(steps):
    real = torch.rand(N, 1, 28, 28, dtype=torch.float64) * 2 - 1
    y = torch.randint(0, K, (N,))
    z = torch.randn(N, Z, dtype=torch.float64)
    out[f'step{s}.real'], out[f'step{s}.y'], out[f'step{s}.z'] = real, y, z
    fake = g(z, y)
    optD.zero_grad(); ld = bce(d(real, y), torch.ones(N, dtype=torch.float64)) + bce(d(fake.detach(), y), torch.zeros(N, dtype=torch.float64)); ld.backward(); optD.step()
    optG.zero_grad(); lg = bce(d(fake, y), torch.ones(N, dtype=torch.float64)); lg.backward(); optG.step()
    lossD.append(ld.item()); lossG.append(lg.item())
put('final.G', G); put('final.D', D)
out['lossD'], out['lossG'] = torch.tensor(lossD, dtype=torch.float64), torch.tensor(lossG, dtype=torch.float64)
save_file(out, 'test/fixtures/cgan_step.safetensors')
print('wrote test/fixtures/cgan_step.safetensors', lossD, lossG)
