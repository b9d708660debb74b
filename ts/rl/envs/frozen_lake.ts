// FrozenLake-v1 as gymnasium builds it: the 4x4 (or 8x8) map, the transition table P (a slippery
// step goes the intended way or either perpendicular way, 1/3 each) and categorical sampling.
import { Env, type ResetResult, type StepResult } from '../env';
import { Discrete } from '../spaces';
import { showValue } from '../../args';

export const FROZEN_LAKE_MAPS: Record<string, string[]> = {
  '4x4': ['SFFF', 'FHFH', 'FFFH', 'HFFG'],
  '8x8': ['SFFFFFFF', 'FFFFFFFF', 'FFFHFFFF', 'FFFFFHFF', 'FFFHFFFF', 'FHHFFFHF', 'FHFFHFHF', 'FFFHFFFG'],
};
/** One outcome of P[s][a]: [probability, next state, reward, terminated], as gymnasium's tuples. */
export type Transition = [number, number, number, boolean];
export interface FrozenLakeOptions { mapName?: string; desc?: string[]; isSlippery?: boolean; successRate?: number }

const LEFT = 0, DOWN = 1, RIGHT = 2, UP = 3;

/** FrozenLake-v1: walk from S to G over frozen tiles (F) without falling into a hole (H); actions left, down, right, up; reward 1 at G; 100 steps. */
export class FrozenLake extends Env<number> {
  readonly id = 'FrozenLake-v1';
  readonly desc: string[];
  readonly nrow: number; readonly ncol: number;
  readonly actionSpace = new Discrete(4);
  readonly observationSpace: Discrete;
  /** P[s][a]: the outcomes of action a in state s. */
  readonly P: Transition[][][];
  maxEpisodeSteps: number | null = 100;
  private s = 0;

  constructor(o: FrozenLakeOptions = {}) {
    super();
    const desc = o.desc ?? FROZEN_LAKE_MAPS[o.mapName ?? '4x4'];
    if (!desc) throw new Error(`FrozenLake: unknown mapName ${showValue(o.mapName)} (choose from ${Object.keys(FROZEN_LAKE_MAPS).join(', ')})`);
    if (!Array.isArray(desc) || desc.length === 0 || desc.some((r) => typeof r !== 'string' || r.length !== desc[0].length || /[^SFHG]/.test(r)) || desc.join('').split('S').length !== 2)
      throw new Error(`FrozenLake: desc must be rows of one length over S, F, H, G with one S, got ${showValue(desc)}`);
    const successRate = o.successRate ?? 1 / 3;
    if (!(successRate >= 0 && successRate <= 1)) throw new Error(`FrozenLake: successRate must be in [0, 1], got ${showValue(successRate)}`);
    this.desc = desc.slice(); this.nrow = desc.length; this.ncol = desc[0].length;
    this.observationSpace = new Discrete(this.nrow * this.ncol);
    const failRate = (1 - successRate) / 2;
    const slippery = o.isSlippery ?? true;
    const inc = (row: number, col: number, a: number): [number, number] => {
      if (a === LEFT) col = Math.max(col - 1, 0);
      else if (a === DOWN) row = Math.min(row + 1, this.nrow - 1);
      else if (a === RIGHT) col = Math.min(col + 1, this.ncol - 1);
      else if (a === UP) row = Math.max(row - 1, 0);
      return [row, col];
    };
    const outcome = (row: number, col: number, a: number): [number, number, boolean] => {
      const [r, c] = inc(row, col, a);
      const letter = desc[r][c];
      return [r * this.ncol + c, letter === 'G' ? 1 : 0, letter === 'G' || letter === 'H'];
    };
    this.P = [];
    for (let row = 0; row < this.nrow; row++) for (let col = 0; col < this.ncol; col++) {
      const letter = desc[row][col], s = row * this.ncol + col;
      this.P[s] = [0, 1, 2, 3].map((a): Transition[] => {
        if (letter === 'G' || letter === 'H') return [[1.0, s, 0, true]];
        if (!slippery) return [[1.0, ...outcome(row, col, a)]];
        return [(a + 3) % 4, a, (a + 1) % 4].map((b): Transition => [b === a ? successRate : failRate, ...outcome(row, col, b)]);
      });
    }
  }
  /** The agent's cell, row * ncol + col (gymnasium's `s`). */
  get state(): number { return this.s; }
  set state(v: number) {
    if (!this.observationSpace.contains(v)) throw new Error(`${this.id}.state: state must be an integer in [0, ${this.nrow * this.ncol}), got ${showValue(v)}`);
    this.s = v;
  }
  /** gymnasium's categorical_sample: the first index whose cumulative probability exceeds a uniform draw. */
  private categorical(p: number[]): number {
    const u = this.rng.next();
    let c = 0;
    for (let i = 0; i < p.length; i++) { c += p[i]; if (c > u) return i; }
    return p.length - 1;
  }
  protected resetEnv(): ResetResult<number> {
    this.s = this.desc.join('').indexOf('S');
    return { observation: this.s, info: { prob: 1 } };
  }
  protected stepEnv(action: number): Omit<StepResult<number>, 'truncated'> {
    const ts = this.P[this.s][action];
    const [p, s, r, t] = ts[this.categorical(ts.map((x) => x[0]))];
    this.s = s;
    return { observation: s, reward: r, terminated: t, info: { prob: p } };
  }
}
