// gymnasium's classic-control environments, step for step: CartPole-v1, MountainCar-v0 and
// Acrobot-v1 (rk4 as gymnasium integrates it). The state is float64 as gymnasium keeps it; the
// observation is its float32 copy. test/rl_envs.test.ts replays gymnasium's own trajectories.
import { Env, stateArg, type ResetResult, type StepResult } from '../env';
import { Box, Discrete } from '../spaces';

type Obs = Float32Array;
const f32 = (a: number[]): Float32Array => Float32Array.from(a);

/** CartPole-v1: push the cart left (0) or right (1); +1 per step; ends when |x| > 2.4 or |θ| > 12°; 500 steps. */
export class CartPole extends Env<Obs> {
  readonly id = 'CartPole-v1';
  readonly gravity = 9.8; readonly massCart = 1.0; readonly massPole = 0.1; readonly length = 0.5; readonly forceMag = 10.0; readonly tau = 0.02;
  readonly thetaThreshold = (12 * 2 * Math.PI) / 360; readonly xThreshold = 2.4;
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Box([-4.8, -Infinity, -this.thetaThreshold * 2, -Infinity], [4.8, Infinity, this.thetaThreshold * 2, Infinity]);
  maxEpisodeSteps: number | null = 500;
  private s: number[] = [0, 0, 0, 0];
  /** [x, xDot, theta, thetaDot] (float64). */
  get state(): number[] { return this.s.slice(); }
  set state(v: number[]) { this.s = stateArg(`${this.id}.state`, v, 4); }

  protected resetEnv(): ResetResult<Obs> {
    this.s = [0, 1, 2, 3].map(() => -0.05 + 0.1 * this.rng.next());
    return { observation: f32(this.s), info: {} };
  }
  protected stepEnv(action: number): Omit<StepResult<Obs>, 'truncated'> {
    let [x, xDot, theta, thetaDot] = this.s;
    const force = action === 1 ? this.forceMag : -this.forceMag;
    const cos = Math.cos(theta), sin = Math.sin(theta);
    const total = this.massPole + this.massCart, pml = this.massPole * this.length;
    const temp = (force + pml * (thetaDot * thetaDot) * sin) / total;
    const thetaAcc = (this.gravity * sin - cos * temp) / (this.length * (4.0 / 3.0 - (this.massPole * (cos * cos)) / total));
    const xAcc = temp - (pml * thetaAcc * cos) / total;
    // gymnasium's default integrator is explicit Euler
    x = x + this.tau * xDot; xDot = xDot + this.tau * xAcc;
    theta = theta + this.tau * thetaDot; thetaDot = thetaDot + this.tau * thetaAcc;
    this.s = [x, xDot, theta, thetaDot];
    const terminated = x < -this.xThreshold || x > this.xThreshold || theta < -this.thetaThreshold || theta > this.thetaThreshold;
    return { observation: f32(this.s), reward: 1.0, terminated, info: {} };
  }
}

/** MountainCar-v0: push left (0), none (1) or right (2); -1 per step; ends at position >= 0.5; 200 steps. */
export class MountainCar extends Env<Obs> {
  readonly id = 'MountainCar-v0';
  readonly minPosition = -1.2; readonly maxPosition = 0.6; readonly maxSpeed = 0.07; readonly goalPosition = 0.5;
  readonly goalVelocity = 0; readonly force = 0.001; readonly gravity = 0.0025;
  readonly actionSpace = new Discrete(3);
  readonly observationSpace = new Box([this.minPosition, -this.maxSpeed], [this.maxPosition, this.maxSpeed]);
  maxEpisodeSteps: number | null = 200;
  private s: number[] = [0, 0];
  /** [position, velocity] (float64). */
  get state(): number[] { return this.s.slice(); }
  set state(v: number[]) { this.s = stateArg(`${this.id}.state`, v, 2); }

  protected resetEnv(): ResetResult<Obs> {
    this.s = [-0.6 + 0.2 * this.rng.next(), 0];
    return { observation: f32(this.s), info: {} };
  }
  protected stepEnv(action: number): Omit<StepResult<Obs>, 'truncated'> {
    let [position, velocity] = this.s;
    velocity += (action - 1) * this.force + Math.cos(3 * position) * -this.gravity;
    velocity = Math.min(Math.max(velocity, -this.maxSpeed), this.maxSpeed);
    position += velocity;
    position = Math.min(Math.max(position, this.minPosition), this.maxPosition);
    if (position === this.minPosition && velocity < 0) velocity = 0;  // the left wall is inelastic
    this.s = [position, velocity];
    const terminated = position >= this.goalPosition && velocity >= this.goalVelocity;
    return { observation: f32(this.s), reward: -1.0, terminated, info: {} };
  }
}

const wrap = (x: number, m: number, M: number): number => {
  const d = M - m;
  while (x > M) x -= d;
  while (x < m) x += d;
  return x;
};
const bound = (x: number, m: number, M: number): number => Math.min(Math.max(x, m), M);

/** Acrobot-v1 ("book" dynamics): torque -1 (0), 0 (1) or +1 (2) on the middle joint; -1 per step until the tip rises a link above the base; 500 steps. */
export class Acrobot extends Env<Obs> {
  readonly id = 'Acrobot-v1';
  readonly dt = 0.2;
  readonly maxVel1 = 4 * Math.PI; readonly maxVel2 = 9 * Math.PI;
  readonly availTorque = [-1.0, 0.0, 1.0];
  readonly actionSpace = new Discrete(3);
  readonly observationSpace = new Box([-1, -1, -1, -1, -this.maxVel1, -this.maxVel2], [1, 1, 1, 1, this.maxVel1, this.maxVel2]);
  maxEpisodeSteps: number | null = 500;
  private s: number[] = [0, 0, 0, 0];
  /** [theta1, theta2, dtheta1, dtheta2] (float64). */
  get state(): number[] { return this.s.slice(); }
  set state(v: number[]) { this.s = stateArg(`${this.id}.state`, v, 4); }

  private obs(): Obs {
    const [t1, t2, d1, d2] = this.s;
    return f32([Math.cos(t1), Math.sin(t1), Math.cos(t2), Math.sin(t2), d1, d2]);
  }
  protected resetEnv(): ResetResult<Obs> {
    // gymnasium draws float32 values here
    this.s = [0, 1, 2, 3].map(() => Math.fround(-0.1 + 0.2 * this.rng.next()));
    return { observation: this.obs(), info: {} };
  }
  private dsdt(s: number[], a: number): number[] {
    const m1 = 1, m2 = 1, l1 = 1, lc1 = 0.5, lc2 = 0.5, I1 = 1, I2 = 1, g = 9.8;
    const [theta1, theta2, dtheta1, dtheta2] = s;
    const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
    const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
    const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2.0);
    const phi1 = -m2 * l1 * lc2 * dtheta2 ** 2 * Math.sin(theta2) - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2)
      + (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) + phi2;
    const ddtheta2 = (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 ** 2 * Math.sin(theta2) - phi2) / (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1);
    const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    return [dtheta1, dtheta2, ddtheta1, ddtheta2];
  }
  protected stepEnv(action: number): Omit<StepResult<Obs>, 'truncated'> {
    const torque = this.availTorque[action];
    // one classic RK4 step over [0, dt], as gymnasium's rk4 with t = [0, dt]
    const y0 = this.s, dt = this.dt, dt2 = dt / 2.0;
    const add = (y: number[], k: number[], h: number) => y.map((v, i) => v + h * k[i]);
    const k1 = this.dsdt(y0, torque), k2 = this.dsdt(add(y0, k1, dt2), torque);
    const k3 = this.dsdt(add(y0, k2, dt2), torque), k4 = this.dsdt(add(y0, k3, dt), torque);
    const ns = y0.map((v, i) => v + (dt / 6.0) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
    ns[0] = wrap(ns[0], -Math.PI, Math.PI); ns[1] = wrap(ns[1], -Math.PI, Math.PI);
    ns[2] = bound(ns[2], -this.maxVel1, this.maxVel1); ns[3] = bound(ns[3], -this.maxVel2, this.maxVel2);
    this.s = ns;
    const terminated = -Math.cos(ns[0]) - Math.cos(ns[1] + ns[0]) > 1.0;
    return { observation: this.obs(), reward: terminated ? 0.0 : -1.0, terminated, info: {} };
  }
}
