// rl environments against gymnasium 1.x (fixtures by scripts/gen_rl_fixtures.py): the same state and
// actions give the same observations, rewards and flags step for step; FrozenLake's P table and its
// sampler; spaces; the named errors gymnasium's asserts raise.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'fs';
import { join } from 'path';
import { rl } from '../ts/index';

interface Step { action: number; obs: number[]; reward: number; terminated: boolean; truncated: boolean }
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'rl.json'), 'utf8')) as {
  cases: { env: string; state: number[]; steps: Step[] }[];
  frozenLakeP: Record<'slippery' | 'deterministic', [number, number, number, boolean][][][]>;
  frozenLakeRuns: { start: number; steps: (Step & { prob: number })[] }[];
};

describe('rl envs replay gymnasium trajectories', () => {
  for (const [ci, c] of fx.cases.entries()) {
    const last = c.steps[c.steps.length - 1];
    it(`${c.env} #${ci}: ${c.steps.length} steps, ${last.terminated ? 'terminated' : last.truncated ? 'truncated' : 'running'}`, () => {
      const env = rl.make(c.env as 'CartPole-v1');
      env.reset({ seed: 0 });
      env.state = c.state;
      for (const [t, s] of c.steps.entries()) {
        const r = env.step(s.action);
        expect(r.reward, `step ${t} reward`).toBe(s.reward);
        expect(r.terminated, `step ${t} terminated`).toBe(s.terminated);
        expect(r.truncated, `step ${t} truncated`).toBe(s.truncated);
        expect(r.observation).toBeInstanceOf(Float32Array);
        // float32 observations of float64 states integrated the same way: rk4 and long runs drift by ulps
        for (let i = 0; i < s.obs.length; i++) expect(Math.abs(r.observation[i] - s.obs[i]), `step ${t} obs[${i}]`).toBeLessThan(1e-5 * (1 + Math.abs(s.obs[i])));
      }
      if (last.terminated || last.truncated) expect(() => env.step(0)).toThrow(new RegExp(`${c.env}.step: the episode has ended .*call reset\\(\\)`));
    });
  }
});

describe('FrozenLake-v1', () => {
  it('P matches gymnasium, slippery (default) and not', () => {
    for (const slip of [true, false]) {
      const env = slip ? rl.make('FrozenLake-v1') : rl.make('FrozenLake-v1', { isSlippery: false });
      const ref = fx.frozenLakeP[slip ? 'slippery' : 'deterministic'];
      expect(env.P.length).toBe(16);
      for (let s = 0; s < 16; s++) for (let a = 0; a < 4; a++) {
        const got = env.P[s][a], want = ref[s][a];
        expect(got.length).toBe(want.length);
        for (let k = 0; k < want.length; k++) {
          expect(got[k][0]).toBeCloseTo(want[k][0], 12);
          expect(got[k].slice(1)).toEqual(want[k].slice(1));
        }
      }
    }
  });
  it('non-slippery trajectories: to the goal, into a hole, and TimeLimit at 100 steps', () => {
    for (const run of fx.frozenLakeRuns) {
      const env = rl.make('FrozenLake-v1', { isSlippery: false });
      expect(env.reset({ seed: 0 })).toEqual({ observation: 0, info: { prob: 1 } });
      env.state = run.start;
      for (const s of run.steps) {
        const r = env.step(s.action);
        expect([r.observation, r.reward, r.terminated, r.truncated, r.info.prob]).toEqual([s.obs, s.reward, s.terminated, s.truncated, s.prob]);
      }
    }
    expect(fx.frozenLakeRuns[2].steps.length).toBe(100);
  });
  it('the seeded sampler draws P\'s probabilities (1/3 each way) and repeats under a seed', () => {
    const env = rl.make('FrozenLake-v1');
    const counts = new Map<number, number>();
    const n = 30000;
    env.reset({ seed: 5 });
    for (let i = 0; i < n; i++) {
      env.state = 5 + 1; // cell 6: down goes to 10, left to 5 (a hole), right to 7 (a hole)
      const r = env.step(1);
      counts.set(r.observation, (counts.get(r.observation) ?? 0) + 1);
      env.reset();
    }
    const P = env.P[6][1];
    for (const [p, s] of P) expect(Math.abs((counts.get(s) ?? 0) / n - p)).toBeLessThan(4 * Math.sqrt(p * (1 - p) / n));
    const roll = (seed: number) => { const e = rl.make('FrozenLake-v1'); e.reset({ seed }); const o: number[] = []; for (let i = 0; i < 20; i++) { const r = e.step(2); o.push(r.observation); if (r.terminated) e.reset(); } return o; };
    expect(roll(3)).toEqual(roll(3));
    expect(roll(3)).not.toEqual(roll(4));
  });
});

describe('rl spaces and resets', () => {
  it('Discrete and Box sample inside themselves and check membership', () => {
    const d = new rl.Discrete(3, 1, 0);
    for (let i = 0; i < 100; i++) expect(d.contains(d.sample())).toBe(true);
    expect([d.contains(0), d.contains(3), d.contains(4), d.contains(1.5), d.contains('1')]).toEqual([false, true, false, false, false]);
    const env = rl.make('CartPole-v1');
    const box = env.observationSpace as rl.Box;
    box.seed(1);
    for (let i = 0; i < 100; i++) expect(box.contains(box.sample())).toBe(true);
    expect(box.contains([5, 0, 0, 0])).toBe(false);
    expect(box.contains([0, 0, 0])).toBe(false);
    expect(String(env.actionSpace)).toBe('Discrete(2)');
  });
  it('reset draws the initial state from gymnasium\'s ranges and repeats under a seed', () => {
    const env = rl.make('CartPole-v1');
    const a = env.reset({ seed: 7 }).observation, b = env.reset({ seed: 7 }).observation;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a).every((v) => Math.abs(v) <= 0.05)).toBe(true);
    const mc = rl.make('MountainCar-v0').reset({ seed: 1 }).observation;
    expect(mc[0]).toBeGreaterThanOrEqual(-0.6); expect(mc[0]).toBeLessThanOrEqual(-0.4); expect(mc[1]).toBe(0);
    const ac = rl.make('Acrobot-v1').reset({ seed: 1 }).observation;
    expect(ac.length).toBe(6); expect(Math.abs(ac[4])).toBeLessThanOrEqual(0.1);
  });
});

describe('rl bad input: named errors', () => {
  it('actions outside the action space', () => {
    const env = rl.make('CartPole-v1');
    env.reset({ seed: 0 });
    for (const a of [2, -1, 0.5, '1', null, undefined, NaN])
      expect(() => env.step(a as number)).toThrow(/CartPole-v1.step: action .* is not in the action space Discrete\(2\)/);
    const lake = rl.make('FrozenLake-v1'); lake.reset();
    expect(() => lake.step(4)).toThrow('FrozenLake-v1.step: action 4 is not in the action space Discrete(4)');
  });
  it('step before reset and after the episode ended', () => {
    const env = rl.make('MountainCar-v0');
    expect(() => env.step(1)).toThrow('MountainCar-v0.step: call reset() before step()');
    env.reset({ seed: 0 });
    let r;
    do r = env.step(1); while (!r.terminated && !r.truncated);
    expect(r.truncated).toBe(true);
    expect(env.elapsedSteps).toBe(200);
    expect(() => env.step(1)).toThrow(/MountainCar-v0.step: the episode has ended/);
    env.reset();
    expect(() => env.step(1)).not.toThrow();
  });
  it('bad states, seeds, ids and maps', () => {
    const env = rl.make('CartPole-v1');
    expect(() => { env.state = [0, 0, 0]; }).toThrow(/CartPole-v1.state: state must be 4 finite numbers, got \[0, 0, 0\]/);
    expect(() => { env.state = [0, NaN, 0, 0]; }).toThrow(/CartPole-v1.state: state must be 4 finite numbers/);
    expect(() => env.reset({ seed: -1 })).toThrow('CartPole-v1.reset: seed must be a non-negative integer, got -1');
    expect(() => rl.make('Pong-v5' as 'CartPole-v1')).toThrow(/make: unknown environment "Pong-v5"/);
    expect(() => rl.make('FrozenLake-v1', { mapName: '5x5' })).toThrow(/FrozenLake: unknown mapName "5x5"/);
    expect(() => { rl.make('FrozenLake-v1').state = 16; }).toThrow('FrozenLake-v1.state: state must be an integer in [0, 16), got 16');
    expect(() => new rl.Discrete(0)).toThrow('Discrete: n must be a positive integer, got 0');
    expect(() => new rl.Box([1], [0])).toThrow('Box: low[0] = 1 is above high[0] = 0');
  });
});
