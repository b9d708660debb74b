"""Reference values for test/device.test.ts, computed by torch in float64.

A small network (Linear 4->3 without bias, BatchNorm1d(3), Tanh, Linear 3->2) is made in float32 with
weights exact in float32, then moved with Module.to(torch.float64): its float64 forward in
training mode, BatchNorm's running stats after it, the parameters after one Adam step
(optimizer made before the cast) on mean(y^2), and the forward after .float() in eval mode.
The inputs are not exact in float32, so a float32 computation misses the float64 numbers by
~1e-8 where float64 agrees to ~1e-16.
Writes test/fixtures/device.json.  Run: PATH=/tmp/venv-c/bin:$PATH python3 scripts/gen_device_fixtures.py
"""
import json, os
import torch

HERE = os.path.dirname(__file__)
torch.manual_seed(0)
# no bias before BatchNorm: its gradient is 0 up to rounding, which Adam would amplify
net = torch.nn.Sequential(torch.nn.Linear(4, 3, bias=False), torch.nn.BatchNorm1d(3), torch.nn.Tanh(), torch.nn.Linear(3, 2))
params = {}
with torch.no_grad():
    for k, (name, p) in enumerate(net.named_parameters()):
        vals = [(((i + 3 * k) * 7) % 16 - 7.5) / 16 for i in range(p.numel())]  # odd multiples of 1/32, none 0: exact in float32
        p.copy_(torch.tensor(vals).reshape(p.shape))
        params[name] = vals

x = [((i * 0.37) % 1.9) - 0.95 for i in range(5 * 4)]
opt = torch.optim.Adam(net.parameters(), lr=0.01)  # made before the cast, as the test does
net.to(torch.float64)
xt = torch.tensor(x, dtype=torch.float64).reshape(5, 4)
y = net(xt)
loss = y.pow(2).mean()
loss.backward()
opt.step()
after = {name: p.detach().reshape(-1).tolist() for name, p in net.named_parameters()}
bn = net[1]
running = {"running_mean": bn.running_mean.tolist(), "running_var": bn.running_var.tolist(),
           "num_batches_tracked": int(bn.num_batches_tracked)}
net.float().eval()
with torch.no_grad():
    y32 = net(xt.float())

out = {
    "params": params, "x": x, "x_shape": [5, 4],
    "y_float64": y.detach().reshape(-1).tolist(), "loss_float64": loss.item(),
    "running": running, "adam_lr": 0.01, "params_after_adam": after,
    "y_eval_float32": y32.reshape(-1).tolist(),
}
with open(os.path.join(HERE, "..", "test", "fixtures", "device.json"), "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print("wrote test/fixtures/device.json")
