// The seeds' classics: Rosenblatt's perceptron against a NumPy run of the same rule, the
// XOR MLP, and Boston house prices (a linear model reaching NumPy's least-squares optimum,
// an MLP beating it on held-out data).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { nn, optim, data, models, train, type Tensor } from '../ts/index';

const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'classics.json'), 'utf8'));

describe('perceptron', () => {
  const x = my.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], { dtype: 'float64' });
  for (const gate of ['AND', 'OR', 'XOR']) {
    it(`${gate}: same epochs, errors and weights as NumPy`, () => {
      const ref = fx.perceptron[gate];
      const p = new models.Perceptron(2);
      const ys = gate === 'AND' ? [0, 0, 0, 1] : gate === 'OR' ? [0, 1, 1, 1] : [0, 1, 1, 0];
      const r = p.fit(x, my.tensor(ys, { dtype: 'float64' }), { epochs: 100 });
      expect(r).toEqual({ converged: ref.converged, epochs: ref.epochs, errors: ref.errors });
      expect(p.weight.toArray()).toEqual(ref.w);
      expect(p.bias.item()).toBe(ref.b);
      if (ref.converged) expect(p.predict(x).toArray()).toEqual(ys);
    });
  }
  it('recipe reports that XOR cannot converge', () => {
    const r = train.recipes.trainPerceptron();
    expect(r.results.XOR.converged).toBe(false);
    expect(r.summary).toMatch(/XOR: did not converge in 100 epochs \(not linearly separable\)/);
    expect(() => new models.Perceptron(3).fit(x, my.tensor([0, 1, 1, 0]).double())).toThrow(/Perceptron.fit: expected x \[N, 3\]/);
  });
});

describe('XOR MLP 2-4-1', () => {
  it('2000 epochs of full-batch gradient descent reach MSE < 0.005', () => {
    const r = train.recipes.trainXor();
    expect(r.mse).toBeLessThan(0.005);
    expect(r.outputs.map((v) => Math.round(v))).toEqual([0, 1, 1, 0]);
  });
});

describe('Boston house prices', () => {
  it('a linear model trained with Adam reaches the least-squares optimum (NumPy lstsq RMSE)', () => {
    my.manualSeed(0);
    const { features, target } = data.loadBoston();
    const xs = new data.Standardizer().fit(features).transform(features);
    const lin = new nn.Linear(13, 1);
    const opt = new optim.Adam(lin.parameters(), { lr: 0.1 });
    for (let e = 0; e < 1500; e++) my.tidy(() => { opt.zeroGrad(); nn.functional.mseLoss((lin.forward(xs) as Tensor).squeeze(1), target).backward(); opt.step(); });
    const rmse = Math.sqrt(my.noGrad(() => nn.functional.mseLoss(lin.forward(xs).squeeze(1), target).item() as number));
    expect(rmse).toBeGreaterThanOrEqual(fx.boston.lstsqTrainRmseAll * 0.999);
    expect(rmse).toBeLessThan(fx.boston.lstsqTrainRmseAll * 1.005);
  });
  it('at the recipe\'s defaults (myelin train boston), the MLP beats the linear baseline on held-out rows', () => {
    const r = train.recipes.trainBoston();
    // early stopping on the validation rows, not the 3000-epoch budget, decides when each stops
    expect(r.mlpEpochs).toBeLessThan(3000);
    expect(r.mlpRmse).toBeLessThan(r.linearRmse * 0.9);
    expect(r.linearRmse).toBeGreaterThan(3);
    expect(r.linearRmse).toBeLessThan(7);
  });
});

describe('perceptron step', () => {
  it('fires at z = 0 (the seeds\' step: 1 if w·x + b >= 0)', () => {
    const p = new models.Perceptron(2);  // zero weights and bias: z = 0 for every input
    expect(Array.from(p.predict(my.tensor([[0, 0], [1, -1]], { dtype: 'float64' })).data() as Float64Array)).toEqual([1, 1]);
  });
});

describe('examples', () => {
  it('examples/classics.js runs and prints the three results', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [join(__dirname, '..', 'examples', 'classics.js')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/AND: converged[\s\S]*XOR: did not converge[\s\S]*XOR 2-4-1 after 2000 epochs: MSE [\d.]+e-\d[\s\S]*Boston test RMSE \(k\$\): linear [\d.]+, MLP [\d.]+/);
  });
});
