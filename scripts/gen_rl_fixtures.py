# RL fixtures (issue 21): gymnasium's CartPole-v1, MountainCar-v0, Acrobot-v1 and FrozenLake-v1
# stepped from set states with recorded action sequences, FrozenLake's transition table P,
# and GAE on random rollouts computed with numpy. Writes test/fixtures/rl.json.
# Run: /tmp/venv-c/bin/python scripts/gen_rl_fixtures.py
import json, math, os
import numpy as np
import gymnasium as gym


def f32(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def run(env_id, state, policy, max_steps, **kw):
    """gym.make (so TimeLimit is on), reset, then set the unwrapped state as a test does."""
    env = gym.make(env_id, **kw)
    env.reset(seed=0)
    env.unwrapped.state = np.array(state, dtype=np.float64)
    if hasattr(env.unwrapped, 'steps_beyond_terminated'):
        env.unwrapped.steps_beyond_terminated = None
    steps = []
    obs = None
    for t in range(max_steps):
        a = policy(t, obs)
        obs, r, term, trunc, _ = env.step(a)
        steps.append({'action': int(a), 'obs': f32(obs), 'reward': float(r), 'terminated': bool(term), 'truncated': bool(trunc)})
        if term or trunc:
            break
    return {'env': env_id, 'state': [float(v) for v in state], 'steps': steps}


rng = np.random.default_rng(21)
cases = []
# CartPole: random actions until the pole falls; a balancing controller until TimeLimit truncates at 500
for k in range(3):
    acts = rng.integers(0, 2, 600)
    st = rng.uniform(-0.05, 0.05, 4)
    cases.append(run('CartPole-v1', st, lambda t, o, acts=acts: acts[t], 600))
cases.append(run('CartPole-v1', [0.01, 0.0, 0.02, 0.0],
                 lambda t, o: 1 if o is None or (o[2] + 0.3 * o[3] + 0.01 * o[0] + 0.05 * o[1]) > 0 else 0, 600))
# MountainCar: random actions (TimeLimit at 200), and an energy-pumping controller that reaches the goal
for k in range(2):
    acts = rng.integers(0, 3, 300)
    cases.append(run('MountainCar-v0', [rng.uniform(-0.6, -0.4), 0.0], lambda t, o, acts=acts: acts[t], 300))
cases.append(run('MountainCar-v0', [-0.5, 0.0], lambda t, o: 2 if o is None or o[1] >= 0 else 0, 300))
cases.append(run('MountainCar-v0', [-1.19, -0.05], lambda t, o: 0, 5))  # hits the left wall: velocity reset to 0
# Acrobot: random torques (TimeLimit at 500), and a swing-up that pumps energy until it terminates
for k in range(1):
    acts = rng.integers(0, 3, 600)
    cases.append(run('Acrobot-v1', rng.uniform(-0.1, 0.1, 4), lambda t, o, acts=acts: acts[t], 600))
cases.append(run('Acrobot-v1', [0.05, -0.03, 0.0, 0.0],
                 lambda t, o: 1 if o is None else (2 if o[5] > 0 else 0), 600))

# FrozenLake: P for slippery and not; a deterministic trajectory to the goal and one into a hole
lake = {}
for slip in (True, False):
    env = gym.make('FrozenLake-v1', is_slippery=slip)
    P = env.unwrapped.P
    lake['slippery' if slip else 'deterministic'] = [[[[float(p), int(s2), float(r), bool(t)] for (p, s2, r, t) in P[s][a]]
                                                       for a in range(4)] for s in range(16)]


def lake_run(actions, start=0):
    env = gym.make('FrozenLake-v1', is_slippery=False)
    env.reset(seed=0)
    env.unwrapped.s = start
    out = []
    for a in actions:
        o, r, term, trunc, info = env.step(a)
        out.append({'action': a, 'obs': int(o), 'reward': float(r), 'terminated': bool(term), 'truncated': bool(trunc), 'prob': float(info['prob'])})
        if term or trunc:
            break
    return {'start': start, 'steps': out}


lake_runs = [lake_run([1, 1, 2, 2, 1, 2]), lake_run([2, 1]), lake_run([0] * 120)]

# GAE (the PPO paper's estimator as CleanRL writes it) on random rollouts with episode ends
gae = []
for k in range(3):
    T = 12
    r = rng.normal(size=T); v = rng.normal(size=T); done = (rng.random(T) < 0.2).astype(np.float64)
    last_v = float(rng.normal()); gamma, lam = 0.99, 0.95
    adv = np.zeros(T); last = 0.0
    for t in reversed(range(T)):
        nv = last_v if t == T - 1 else v[t + 1]
        nonterminal = 1.0 - done[t]
        delta = r[t] + gamma * nv * nonterminal - v[t]
        last = delta + gamma * lam * nonterminal * last
        adv[t] = last
    gae.append({'rewards': r.tolist(), 'values': v.tolist(), 'dones': done.tolist(), 'lastValue': last_v,
                'gamma': gamma, 'lambda': lam, 'advantages': adv.tolist(), 'returns': (adv + v).tolist()})

out = {'gymnasium': gym.__version__, 'cases': cases, 'frozenLakeP': lake, 'frozenLakeRuns': lake_runs, 'gae': gae}
path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'rl.json')
with open(path, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
for c in cases:
    last = c['steps'][-1]
    print(c['env'], len(c['steps']), 'terminated' if last['terminated'] else '', 'truncated' if last['truncated'] else '')
