// Samples of the fused kernels of the conv family: one recurrent cell step (lstm_cell,
// gru_cell: gate pre-activations in, new state and the backward's workspace out) and
// flash attention (sdpa_flash: output and the rows' logsumexp). torch's references:
// scripts/gen_rnn_cell_fixtures.py and scripts/gen_attention_fixtures.py.
import { type Sample, type SampleTable, type TensorIn, fl, f64, bool, T_ } from './sample';
import type { Args } from '../helpers';

const X = (shape: number[], o: Partial<TensorIn> = {}) => fl(shape, -2, 2, o);
type Row = [string, Sample['in'], Args?, Partial<Sample>?];
const rows = (r: Row[], extra: Partial<Sample> = {}): Sample[] => r.map(([name, inp, args, o]) => ({ name, in: inp, ...(args ? { args } : {}), ...extra, ...(o ?? {}) }));
/** the gradcheck's loss covers the state / attention outputs: the workspace and logsumexp
 *  outputs are saved values for the backward, without a gradient of their own */
const G = (...k: number[]) => ({ gradOutputs: k });

export const FUSED: SampleTable = {
  lstm_cell: rows([
    ['b3_h4', [X([3, 16]), X([3, 16]), X([3, 4])]], ['f64', [f64([2, 20], -2, 2), f64([2, 20], -2, 2), f64([2, 5], -2, 2)]],
    ['saturated', [fl([2, 8], -30, 30), fl([2, 8], -30, 30), fl([2, 2], -5, 5)]],
    ['noncontig', [X([12, 2], { view: T_() }), X([2, 12]), X([3, 2], { view: T_() })]],
    ['gates_not_4h', [X([2, 6]), X([2, 6]), X([2, 2])], {}, { error: true }],
  ], G(0, 1)),
  gru_cell: rows([
    ['b3_h4', [X([3, 12]), X([3, 12]), X([3, 4])]], ['f64', [f64([2, 15], -2, 2), f64([2, 15], -2, 2), f64([2, 5], -2, 2)]],
    ['noncontig', [X([9, 2], { view: T_() }), X([2, 9]), X([3, 2], { view: T_() })]],
  ], G(0)),
  sdpa_flash: rows([
    ['plain', [X([2, 2, 5, 8]), X([2, 2, 7, 8]), X([2, 2, 7, 6])], { isCausal: false, scale: 0.35 }],
    ['causal_f64', [f64([1, 2, 9, 4], -2, 2), f64([1, 2, 9, 4], -2, 2), f64([1, 2, 9, 4], -2, 2)], { isCausal: true, scale: 0.5 }],
    ['bool_mask', [X([1, 2, 4, 8]), X([1, 2, 6, 8]), X([1, 2, 6, 8]), bool([4, 6])], { isCausal: false, scale: 0.4, mask: true }],
    ['float_mask', [X([2, 1, 3, 4]), X([2, 1, 5, 4]), X([2, 1, 5, 4]), X([2, 1, 3, 5])], { isCausal: false, scale: 0.5, mask: true },
      { noGrad: 'a float mask that requires grad is rejected by the fused op (the composite path differentiates it)' }],
    ['gqa', [X([1, 4, 3, 4]), X([1, 2, 5, 4]), X([1, 2, 5, 4])], { isCausal: false, scale: 0.5 }],
    ['noncontig', [X([2, 5, 3, 4], { view: T_(1, 2) }), X([2, 3, 6, 4]), X([2, 3, 4, 6], { view: T_(2, 3) })], { isCausal: false, scale: 0.5 }],
  ], G(0)),
};
