#!/usr/bin/env node
// Writes ONNX files exported by myelin to test/fixtures/onnx/myelin_*.onnx, for
// scripts/gen_onnx_fixtures.py to run onnx.checker on (it records the verdict and each file's
// sha256 in test/fixtures/onnx/checker.json; test/onnx.test.ts re-exports the same models and
// checks that the bytes are the ones the checker passed). Needs dist/ (npm run build:ts).
//   node scripts/write_onnx_samples.js && /tmp/venv-c/bin/python scripts/gen_onnx_fixtures.py
// The sample models are defined here once; the test builds them with the same function.
'use strict';

/** Gives BatchNorm layers non-trivial statistics and affine parameters (fresh ones are identity-like). */
function perturbBatchNorm(my, model) {
  my.noGrad(() => {
    for (const m of model.modules()) {
      if (!(m instanceof my.nn.BatchNorm1d)) continue;
      const C = m.runningMean.shape[0];
      m.runningMean.copy_(my.randn(C).mul(0.1));
      m.runningVar.copy_(my.rand(C).mul(0.5).add(0.75));
      if (m.weight) m.weight.copy_(my.rand(C).mul(0.5).add(0.75));
      if (m.bias) m.bias.copy_(my.randn(C).mul(0.1));
    }
  });
  return model;
}

/** A small CNN with each CNN-family op the exporter maps: strided, padded, dilated and grouped convs, BatchNorm,
 * relu6, hardswish, silu, max/avg/adaptive pooling, a squeeze-excitation gate, a residual add, view ops and cat. */
function cnnOps(my) {
  const { nn } = my;
  class CnnOps extends nn.Module {
    constructor() {
      super();
      this.stem = new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1, bias: false });
      this.bn = new nn.BatchNorm2d(8);
      this.dw = new nn.Conv2d(8, 8, 3, { padding: 2, dilation: 2, groups: 8 });
      this.se1 = new nn.Conv2d(8, 4, 1);
      this.se2 = new nn.Conv2d(4, 8, 1);
      this.pw = new nn.Conv2d(16, 8, 1);
      this.fc = new nn.Linear(8 + 8 * 2 * 2, 5);
    }
    forward(x) {
      let y = this.bn.forward(this.stem.forward(x)).clamp(0, 6);                      // relu6: [N, 8, 8, 8]
      const h = this.dw.forward(y);
      const hs = h.mul(h.add(3).clamp(0, 6)).div(6);                                   // hardswish
      const s = my.adaptiveAvgPool2d(hs, 1);
      const gate = this.se2.forward(this.se1.forward(s).silu()).sigmoid();             // squeeze-excitation
      y = y.add(hs.mul(gate));                                                         // residual add
      y = this.pw.forward(my.cat([y, my.maxPool2d(y, 3, { stride: 1, padding: 1 })], 1)).relu();
      const a = my.avgPool2d(y, 2, { stride: 2 });                                     // [N, 8, 4, 4]
      const g = a.mean([2, 3]);                                                        // GlobalAveragePool
      const p = my.adaptiveAvgPool2d(a, 2).permute([0, 2, 3, 1]).contiguous().flatten(1);
      return this.fc.forward(my.cat([g, p], 1)).softmax(1);
    }
  }
  return new CnnOps();
}

/** Recurrent samples: the layers unroll under jit.trace into matmuls and gate math, one set per time step. */
function rnnSamples(my) {
  const { nn } = my;
  /** A sequence classifier: Embedding -> 2-layer bidirectional LSTM (batch first) -> Linear on the last step. */
  class LstmClassifier extends nn.Module {
    constructor() {
      super();
      this.emb = new nn.Embedding(20, 6);
      this.lstm = new nn.LSTM(6, 8, { numLayers: 2, batchFirst: true, bidirectional: true });
      this.fc = new nn.Linear(16, 3);
    }
    forward(x) { const [out] = this.lstm.forward(this.emb.forward(x)); return this.fc.forward(out.select(1, -1)); }
  }
  /** A regressor on float input [T, B, F] (time major): GRU -> Linear on the last layer's final state. */
  class GruRegressor extends nn.Module {
    constructor() {
      super();
      this.gru = new nn.GRU(4, 10, { numLayers: 2 });
      this.head = new nn.Linear(10, 2);
    }
    forward(x) { const [, h] = this.gru.forward(x); return this.head.forward(h.select(0, -1)); }
  }
  my.manualSeed(21);
  const lstm = { name: 'lstm_classifier', model: new LstmClassifier(), input: my.randint(0, 20, [2, 7]), options: { inputNames: ['tokens'], outputNames: ['logits'], dynamicAxes: { tokens: { 0: 'batch' }, logits: { 0: 'batch' } } } };
  my.manualSeed(22);
  const gru = { name: 'gru_regressor', model: new GruRegressor(), input: my.randn(5, 2, 4), options: { inputNames: ['x'], outputNames: ['y'], dynamicAxes: { x: { 1: 'batch' }, y: { 0: 'batch' } } } };
  return [lstm, gru];
}

/** The sample models: name, model, example input, export options. */
function buildSamples(my) {
  const { nn, models } = my;
  const out = [];
  my.manualSeed(16);
  out.push({ name: 'mlp', model: new nn.Sequential(new nn.Flatten(), new nn.Linear(16, 12), new nn.ReLU(), new nn.Dropout(0.2),
    new nn.Linear(12, 12), new nn.GELU(), new nn.Linear(12, 8), new nn.Tanh(), new nn.Linear(8, 8), new nn.Sigmoid(), new nn.Linear(8, 4), new nn.LogSoftmax(1)),
  input: my.randn(2, 1, 4, 4), options: { inputNames: ['x'], outputNames: ['logp'], dynamicAxes: { x: { 0: 'batch' }, logp: { 0: 'batch' } } } });
  my.manualSeed(17);
  out.push({ name: 'lenet5', model: models.lenet5(), input: my.randn(1, 1, 28, 28), options: {} });
  my.manualSeed(18);
  out.push({ name: 'cnn_ops', model: perturbBatchNorm(my, cnnOps(my)), input: my.randn(2, 3, 16, 16), options: { opsetVersion: 18 } });
  // the big ones (44 MB and 21 MB) are written outside the repository, for the checker only
  my.manualSeed(19);
  out.push({ name: 'resnet18', big: true, model: perturbBatchNorm(my, models.resnet18()), input: my.randn(1, 3, 64, 64), options: { dynamicAxes: { input_0: { 0: 'batch' } } } });
  my.manualSeed(20);
  out.push({ name: 'efficientnet_b0', big: true, model: perturbBatchNorm(my, models.efficientnetB0()), input: my.randn(1, 3, 64, 64), options: { dynamicAxes: { input_0: { 0: 'batch' } } } });
  out.push(...rnnSamples(my));
  for (const s of out) s.model.eval();
  return out;
}

module.exports = { buildSamples, perturbBatchNorm, cnnOps, rnnSamples };

if (require.main === module) {
  const path = require('path');
  const my = require('../dist/index.js');
  const dir = path.join(__dirname, '..', 'test', 'fixtures', 'onnx');
  const big = path.join(require('os').tmpdir(), 'myelin_onnx_samples');
  require('fs').mkdirSync(big, { recursive: true });
  for (const s of buildSamples(my)) {
    const file = path.join(s.big ? big : dir, `myelin_${s.name}.onnx`);
    my.onnx.exportModel(s.model, s.input, file, s.options);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
