#!/usr/bin/env python3
"""ONNX fixtures for test/onnx.test.ts.

1. Exports small torch models with torch.onnx.export (TorchScript exporter, opset 17, dynamic
   batch axis) to test/fixtures/onnx/torch_*.onnx, with inputs and torch's outputs at two batch
   sizes in test/fixtures/onnx/torch_cases.json: onnx.load must run them and match torch.
2. Runs onnx.checker (full_check: strict shape inference too) on the files myelin wrote
   (node scripts/write_onnx_samples.js: test/fixtures/onnx/myelin_*.onnx, and the big ones in
   $TMPDIR/myelin_onnx_samples/) and records each verdict with the file's sha256 in
   test/fixtures/onnx/checker.json; the test re-exports the same models and checks the hashes.

Re-run (after changing the exporter):
    npx tsc -p tsconfig.json && node scripts/write_esm.js
    node scripts/write_onnx_samples.js
    /tmp/venv-c/bin/python scripts/gen_onnx_fixtures.py
With --checker-only, step 2 alone (the torch fixtures are left as they are).
"""
import glob
import hashlib
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'onnx')
BIG = os.path.join(tempfile.gettempdir(), 'myelin_onnx_samples')


def perturb_bn(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c) * 0.1)
                m.running_var.copy_(torch.rand(c) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(c) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(c) * 0.1)
    return model


def torch_models():
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 8), nn.GELU(),
                        nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3), nn.Softmax(dim=-1))
    torch.manual_seed(1)
    cnn = nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU6(),
        nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8), nn.Hardswish(),
        nn.MaxPool2d(3, stride=2, padding=1), nn.Conv2d(8, 12, 1), nn.SiLU(),
        nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(12, 4), nn.LogSoftmax(dim=1))
    perturb_bn(cnn)
    return [('torch_mlp', mlp, (10,)), ('torch_cnn', cnn, (3, 32, 32))]


def export_torch():
    cases = {}
    for name, model, shape in torch_models():
        model.eval()
        path = os.path.join(OUT, f'{name}.onnx')
        torch.manual_seed(2)
        example = torch.randn(2, *shape)
        torch.onnx.export(model, (example,), path, opset_version=17, input_names=['x'], output_names=['y'],
                          dynamic_axes={'x': {0: 'batch'}, 'y': {0: 'batch'}}, dynamo=False)
        onnx.checker.check_model(onnx.load(path), full_check=True)
        runs = []
        for n in (2, 3):
            x = torch.randn(n, *shape)
            with torch.no_grad():
                y = model(x)
            runs.append({'x': {'shape': list(x.shape), 'data': x.flatten().tolist()},
                         'y': {'shape': list(y.shape), 'data': y.flatten().tolist()}})
        cases[name] = {'file': f'{name}.onnx', 'cases': runs,
                       'ops': sorted({n.op_type for n in onnx.load(path).graph.node})}
        print(f'wrote {path}: ops {cases[name]["ops"]}')
    with open(os.path.join(OUT, 'torch_cases.json'), 'w') as f:
        json.dump({'generator': 'scripts/gen_onnx_fixtures.py', 'torch': torch.__version__, 'models': cases}, f)


def check_myelin_files():
    files = sorted(glob.glob(os.path.join(OUT, 'myelin_*.onnx')) + glob.glob(os.path.join(BIG, 'myelin_*.onnx')))
    if not files:
        raise SystemExit('no myelin_*.onnx files: run node scripts/write_onnx_samples.js first')
    record = {}
    for path in files:
        data = open(path, 'rb').read()
        verdict = {'sha256': hashlib.sha256(data).hexdigest(), 'bytes': len(data)}
        try:
            onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
            verdict['checker'] = 'passed'
        except Exception as e:  # recorded, so the test fails and names the reason
            verdict['checker'] = f'failed: {e}'
        record[os.path.basename(path)] = verdict
        print(f'{os.path.basename(path)}: {verdict["checker"]}')
    with open(os.path.join(OUT, 'checker.json'), 'w') as f:
        json.dump({'generator': 'scripts/gen_onnx_fixtures.py', 'onnx': onnx.__version__,
                   'check': 'onnx.checker.check_model(full_check=True)', 'files': record}, f, indent=1)


if __name__ == '__main__':
    if '--checker-only' not in sys.argv[1:]:
        export_torch()
    check_myelin_files()
