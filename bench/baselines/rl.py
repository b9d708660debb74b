"""PyTorch + gymnasium twins of bench/rl.js: CartPole env steps, a DQN greedy action, a DQN update
(batch 64, 4-256-256-2, Huber, clipped Adam) and the recipe's first 3,000 env steps + 1,024 updates
(rl_cartpole.py's DQN with rl-zoo's settings, no evaluation). One thread. Prints {name: {torch: ops_per_s}}."""
import json, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import gymnasium as gym
from timing import rate
import rl_cartpole

torch.set_num_threads(1)
only = [o[1:] if o.startswith("=") else o for o in sys.argv[1:]]
WINDOW = 3000
c = rl_cartpole.DQN

env = gym.make('CartPole-v1'); env.reset(seed=0); k = [0]


def env_step():
    k[0] += 1
    _, _, te, tr, _ = env.step(k[0] & 1)
    if te or tr:
        env.reset()


q, qt = rl_cartpole.mlp(4, 256, 2), rl_cartpole.mlp(4, 256, 2)
opt = torch.optim.Adam(q.parameters(), lr=c['lr'])
rng = np.random.default_rng(0)
S = np.random.randn(2000, 4).astype(np.float32); A = rng.integers(0, 2, 2000); R = np.ones(2000, np.float32)
S2 = np.random.randn(2000, 4).astype(np.float32); D = np.zeros(2000, np.float32)
obs = S[0]


def act():
    with torch.no_grad():
        return int(q(torch.as_tensor(obs).unsqueeze(0)).argmax(1).item())


def update():  # as rl_cartpole.dqn's inner loop
    idx = rng.integers(0, 2000, 64)
    s, a_, r_, s2, d = (torch.as_tensor(x[idx]) for x in (S, A, R, S2, D))
    with torch.no_grad():
        y = r_ + c['gamma'] * (1 - d) * qt(s2).max(1).values
    loss = F.smooth_l1_loss(q(s).gather(1, a_.unsqueeze(1)).squeeze(1), y)
    opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(q.parameters(), c['max_grad_norm']); opt.step()


def window():
    c['eval_every'] = 10 ** 9
    t = []
    for i in range(3):
        t0 = time.perf_counter(); rl_cartpole.dqn(0, WINDOW, None); t.append(time.perf_counter() - t0)
    return 1 / sorted(t)[1]


out = {}
for name, fn in [('cartpole env step', env_step), ('dqn greedy act (1 obs)', act), ('dqn update B64 H256', update)]:
    if not only or any(o in name for o in only):
        out[name] = {'torch': rate(fn)}
name = f'dqn cartpole {WINDOW} steps + 1024 updates'
if not only or any(o in name for o in only):
    out[name] = {'torch': window()}
json.dump(out, sys.stdout)
