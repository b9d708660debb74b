# Fixtures for the generative models (issue 19): torchvision's make_grid/save_image pixels, the
# VAE loss pieces (analytic Gaussian KL, Bernoulli ELBO) and the WGAN-GP gradient penalty, value
# and gradients, all from PyTorch. Writes test/fixtures/gen_models.json.
import json, torch
torch.library.register_fake = lambda *a, **k: (lambda f: f)
import torchvision.utils as vu
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
out = {}
r = lambda t: [float(v) for v in t.detach().double().flatten().tolist()]

def pixels(x, **kw):
    grid = vu.make_grid(x, **kw)
    nd = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(torch.uint8)  # save_image's conversion
    return list(nd.shape), nd.flatten().tolist()

grids = []
cases = [
    (torch.rand(5, 3, 4, 4), dict(nrow=2, padding=1)),
    (torch.rand(5, 1, 6, 5) * 3.5 - 1.5, dict(nrow=3, padding=2, normalize=True)),
    (torch.rand(7, 1, 3, 3) * 2 - 1, dict(nrow=4, padding=0, normalize=True, value_range=(-1, 1))),
    (torch.rand(3, 1, 5, 5), dict(nrow=8, padding=2, pad_value=1.0)),
    (torch.rand(4, 3, 2, 3) * 4, dict(nrow=2, padding=1, normalize=True, scale_each=True)),
]
for x, kw in cases:
    shape, px = pixels(x.clone(), **kw)
    grids.append(dict(x=r(x), shape=list(x.shape), kw={k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}, outShape=shape, pixels=px))
out['grids'] = grids

# VAE: KL(N(mu, exp(logvar)) || N(0, 1)) summed over latent dims, and the Bernoulli negative ELBO
B, Z, D = 4, 3, 10
mu = torch.randn(B, Z, dtype=torch.float64, requires_grad=True)
logvar = (torch.randn(B, Z, dtype=torch.float64) * 0.5).requires_grad_()
logits = torch.randn(B, D, dtype=torch.float64, requires_grad=True)
x = torch.rand(B, D, dtype=torch.float64)
kl_per = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
# cross-check with torch.distributions
q = torch.distributions.Normal(mu, (0.5 * logvar).exp()); p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
assert torch.allclose(torch.distributions.kl_divergence(q, p).sum(1), kl_per)
bce = F.binary_cross_entropy_with_logits(logits, x, reduction='sum')
loss = bce + kl_per.sum()
gmu, glv, glog = torch.autograd.grad(loss, [mu, logvar, logits])
out['vae'] = dict(B=B, Z=Z, D=D, mu=r(mu), logvar=r(logvar), logits=r(logits), x=r(x), klPerSample=r(kl_per),
                  klSum=kl_per.sum().item(), klMean=kl_per.mean().item(), bce=bce.item(), loss=loss.item(),
                  gradMu=r(gmu), gradLogvar=r(glv), gradLogits=r(glog))
# gaussian likelihood (sum of squared errors / 2 + KL) variant used by vaeLoss({ likelihood: 'gaussian' })
recon = torch.sigmoid(logits)
lg = 0.5 * F.mse_loss(recon, x, reduction='sum') + kl_per.sum()
g2 = torch.autograd.grad(lg, [logits])[0]
out['vae']['gaussLoss'] = lg.item(); out['vae']['gaussGradLogits'] = r(g2)

# WGAN-GP: a small critic with fixed weights, a fixed alpha
critic = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(4 * 4 * 4, 1)).double()
real = torch.rand(3, 1, 8, 8, dtype=torch.float64) * 2 - 1
fake = (torch.rand(3, 1, 8, 8, dtype=torch.float64) * 2 - 1).requires_grad_()
alpha = torch.rand(3, 1, 1, 1, dtype=torch.float64)
interp = (alpha * real + (1 - alpha) * fake).detach().requires_grad_()  # the usual recipe: interpolates are a leaf
def gp_of(interp):
    d = critic(interp)
    g = torch.autograd.grad(d, interp, grad_outputs=torch.ones_like(d), create_graph=True)[0]
    return ((g.view(g.shape[0], -1).norm(2, dim=1) - 1) ** 2).mean() * 10
gp = gp_of(interp)
grads = [g if g is not None else torch.zeros_like(p) for g, p in zip(torch.autograd.grad(gp, list(critic.parameters()), allow_unused=True), critic.parameters())]
# a second variant: gradient also flows to fake through the interpolates (not detached); the
# critic has tanh in place of LeakyReLU, whose input gradient would not depend on x (piecewise linear)
critic[1] = nn.Tanh()
interp2 = alpha * real + (1 - alpha) * fake
gp2 = gp_of(interp2)
gfake = torch.autograd.grad(gp2, fake)[0]
out['gp'] = dict(state={k: dict(shape=list(v.shape), data=r(v)) for k, v in critic.state_dict().items()},
                 real=r(real), fake=r(fake), alpha=r(alpha), gp=gp.item(), paramGrads=[r(g) for g in grads], gradFake=r(gfake), gp2=gp2.item())
# Fréchet distance on two feature sets, tr sqrt(S1 S2) from the (complex) eigenvalues of the
# non-symmetric product, a different route from frechetDistance's symmetric one
fa = torch.randn(60, 6, dtype=torch.float64) @ torch.randn(6, 6, dtype=torch.float64)
fb = torch.randn(45, 6, dtype=torch.float64) @ torch.randn(6, 6, dtype=torch.float64) + 0.5
c1, c2 = torch.cov(fa.T), torch.cov(fb.T)
tr = torch.linalg.eigvals(c1 @ c2).sqrt().real.sum()
fid = ((fa.mean(0) - fb.mean(0)) ** 2).sum() + c1.trace() + c2.trace() - 2 * tr
out['fid'] = dict(a=r(fa), b=r(fb), na=60, nb=45, f=6, fid=fid.item())
json.dump(out, open('test/fixtures/gen_models.json', 'w'))
print('gp', gp.item(), 'loss', loss.item())
