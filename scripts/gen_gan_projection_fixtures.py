# Fixture for the projection discriminator (DCGANDiscriminator({ conditioning: 'projection' })): a PyTorch twin
# (DCGAN D body, logit = conv7(φ) + <embed(y), Σ_hw φ>, Miyato & Koyama 2018) at width 3, float64, train mode
# (batch-norm batch statistics): its state dict, the logits and the gradients to the image, the embedding and
# the first conv. Writes test/fixtures/gan_projection.json.
import json, torch
import torch.nn as nn

torch.manual_seed(0)
w, K, N = 3, 4, 5
body = nn.Sequential(nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w),
                     nn.LeakyReLU(0.2), nn.Conv2d(2 * w, 1, 7), nn.Flatten(0)).double()
embed = nn.Embedding(K, 2 * w).double()
with torch.no_grad():  # not the DCGAN init: values of order 1 so every term of the logit matters
    for p in list(body.parameters()) + list(embed.parameters()): p.copy_(torch.randn_like(p) * 0.3)
    body[3].weight.add_(1)
r = lambda t: [float(v) for v in t.detach().flatten().tolist()]
sd = {('net.' + k if not k.startswith('embed') else k): {'shape': list(v.shape), 'data': r(v)} for k, v in  # before the forward
      list(body.state_dict().items()) + [('embed.weight', embed.weight)] if not k.endswith('num_batches_tracked')}
x = (torch.rand(N, 1, 28, 28, dtype=torch.float64) * 2 - 1).requires_grad_()
y = torch.tensor([0, 3, 1, 3, 2])
f = body[:5](x)
logit = body[6](body[5](f)) + (embed(y) * f.sum((2, 3))).sum(1)
gout = torch.randn(N, dtype=torch.float64)
logit.backward(gout)
out = dict(width=w, numClasses=K, x=r(x), y=y.tolist(), stateDict=sd, logits=r(logit), gradOut=r(gout), gradX=r(x.grad),
           gradEmbed=r(embed.weight.grad), gradConv0=r(body[0].weight.grad), runningMean=r(body[3].running_mean))
json.dump(out, open('test/fixtures/gan_projection.json', 'w'))
print('wrote test/fixtures/gan_projection.json', len(json.dumps(out)))
