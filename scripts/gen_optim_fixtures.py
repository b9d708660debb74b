"""Reference values for myelin's optimizers, computed by torch.optim.

Writes two files:
  test/fixtures/optim.json        op-table cases (test/helpers.ts format) for the fused
                                  native steps adam_step_ and sgd_step_: one torch step
                                  from a given state.
  test/fixtures/optim_steps.json  whole optimizers: params after each of 5 steps with
                                  fixed per-step gradients, per configuration.
Run: python3 scripts/gen_optim_fixtures.py
"""
import json, os
import torch

g = torch.Generator().manual_seed(7)
HERE = os.path.dirname(__file__)

def spec(x, sample=1):
    out = {"dtype": str(x.dtype).replace("torch.", ""), "shape": list(x.shape), "data": x.reshape(-1)[::sample].tolist()}
    if sample > 1: out["sample"] = sample
    return out

def gen(shape, mult, mod, lo, hi, dtype):
    """The deterministic inputs test/helpers.ts rebuilds from [mult, mod, lo, hi] (same float64 ops)."""
    n = int(torch.tensor(shape).prod()) if shape else 1
    vals = [lo + (hi - lo) * (((i * mult) % mod) / mod) for i in range(n)]
    return torch.tensor(vals, dtype=torch.float64).to(dtype).reshape(shape), {"dtype": str(dtype).replace("torch.", ""), "shape": list(shape), "gen": [mult, mod, lo, hi]}

def torch_step(cls, hyper, p0, grad, state):
    p = torch.nn.Parameter(p0.clone())
    opt = cls([p], **hyper)
    if state:
        opt.state[p] = {k: (v.clone() if torch.is_tensor(v) else v) for k, v in state.items()}
    p.grad = grad.clone()
    opt.step()
    return p.detach(), opt.state[p]

cases = []
def adam_case(name, shape, step, hyper, amsgrad=False, decoupled=False, dtype=torch.float32, big=False):
    p, gr = torch.randn(shape, generator=g, dtype=dtype), torch.randn(shape, generator=g, dtype=dtype)
    m, v = torch.randn(shape, generator=g, dtype=dtype) * 0.1, torch.rand(shape, generator=g, dtype=dtype) * 0.01
    if big:  # large inputs travel as generator formulas, outputs as every 97th element
        (p, sp), (gr, sg), (m, sm), (v, sv) = (gen(shape, 7919, 10007, -1, 1, dtype), gen(shape, 104729, 10009, -2, 2, dtype),
                                               gen(shape, 3571, 9973, -0.1, 0.1, dtype), gen(shape, 1223, 10039, 0, 0.01, dtype))
    vmax = v + torch.rand(shape, generator=g, dtype=dtype) * 0.01 * (torch.rand(shape, generator=g) > 0.5)
    st = {"step": torch.tensor(float(step - 1)), "exp_avg": m, "exp_avg_sq": v}
    if amsgrad: st["max_exp_avg_sq"] = vmax
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    th = {"lr": hyper["lr"], "betas": (hyper["beta1"], hyper["beta2"]), "eps": hyper["eps"], "weight_decay": hyper["weightDecay"],
          "amsgrad": amsgrad, "maximize": hyper.get("maximize", False)}
    p1, s1 = torch_step(cls, th, p, gr, st if step > 1 else st)
    ins = [sp, sg, sm, sv] if big else [spec(p), spec(gr), spec(m), spec(v)] + ([spec(vmax)] if amsgrad else [])
    k = 97 if big else 1
    outs = [spec(p1, k), spec(s1["exp_avg"], k), spec(s1["exp_avg_sq"], k)] + ([spec(s1["max_exp_avg_sq"])] if amsgrad else [])
    cases.append({"op": "adam_step_", "name": name, "in": ins, "args": {**hyper, "step": step, "decoupled": decoupled}, "out": outs})

base = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weightDecay": 0.0}
adam_case("first_step", [4, 5], 1, base)
adam_case("step_7", [3, 8], 7, {**base, "lr": 0.01})
adam_case("weight_decay", [6], 3, {**base, "weightDecay": 0.1})
adam_case("adamw", [2, 3, 2], 4, {**base, "weightDecay": 0.05}, decoupled=True)
adam_case("amsgrad", [10], 5, {**base, "lr": 0.02}, amsgrad=True)
adam_case("maximize_betas", [5], 2, {**base, "beta1": 0.5, "beta2": 0.9, "maximize": True})
adam_case("float64", [4], 3, {**base, "lr": 0.1}, dtype=torch.float64)
adam_case("0d", [], 2, base)
adam_case("empty", [0, 3], 1, base)
adam_case("long", [40000], 2, base, big=True)  # crosses the parallel grain

def sgd_case(name, shape, hyper, first=True, dtype=torch.float32):
    p, gr = torch.randn(shape, generator=g, dtype=dtype), torch.randn(shape, generator=g, dtype=dtype)
    buf = torch.randn(shape, generator=g, dtype=dtype)
    mom = hyper.get("momentum", 0)
    st = {"momentum_buffer": buf} if mom and not first else None
    th = {"lr": hyper["lr"], "momentum": mom, "dampening": hyper.get("dampening", 0), "weight_decay": hyper.get("weightDecay", 0),
          "nesterov": hyper.get("nesterov", False), "maximize": hyper.get("maximize", False)}
    p1, s1 = torch_step(torch.optim.SGD, th, p, gr, st)
    ins = [spec(p), spec(gr)] + ([spec(buf)] if mom else [])
    outs = [spec(p1)] + ([spec(s1["momentum_buffer"])] if mom else [])
    cases.append({"op": "sgd_step_", "name": name, "in": ins, "args": {**hyper, "first": first}, "out": outs})

sgd_case("plain", [3, 4], {"lr": 0.1})
sgd_case("momentum_first", [6], {"lr": 0.1, "momentum": 0.9}, first=True)
sgd_case("momentum_dampening", [2, 5], {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}, first=False)
sgd_case("nesterov_weight_decay", [7], {"lr": 0.1, "momentum": 0.8, "nesterov": True, "weightDecay": 0.01}, first=False)
sgd_case("maximize", [4], {"lr": 0.2, "maximize": True, "weightDecay": 0.1})
sgd_case("float64", [5], {"lr": 0.3, "momentum": 0.5}, first=False, dtype=torch.float64)
sgd_case("0d", [], {"lr": 0.1, "momentum": 0.9}, first=False)
sgd_case("empty", [0], {"lr": 0.1})

def rms_case(name, shape, hyper, centered=False, dtype=torch.float32):
    p, gr = torch.randn(shape, generator=g, dtype=dtype), torch.randn(shape, generator=g, dtype=dtype)
    sq = torch.rand(shape, generator=g, dtype=dtype) * 0.1 + 0.05
    ga = torch.randn(shape, generator=g, dtype=dtype) * 0.05
    buf = torch.randn(shape, generator=g, dtype=dtype) * 0.1
    mom = hyper.get("momentum", 0)
    st = {"step": torch.tensor(3.0), "square_avg": sq}
    if mom: st["momentum_buffer"] = buf
    if centered: st["grad_avg"] = ga
    th = {"lr": hyper["lr"], "alpha": hyper["alpha"], "eps": hyper["eps"], "weight_decay": hyper.get("weightDecay", 0),
          "momentum": mom, "centered": centered, "maximize": hyper.get("maximize", False)}
    p1, s1 = torch_step(torch.optim.RMSprop, th, p, gr, st)
    ins = [spec(p), spec(gr), spec(sq)] + ([spec(ga)] if centered else []) + ([spec(buf)] if mom else [])
    outs = [spec(p1), spec(s1["square_avg"])] + ([spec(s1["grad_avg"])] if centered else []) + ([spec(s1["momentum_buffer"])] if mom else [])
    cases.append({"op": "rmsprop_step_", "name": name, "in": ins, "args": {**hyper, "centered": centered}, "out": outs})

rb = {"lr": 0.01, "alpha": 0.99, "eps": 1e-8}
rms_case("plain", [3, 4], rb)
rms_case("centered_momentum", [6], {**rb, "momentum": 0.9, "weightDecay": 0.05}, centered=True)
rms_case("centered_low_alpha", [5], {**rb, "alpha": 0.3}, centered=True)  # lerp's other branch
rms_case("maximize_float64", [4], {**rb, "maximize": True, "momentum": 0.5}, dtype=torch.float64)
rms_case("0d", [], rb)
rms_case("empty", [0, 2], rb)

def ada_case(name, shape, step, hyper, dtype=torch.float32):
    p, gr = torch.randn(shape, generator=g, dtype=dtype), torch.randn(shape, generator=g, dtype=dtype)
    sm = torch.rand(shape, generator=g, dtype=dtype) + 0.1
    th = {"lr": hyper["lr"], "lr_decay": hyper.get("lrDecay", 0), "eps": hyper["eps"], "weight_decay": hyper.get("weightDecay", 0),
          "maximize": hyper.get("maximize", False)}
    p1, s1 = torch_step(torch.optim.Adagrad, th, p, gr, {"step": torch.tensor(float(step - 1)), "sum": sm})
    cases.append({"op": "adagrad_step_", "name": name, "in": [spec(p), spec(gr), spec(sm)], "args": {**hyper, "step": step},
                  "out": [spec(p1), spec(s1["sum"])]})

ab = {"lr": 0.1, "eps": 1e-10}
ada_case("plain", [3, 4], 1, ab)
ada_case("lr_decay_weight_decay", [7], 5, {**ab, "lrDecay": 0.1, "weightDecay": 0.02})
ada_case("maximize_float64", [4], 2, {**ab, "maximize": True}, dtype=torch.float64)
ada_case("0d", [], 3, ab)
ada_case("empty", [0], 1, ab)

with open(os.path.join(HERE, "..", "test", "fixtures", "optim.json"), "w") as f:
    json.dump({"family": "optim", "generator": "scripts/gen_optim_fixtures.py", "seed": 7, "torch": torch.__version__, "cases": cases},
              f, separators=(",", ":"), allow_nan=False)

# ---- whole optimizers, 5 steps, fixed gradients
O = torch.optim
configs = [
    ("SGD", {"lr": 0.1}, {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}, {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weightDecay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "maximize": True}, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "maximize": True}),
    ("Adam", {"lr": 0.01}, {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1, "amsgrad": True}, {"lr": 0.01, "betas": [0.8, 0.99], "weightDecay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}, {"lr": 0.01}),
    ("AdamW", {"lr": 0.02, "weight_decay": 0.3, "maximize": True}, {"lr": 0.02, "weightDecay": 0.3, "maximize": True}),
    ("RMSprop", {"lr": 0.01}, {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.05}, {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weightDecay": 0.05}),
    ("Adagrad", {"lr": 0.1}, {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.02, "initial_accumulator_value": 0.5}, {"lr": 0.1, "lrDecay": 0.1, "weightDecay": 0.02, "initialAccumulatorValue": 0.5}),
]
runs = []
for name, th, js in configs:
    for dtype in ([torch.float32, torch.float64] if name == "Adam" and len(th) == 1 else [torch.float32]):
        p0 = [torch.randn(3, 4, generator=g, dtype=dtype), torch.randn(5, generator=g, dtype=dtype)]
        grads = [[torch.randn(p.shape, generator=g, dtype=dtype) for p in p0] for _ in range(5)]
        ps = [torch.nn.Parameter(p.clone()) for p in p0]
        # two groups: the second with half the learning rate
        opt = getattr(O, name)([{"params": [ps[0]]}, {"params": [ps[1]], "lr": th["lr"] / 2}], **th)
        traj = []
        for k in range(5):
            for p, gr in zip(ps, grads[k]): p.grad = gr.clone()
            opt.step()
            traj.append([spec(p.detach()) for p in ps])
        runs.append({"optimizer": name, "options": js, "params": [spec(p) for p in p0],
                     "grads": [[spec(x) for x in gk] for gk in grads], "after": traj})
with open(os.path.join(HERE, "..", "test", "fixtures", "optim_steps.json"), "w") as f:
    json.dump({"generator": "scripts/gen_optim_fixtures.py", "torch": torch.__version__, "runs": runs}, f, separators=(",", ":"), allow_nan=False)
print(len(cases), "cases,", len(runs), "runs")
