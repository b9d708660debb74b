"""PyTorch twins of myelin's CartPole recipes (ts/rl/recipes.ts) on gymnasium's CartPole-v1, with
the same hyperparameters (rl-zoo's tuned CartPole settings) and the same "solved" test: every
`eval_every` env steps the greedy policy plays 100 episodes; solved when their mean return >= 475.
Usage: python rl_cartpole.py dqn|ppo [--seed N] [--steps N] [--out DIR]
Prints one JSON line {algo, seed, solvedAt, steps, seconds, updates}; DIR gets curve.csv."""
import argparse, json, os, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import gymnasium as gym

DQN = dict(total=50_000, lr=2.3e-3, batch=64, buffer=100_000, learning_starts=1000, gamma=0.99,
           target_update=10, train_freq=256, gradient_steps=128, eps_fraction=0.16, eps_final=0.04,
           hidden=256, max_grad_norm=10.0, eval_every=2000)
PPO = dict(total=100_000, n_envs=8, n_steps=32, batch=256, epochs=20, gamma=0.98, lam=0.8, lr=1e-3, clip=0.2,
           ent_coef=0.0, vf_coef=0.5, max_grad_norm=0.5, hidden=64, eval_every=2048)


def evaluate(act, n=100, seed=10_000):
    """Greedy returns of n episodes, stepped together (one batched forward per step)."""
    envs = [gym.make('CartPole-v1') for _ in range(n)]
    obs = np.stack([e.reset(seed=seed + i)[0] for i, e in enumerate(envs)])
    ret = np.zeros(n); live = np.ones(n, bool)
    while live.any():
        with torch.no_grad():
            a = act(torch.as_tensor(obs, dtype=torch.float32)).numpy()
        for i in np.flatnonzero(live):
            o, r, te, tr, _ = envs[i].step(int(a[i]))
            obs[i] = o; ret[i] += r
            if te or tr:
                live[i] = False
    return ret


def mlp(i, h, o, act=nn.ReLU):
    return nn.Sequential(nn.Linear(i, h), act(), nn.Linear(h, h), act(), nn.Linear(h, o))


def dqn(seed, total, out):
    c = DQN; torch.manual_seed(seed); rng = np.random.default_rng(seed)
    env = gym.make('CartPole-v1')
    q, qt = mlp(4, c['hidden'], 2), mlp(4, c['hidden'], 2)
    qt.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=c['lr'])
    N = c['buffer']; S = np.zeros((N, 4), np.float32); A = np.zeros(N, np.int64); R = np.zeros(N, np.float32)
    S2 = np.zeros((N, 4), np.float32); D = np.zeros(N, np.float32); pos = size = 0
    obs, _ = env.reset(seed=seed); ep_ret = 0.0; curve = []; updates = 0; solved = None
    t0 = time.perf_counter()
    for t in range(1, total + 1):
        eps = max(c['eps_final'], 1 - (1 - c['eps_final']) * (t - 1) / (c['eps_fraction'] * total))
        if rng.random() < eps:
            a = int(rng.integers(2))
        else:
            with torch.no_grad():
                a = int(q(torch.as_tensor(obs).unsqueeze(0)).argmax(1).item())
        o2, r, te, tr, _ = env.step(a)
        S[pos], A[pos], R[pos], S2[pos], D[pos] = obs, a, r, o2, float(te)  # a timeout bootstraps
        pos = (pos + 1) % N; size = min(size + 1, N)
        obs = o2; ep_ret += r
        if te or tr:
            curve.append((t, 'episode', ep_ret)); obs, _ = env.reset(); ep_ret = 0.0
        if t % c['target_update'] == 0:
            qt.load_state_dict(q.state_dict())
        if t > c['learning_starts'] and t % c['train_freq'] == 0:
            for _ in range(c['gradient_steps']):
                idx = rng.integers(0, size, c['batch'])
                s, a_, r_, s2, d = (torch.as_tensor(x[idx]) for x in (S, A, R, S2, D))
                with torch.no_grad():
                    y = r_ + c['gamma'] * (1 - d) * qt(s2).max(1).values
                loss = F.smooth_l1_loss(q(s).gather(1, a_.unsqueeze(1)).squeeze(1), y)
                opt.zero_grad(); loss.backward()
                nn.utils.clip_grad_norm_(q.parameters(), c['max_grad_norm']); opt.step(); updates += 1
        if t % c['eval_every'] == 0:
            m = evaluate(lambda x: q(x).argmax(1)).mean(); curve.append((t, 'eval', m))
            if m >= 475 and solved is None:
                solved = t; break
    return dict(algo='dqn', seed=seed, solvedAt=solved, steps=t, updates=updates, seconds=time.perf_counter() - t0), curve


class ActorCritic(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.pi, self.v = mlp(4, h, 2, nn.Tanh), mlp(4, h, 1, nn.Tanh)
        for net, gain in ((self.pi, 0.01), (self.v, 1.0)):  # SB3's orthogonal init
            for i, m in enumerate(l for l in net if isinstance(l, nn.Linear)):
                nn.init.orthogonal_(m.weight, gain if i == 2 else np.sqrt(2)); nn.init.zeros_(m.bias)


def ppo(seed, total, out):
    c = PPO; torch.manual_seed(seed)
    E, T = c['n_envs'], c['n_steps']
    envs = [gym.make('CartPole-v1') for _ in range(E)]
    obs = np.stack([e.reset(seed=seed * 100 + i)[0] for i, e in enumerate(envs)])
    net = ActorCritic(c['hidden']); opt = torch.optim.Adam(net.parameters(), lr=c['lr'], eps=1e-5)
    ep_ret = np.zeros(E); curve = []; t = 0; updates = 0; solved = None; next_eval = c['eval_every']
    n_iter = total // (E * T); t0 = time.perf_counter()
    for it in range(n_iter):
        frac = 1 - it / n_iter; lr = c['lr'] * frac; clip = c['clip'] * frac  # linear schedules, as rl-zoo's
        for g in opt.param_groups: g['lr'] = lr
        bs, ba, blp, br, bd, bv = (np.zeros((T, E), np.float32) for _ in range(6)); bs = np.zeros((T, E, 4), np.float32)
        for k in range(T):
            with torch.no_grad():
                x = torch.as_tensor(obs); logits = net.pi(x); v = net.v(x).squeeze(1)
                dist = torch.distributions.Categorical(logits=logits); a = dist.sample(); lp = dist.log_prob(a)
            bs[k], ba[k], blp[k], bv[k] = obs, a.numpy(), lp.numpy(), v.numpy()
            for i, e in enumerate(envs):
                o, r, te, tr, _ = e.step(int(a[i])); ep_ret[i] += r
                if tr and not te:  # a timeout: bootstrap from the value of the final observation
                    with torch.no_grad():
                        r += c['gamma'] * net.v(torch.as_tensor(o).unsqueeze(0)).item()
                br[k, i], bd[k, i] = r, float(te or tr)
                if te or tr:
                    curve.append((t + k * E + i + 1, 'episode', ep_ret[i])); ep_ret[i] = 0; o, _ = e.reset()
                obs[i] = o
        t += E * T
        with torch.no_grad():
            last_v = net.v(torch.as_tensor(obs)).squeeze(1).numpy()
        adv = np.zeros((T, E), np.float32); last = 0
        for k in reversed(range(T)):
            nv = last_v if k == T - 1 else bv[k + 1]
            nonterm = 1 - bd[k]
            delta = br[k] + c['gamma'] * nv * nonterm - bv[k]
            last = delta + c['gamma'] * c['lam'] * nonterm * last; adv[k] = last
        ret = adv + bv
        S, A, LP, ADV, RET = (torch.as_tensor(x.reshape((T * E,) + x.shape[2:])) for x in (bs, ba, blp, adv, ret))
        A = A.long()
        for _ in range(c['epochs']):
            perm = torch.randperm(T * E)
            for s in range(0, T * E, c['batch']):
                mb = perm[s:s + c['batch']]
                logits = net.pi(S[mb]); dist = torch.distributions.Categorical(logits=logits)
                ratio = (dist.log_prob(A[mb]) - LP[mb]).exp()
                adv_mb = ADV[mb]; adv_mb = (adv_mb - adv_mb.mean()) / (adv_mb.std() + 1e-8)
                pg = -torch.min(adv_mb * ratio, adv_mb * ratio.clamp(1 - clip, 1 + clip)).mean()
                vl = F.mse_loss(net.v(S[mb]).squeeze(1), RET[mb])
                loss = pg + c['vf_coef'] * vl - c['ent_coef'] * dist.entropy().mean()
                opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(net.parameters(), c['max_grad_norm']); opt.step(); updates += 1
        if t >= next_eval:
            next_eval += c['eval_every']
            m = evaluate(lambda x: net.pi(x).argmax(1)).mean(); curve.append((t, 'eval', m))
            if m >= 475:
                solved = t; break
    return dict(algo='ppo', seed=seed, solvedAt=solved, steps=t, updates=updates, seconds=time.perf_counter() - t0), curve


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('algo', choices=['dqn', 'ppo']); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--steps', type=int); p.add_argument('--out'); p.add_argument('--threads', type=int, default=1)
    a = p.parse_args(); torch.set_num_threads(a.threads)
    fn, cfg = (dqn, DQN) if a.algo == 'dqn' else (ppo, PPO)
    res, curve = fn(a.seed, a.steps or cfg['total'], a.out)
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, 'curve.csv'), 'w') as f:
            f.write('step,kind,return\n' + ''.join(f'{s},{k},{v}\n' for s, k, v in curve))
    print(json.dumps(res))
