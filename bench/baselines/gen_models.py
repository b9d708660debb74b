"""The PyTorch twins' generative models, shared by bench/baselines/gen_quality.py, dcgan.py and
scripts/gen_torch.py: the same architectures and init as ts/models/gen (vae-mnist dense, DCGAN G/D)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class VAE(nn.Module):
    """vae-mnist dense: PyTorch's examples/vae (784-400-20)."""
    def __init__(self):
        super().__init__()
        self.fc1, self.fc_mu, self.fc_logvar = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

    def forward(self, x):
        h = F.relu(self.fc1(x.view(-1, 784)))
        mu, logvar = self.fc_mu(h), self.fc_logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.decode(z), mu, logvar

    def decode(self, z):
        return self.fc4(F.relu(self.fc3(z))).view(-1, 1, 28, 28)


def vae_loss(logits, x, mu, logvar):
    """The summed BCE-with-logits plus the analytic Gaussian KL (the negative ELBO in nats)."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction='sum') - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def dcgan_init(m):
    """DCGAN's init: conv weights N(0, 0.02), batch-norm weights N(1, 0.02), biases 0."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0, 0.02)
        if m.bias is not None: nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1, 0.02); nn.init.zeros_(m.bias)


def dcgan(w, g_in=100, d_in=1):
    """DCGANGenerator / DCGANDiscriminator for 28x28 at width w (g_in: z plus label channels; d_in: the
    image plus label maps), initialized; the caller seeds torch first."""
    G = nn.Sequential(nn.ConvTranspose2d(g_in, 4 * w, 7, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(),
                      nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),
                      nn.ConvTranspose2d(2 * w, 1, 4, 2, 1, bias=False), nn.Tanh())
    D = nn.Sequential(nn.Conv2d(d_in, w, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w),
                      nn.LeakyReLU(0.2), nn.Conv2d(2 * w, 1, 7), nn.Flatten(0))
    G.apply(dcgan_init); D.apply(dcgan_init)
    return G, D


def batches(n, bs):
    """Shuffled index batches over n rows (one torch.randperm per epoch, as the recipes' shuffles)."""
    perm = torch.randperm(n)
    for s in range(0, n, bs):
        yield perm[s:s + bs]


def train_vae(xtr, epochs, on_epoch=lambda e: None):
    """vae-mnist dense: Adam 1e-3, batch 128, the summed negative ELBO; seeds torch with 0 first."""
    torch.manual_seed(0)
    vae = VAE()
    opt = torch.optim.Adam(vae.parameters(), lr=1e-3)
    for e in range(epochs):
        for i in batches(xtr.shape[0], 128):
            opt.zero_grad()
            logits, mu, logvar = vae(xtr[i]); loss = vae_loss(logits, xtr[i], mu, logvar); loss.backward(); opt.step()
        on_epoch(e)
    return vae
