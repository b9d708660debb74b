# DQN update fixtures (issue 21): the PyTorch twin's gradient step (bench/baselines/rl_cartpole.py,
# its lines copied below) from set weights over set replay batches: losses, pre-clip gradient norms and
# the final weights, with a target sync between updates. Writes test/fixtures/rl_dqn.json.
# Run: /tmp/venv-c/bin/python scripts/gen_rl_dqn_fixtures.py
import json, os
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp(i, h, o, act=nn.ReLU):  # as rl_cartpole.py
    return nn.Sequential(nn.Linear(i, h), act(), nn.Linear(h, h), act(), nn.Linear(h, o))


def flat(t):
    return [float(v) for v in t.detach().numpy().ravel()]


def case(seed, max_grad_norm, reward_scale, n_updates=8, batch=16, size=48, hidden=16, lr=2.3e-3, gamma=0.99, sync_after=(2, 5)):
    torch.manual_seed(seed); rng = np.random.default_rng(seed)
    q, qt = mlp(4, hidden, 2), mlp(4, hidden, 2)
    qt.load_state_dict(q.state_dict())
    init = {k: flat(v) for k, v in q.state_dict().items()}
    S = (rng.standard_normal((size, 4)) * [1, 1, 0.1, 1]).astype(np.float32)
    S2 = (S + rng.standard_normal((size, 4)) * 0.05).astype(np.float32)
    A = rng.integers(0, 2, size).astype(np.int64)
    R = np.where(rng.random(size) < 0.25, reward_scale, 1.0).astype(np.float32)  # large rewards: Huber's linear branch, clipping
    D = (rng.random(size) < 0.2).astype(np.float32)
    opt = torch.optim.Adam(q.parameters(), lr=lr)
    batches, losses, norms = [], [], []
    for k in range(n_updates):
        idx = rng.integers(0, size, batch)
        batches.append(idx.tolist())
        # --- rl_cartpole.py's update, verbatim ---
        s, a_, r_, s2, d = (torch.as_tensor(x[idx]) for x in (S, A, R, S2, D))
        with torch.no_grad():
            y = r_ + gamma * (1 - d) * qt(s2).max(1).values
        loss = F.smooth_l1_loss(q(s).gather(1, a_.unsqueeze(1)).squeeze(1), y)
        opt.zero_grad(); loss.backward()
        norms.append(float(nn.utils.clip_grad_norm_(q.parameters(), max_grad_norm))); opt.step()
        # ---
        losses.append(loss.item())
        if k in sync_after:
            qt.load_state_dict(q.state_dict())
    return {'seed': seed, 'hidden': hidden, 'lr': lr, 'gamma': gamma, 'maxGradNorm': max_grad_norm, 'batch': batch,
            'syncAfter': list(sync_after), 'init': init,
            'obs': flat(torch.as_tensor(S)), 'next': flat(torch.as_tensor(S2)), 'actions': A.tolist(),
            'rewards': R.tolist(), 'dones': D.tolist(), 'batches': batches, 'losses': losses, 'gradNorms': norms,
            'final': {k: flat(v) for k, v in q.state_dict().items()}}


out = {'torch': torch.__version__, 'cases': [case(0, 10.0, 1.0), case(1, 10.0, 30.0), case(2, 0.5, 5.0)]}
path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'rl_dqn.json')
with open(path, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
for c in out['cases']:
    print(c['seed'], 'losses', [round(x, 4) for x in c['losses']], 'norms', [round(x, 3) for x in c['gradNorms']])
