"""References for the classics (test/fixtures/classics.json), computed with NumPy:
Rosenblatt's rule on AND/OR/XOR (same sample order, zero init, lr 1), and the RMSE of
the least-squares linear fit of Boston house prices on all 506 rows: the optimum that a
linear model trained by gradient descent in myelin must reach.
Run: python3 scripts/gen_classics_fixtures.py
"""
import json, os
import numpy as np

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
out = {"perceptron": {}}
for gate, y in {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}.items():
    w, b, errors = np.zeros(2), 0.0, []
    converged = False
    for epoch in range(1, 101):
        wrong = 0
        for xi, yi in zip(X, y):
            yhat = 1.0 if xi @ w + b >= 0 else 0.0  # the seeds' step: fires at z >= 0
            e = yi - yhat
            if e != 0:
                wrong += 1
                w = w + e * xi
                b = b + e
        errors.append(wrong)
        if wrong == 0:
            converged = True
            break
    out["perceptron"][gate] = {"converged": converged, "epochs": len(errors), "w": w.tolist(), "b": b, "errors": errors}

path = os.path.join(os.path.dirname(__file__), "..", "node_modules", "@stdlib", "datasets-harrison-boston-house-prices", "data", "data.json")
rows = json.load(open(path))
keys = ["crim", "zn", "indus", "chas", "nox", "rm", "age", "dis", "rad", "tax", "ptratio", "b", "lstat"]
A = np.array([[r[k] for k in keys] for r in rows], dtype=np.float64)
t = np.array([r["medv"] for r in rows], dtype=np.float64)
A1 = np.hstack([A, np.ones((len(A), 1))])
coef, *_ = np.linalg.lstsq(A1, t, rcond=None)
out["boston"] = {"lstsqTrainRmseAll": float(np.sqrt(np.mean((A1 @ coef - t) ** 2)))}
json.dump(out, open(os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "classics.json"), "w"), indent=1)
print(out)
