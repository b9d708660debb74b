// Samples of the fused optimizer steps (adam_step_, sgd_step_, rmsprop_step_, adagrad_step_):
// one step on a parameter and its state, against one torch.optim step from the same state
// (torch's references: scripts/gen_sample_fixtures.py, OPTIM_REF).
import { type Sample, type SampleTable, type TensorIn, fl } from './sample';
import type { Args } from '../helpers';
import type { DType } from '../../ts/index';

const P = (shape: number[], dtype: DType = 'float32') => fl(shape, -2, 2, { dtype });
const R = (shape: number[], lo: number, hi: number, dtype: DType = 'float32') => fl(shape, lo, hi, { dtype });
const S = (name: string, inp: TensorIn[], args: Args): Sample => ({ name, in: inp, args });
const AB = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
/** param, grad, exp_avg, exp_avg_sq (and max_exp_avg_sq: amsgrad) */
const adam = (shape: number[], amsgrad = false, dtype: DType = 'float32') =>
  [P(shape, dtype), P(shape, dtype), R(shape, -0.1, 0.1, dtype), R(shape, 0, 0.01, dtype), ...(amsgrad ? [R(shape, 0, 0.02, dtype)] : [])];
const RB = { lr: 0.01, alpha: 0.99, eps: 1e-8 };

export const OPTIM: SampleTable = {
  adam_step_: [
    S('first_step', adam([4, 5]), { ...AB, step: 1, decoupled: false }),
    S('step_7', adam([3, 8]), { ...AB, lr: 0.01, step: 7, decoupled: false }),
    S('weight_decay', adam([6]), { ...AB, weightDecay: 0.1, step: 3, decoupled: false }),
    S('adamw', adam([2, 3, 2]), { ...AB, weightDecay: 0.05, step: 4, decoupled: true }),
    S('amsgrad', adam([10], true), { ...AB, lr: 0.02, step: 5, decoupled: false }),
    S('maximize_betas', adam([5]), { ...AB, beta1: 0.5, beta2: 0.9, maximize: true, step: 2, decoupled: false }),
    S('float64', adam([4], false, 'float64'), { ...AB, lr: 0.1, step: 3, decoupled: false }),
  ],
  sgd_step_: [
    S('plain', [P([3, 4]), P([3, 4])], { lr: 0.1, first: true }),
    S('momentum_first', [P([6]), P([6]), P([6])], { lr: 0.1, momentum: 0.9, first: true }),
    S('momentum_dampening', [P([2, 5]), P([2, 5]), P([2, 5])], { lr: 0.05, momentum: 0.9, dampening: 0.3, first: false }),
    S('nesterov_weight_decay', [P([7]), P([7]), P([7])], { lr: 0.1, momentum: 0.8, nesterov: true, weightDecay: 0.01, first: false }),
    S('maximize', [P([4]), P([4])], { lr: 0.2, maximize: true, weightDecay: 0.1, first: true }),
  ],
  rmsprop_step_: [
    S('plain', [P([3, 4]), P([3, 4]), R([3, 4], 0.05, 0.15)], RB),
    S('centered_momentum', [P([6]), P([6]), R([6], 0.05, 0.15), R([6], -0.05, 0.05), R([6], -0.1, 0.1)], { ...RB, momentum: 0.9, weightDecay: 0.05, centered: true }),
    S('centered_low_alpha', [P([5]), P([5]), R([5], 0.05, 0.15), R([5], -0.05, 0.05)], { ...RB, alpha: 0.3, centered: true }),
    S('maximize_momentum', [P([4]), P([4]), R([4], 0.05, 0.15), R([4], -0.1, 0.1)], { ...RB, maximize: true, momentum: 0.5 }),
  ],
  adagrad_step_: [
    S('plain', [P([3, 4]), P([3, 4]), R([3, 4], 0.1, 1.1)], { lr: 0.1, eps: 1e-10, step: 1 }),
    S('lr_decay_weight_decay', [P([7]), P([7]), R([7], 0.1, 1.1)], { lr: 0.1, eps: 1e-10, lrDecay: 0.1, weightDecay: 0.02, step: 5 }),
    S('maximize', [P([4]), P([4]), R([4], 0.1, 1.1)], { lr: 0.1, eps: 1e-10, maximize: true, step: 2 }),
  ],
};
