"""LR sequences from torch.optim.lr_scheduler for test/fixtures/lr_scheduler.json: the lr
of each of two param groups (base lrs 0.1 and 0.05) before the first step and after each
of 40 scheduler steps. Run: python3 scripts/gen_sched_fixtures.py"""
import json, os
import torch
from torch.optim import lr_scheduler as S

def run(make, steps=40, metrics=None):
    ps = [torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))]
    opt = torch.optim.SGD([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.05}], lr=0.1)
    s = make(opt)
    seq = [[g["lr"] for g in opt.param_groups]]
    for k in range(steps):
        opt.step()
        s.step(metrics[k]) if metrics else s.step()
        seq.append([g["lr"] for g in opt.param_groups])
    return seq

metric = [1.0, 0.9, 0.95, 0.96, 0.97, 0.89, 0.9, 0.9, 0.9, 0.91, 0.92, 0.93, 0.8, 0.85] * 3
cases = [
    ("StepLR", {"stepSize": 7, "gamma": 0.5}, lambda o: S.StepLR(o, 7, 0.5)),
    ("MultiStepLR", {"milestones": [3, 10, 10, 25], "gamma": 0.3}, lambda o: S.MultiStepLR(o, [3, 10, 10, 25], 0.3)),
    ("ExponentialLR", {"gamma": 0.9}, lambda o: S.ExponentialLR(o, 0.9)),
    ("CosineAnnealingLR", {"tMax": 12, "etaMin": 0.001}, lambda o: S.CosineAnnealingLR(o, 12, 0.001)),
    ("LinearLR", {"startFactor": 0.25, "endFactor": 1.0, "totalIters": 8}, lambda o: S.LinearLR(o, 0.25, 1.0, 8)),
    ("LinearLR:decay", {"startFactor": 1.0, "endFactor": 0.1, "totalIters": 30}, lambda o: S.LinearLR(o, 1.0, 0.1, 30)),
    ("OneCycleLR", {"maxLr": [0.4, 0.2], "totalSteps": 40}, lambda o: S.OneCycleLR(o, [0.4, 0.2], total_steps=40, cycle_momentum=False)),
    ("OneCycleLR:linear-3phase", {"maxLr": 0.3, "totalSteps": 40, "annealStrategy": "linear", "threePhase": True, "pctStart": 0.25, "divFactor": 10, "finalDivFactor": 100},
     lambda o: S.OneCycleLR(o, 0.3, total_steps=40, anneal_strategy="linear", three_phase=True, pct_start=0.25, div_factor=10, final_div_factor=100, cycle_momentum=False)),
    ("SequentialLR", {"warmup": {"startFactor": 0.1, "totalIters": 5}, "cosine": {"tMax": 30}, "milestones": [5]},
     lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 5), S.CosineAnnealingLR(o, 30)], milestones=[5])),
    ("SequentialLR:decay-then-cosine", {"warmup": {"startFactor": 1.0, "endFactor": 0.5, "totalIters": 10}, "cosine": {"tMax": 20, "etaMin": 0.01}, "milestones": [6]},
     lambda o: S.SequentialLR(o, [S.LinearLR(o, 1.0, 0.5, 10), S.CosineAnnealingLR(o, 20, 0.01)], milestones=[6])),
]
out = [{"name": n, "opts": js, "lrs": run(mk)} for n, js, mk in cases]
for n, js, mk in [("ReduceLROnPlateau", {"patience": 2, "factor": 0.5, "cooldown": 1, "minLr": [0.01, 0.02]},
                   lambda o: S.ReduceLROnPlateau(o, patience=2, factor=0.5, cooldown=1, min_lr=[0.01, 0.02])),
                  ("ReduceLROnPlateau:max-abs", {"mode": "max", "patience": 1, "threshold": 0.05, "thresholdMode": "abs"},
                   lambda o: S.ReduceLROnPlateau(o, mode="max", patience=1, threshold=0.05, threshold_mode="abs"))]:
    out.append({"name": n, "opts": js, "metrics": metric[:40], "lrs": run(mk, 40, metric[:40])})
json.dump({"generator": "scripts/gen_sched_fixtures.py", "torch": torch.__version__, "cases": out},
          open(os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "lr_scheduler.json"), "w"), separators=(",", ":"))
print(len(out), "schedules")
