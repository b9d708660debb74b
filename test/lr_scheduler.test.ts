// LR schedulers against torch.optim.lr_scheduler (test/fixtures/lr_scheduler.json from
// scripts/gen_sched_fixtures.py): the lr of two param groups over 40 steps; EarlyStopping.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { nn, optim } from '../ts/index';

interface Case { name: string; opts: Record<string, any>; metrics?: number[]; lrs: number[][] }
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'lr_scheduler.json'), 'utf8')) as { cases: Case[] };

function make(name: string, o: Record<string, any>, opt: optim.Optimizer): { step(m?: number): void } {
  switch (name.split(':')[0]) {
    case 'StepLR': return new optim.StepLR(opt, o as never);
    case 'MultiStepLR': return new optim.MultiStepLR(opt, o as never);
    case 'ExponentialLR': return new optim.ExponentialLR(opt, o as never);
    case 'CosineAnnealingLR': return new optim.CosineAnnealingLR(opt, o as never);
    case 'LinearLR': return new optim.LinearLR(opt, o);
    case 'OneCycleLR': return new optim.OneCycleLR(opt, o as never);
    case 'SequentialLR': return new optim.SequentialLR(opt, {
      schedulers: [new optim.LinearLR(opt, o.warmup), new optim.CosineAnnealingLR(opt, o.cosine)], milestones: o.milestones });
    case 'ReduceLROnPlateau': { const r = new optim.ReduceLROnPlateau(opt, o); return { step: (m) => r.step(m!) }; }
    default: throw new Error(name);
  }
}

describe('lr schedulers vs torch', () => {
  for (const c of fx.cases) {
    it(c.name, () => {
      const opt = new optim.SGD([{ params: [my.zeros(1).requiresGrad_()] }, { params: [my.zeros(1).requiresGrad_()], lr: 0.05 }], { lr: 0.1 });
      const s = make(c.name, c.opts, opt);
      const got = [opt.paramGroups.map((g) => g.lr as number)];
      for (let k = 0; k < c.lrs.length - 1; k++) { s.step(c.metrics?.[k]); got.push(opt.paramGroups.map((g) => g.lr as number)); }
      got.forEach((lrs, k) => lrs.forEach((lr, i) => {
        const e = c.lrs[k][i];
        if (!(Math.abs(lr - e) <= 1e-9 * Math.abs(e) + 1e-15)) throw new Error(`step ${k} group ${i}: lr ${lr}, torch ${e}`);
      }));
    });
  }
  it('getLastLr follows the groups; OneCycleLR refuses steps past totalSteps', () => {
    const opt = new optim.SGD([my.zeros(1).requiresGrad_()], { lr: 1 });
    const s = new optim.StepLR(opt, { stepSize: 1, gamma: 0.5 });
    s.step();
    expect(s.getLastLr()).toEqual([0.5]);
    const oc = new optim.OneCycleLR(new optim.SGD([my.zeros(1).requiresGrad_()], { lr: 1 }), { maxLr: 1, totalSteps: 2 });
    oc.step(); oc.step();
    expect(() => oc.step()).toThrow(/OneCycleLR: tried to step 3 times/);
  });
});

describe('EarlyStopping', () => {
  it('stops after patience epochs without an improvement of minDelta, and restores the best weights', () => {
    const m = new nn.Linear(2, 1);
    const stop = new optim.EarlyStopping({ patience: 2, minDelta: 0.01, restoreBestWeights: true });
    const seq = [1.0, 0.8, 0.795, 0.9, 0.7, 0.695, 0.699, 0.75];
    const stops: boolean[] = [];
    let bestW: number[] = [];
    for (const [e, v] of seq.entries()) {
      my.noGrad(() => m.weight.fill_(e));
      if (e === 4) bestW = m.weight.toArray() as number[];
      stops.push(stop.step(v, m));
    }
    expect(stops).toEqual([false, false, false, true, false, false, true, true]);
    expect(stop.best).toBe(0.7);
    expect(stop.bestEpoch).toBe(5);
    stop.restore(m);
    expect((m.weight.toArray() as number[][])[0]).toEqual(bestW[0]);
    const max = new optim.EarlyStopping({ mode: 'max', patience: 1 });
    expect([0.5, 0.6, 0.6].map((v) => max.step(v))).toEqual([false, false, true]);
    expect(() => new optim.EarlyStopping({ patience: 1 }).restore(m)).toThrow(/no weights were saved/);
  });
});
