# Fixtures for test/tune.test.ts, computed by optuna (the reference hyperparameter library):
# - the best value optuna's TPE and random samplers reach on standard benchmark functions
#   (sphere, Branin, a log-scaled quadratic with a categorical) in 50 trials, over 10 seeds;
# - which trials optuna's MedianPruner and SuccessiveHalvingPruner stop, on learning curves
#   that depend only on the trial's number (so the sampler plays no part).
import json, math, os
import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'tune.json')

def sphere(t):
    x = t.suggest_float('x', -5, 5); y = t.suggest_float('y', -5, 5)
    return x * x + y * y

def branin(t):
    x = t.suggest_float('x', -5, 10); y = t.suggest_float('y', 0, 15)
    a, b, c, r, s, tt = 1, 5.1 / (4 * math.pi ** 2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return a * (y - b * x * x + c * x - r) ** 2 + s * (1 - tt) * math.cos(x) + s  # minimum 0.397887

def logquad(t):
    lr = t.suggest_float('lr', 1e-5, 1, log=True)
    width = t.suggest_int('width', 16, 512, log=True)
    act = t.suggest_categorical('act', ['relu', 'tanh', 'sigmoid'])
    pen = {'relu': 0.0, 'tanh': 0.5, 'sigmoid': 1.0}[act]
    return (math.log10(lr) + 3) ** 2 + (math.log2(width) - 7) ** 2 / 4 + pen

FUNCS = {'sphere': sphere, 'branin': branin, 'logquad': logquad}
N_TRIALS, SEEDS = 50, range(10)

def bests(sampler_for):
    out = {}
    for name, f in FUNCS.items():
        vals = []
        for s in SEEDS:
            st = optuna.create_study(sampler=sampler_for(s))
            st.optimize(f, n_trials=N_TRIALS)
            vals.append(st.best_value)
        out[name] = vals
    return out

def curve(i, step):
    # trial i's value at step: a decaying curve whose floor depends on i (some trials are clearly worse)
    floor = ((i * 37) % 11) / 10
    return floor + 1.0 / (step + 1)

def pruned(pruner, n_trials=20, steps=9):
    st = optuna.create_study(pruner=pruner, sampler=optuna.samplers.RandomSampler(seed=0))
    out = []
    def obj(t):
        t.suggest_float('x', 0, 1)
        for step in range(steps):
            t.report(curve(t.number, step), step)
            if t.should_prune():
                out.append([t.number, step])
                raise optuna.TrialPruned()
        return curve(t.number, steps - 1)
    st.optimize(obj, n_trials=n_trials)
    return out

fx = {
    'nTrials': N_TRIALS,
    'tpe': bests(lambda s: optuna.samplers.TPESampler(seed=s)),
    'random': bests(lambda s: optuna.samplers.RandomSampler(seed=s)),
    'median': pruned(optuna.pruners.MedianPruner()),
    'medianWarmup': pruned(optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2)),
    'asha': pruned(optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)),
    'optuna': optuna.__version__,
}
with open(OUT, 'w') as fh:
    json.dump(fx, fh)
print({k: (sorted(v.items()) if isinstance(v, dict) else v) for k, v in fx.items() if k in ('median', 'asha', 'medianWarmup', 'optuna')})
for k in ('tpe', 'random'):
    for n, v in fx[k].items():
        print(k, n, 'median best', sorted(v)[len(v) // 2])
