// The autograd public surface: grad mode, autograd.grad, gradcheck.
import { Tensor } from '../tensor';
import { native } from '../binding';
import { runBackward } from './engine';
import './formulas';  // record() and the rule lists (gradients live in derivatives.ts, applied by ts/call.ts)

export { noGrad, enableGrad, setGradEnabled, isGradEnabled } from './engine';
export { gradcheck } from './gradcheck';
export type { GradcheckOptions } from './gradcheck';

export interface GradOptions { gradOutputs?: Tensor[]; retainGraph?: boolean; createGraph?: boolean; allowUnused?: boolean }

/** d(sum of outputs · gradOutputs)/d(inputs), without touching .grad (torch.autograd.grad). */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const live = (what: string, t: unknown) => {
    if (!(t instanceof Tensor)) throw new Error(`grad: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    if (t.isDisposed) throw new Error(`grad: ${what} is a disposed tensor`);
  };
  outs.forEach((t, k) => live(`outputs[${k}]`, t));
  ins.forEach((t, k) => live(`inputs[${k}]`, t));
  if (opts.gradOutputs !== undefined && !Array.isArray(opts.gradOutputs)) throw new Error(`grad: gradOutputs must be an array of tensors, got ${typeof opts.gradOutputs}`);
  opts.gradOutputs?.forEach((t, k) => { if (t !== null && t !== undefined) live(`gradOutputs[${k}]`, t); });
  for (const t of ins) if (!t.requiresGrad) throw new Error('grad: one of the differentiated tensors does not require grad');
  const total: (Tensor | null)[] = ins.map(() => null);
  outs.forEach((y, k) => {
    let seed = opts.gradOutputs?.[k];
    if (!seed) {
      if (y.numel() !== 1) throw new Error('grad: grad can be implicitly created only for scalar outputs');
      seed = new Tensor(native.full([...y.shape], 1, y.dtype));
    } else if (seed.shape.join(',') !== y.shape.join(','))
      throw new Error(`grad: gradOutputs[${k}] has shape [${seed.shape.join(', ')}] but outputs[${k}] has shape [${y.shape.join(', ')}]`);
    const retain = opts.retainGraph ?? opts.createGraph ?? false;
    const found = runBackward(y, seed, { retainGraph: retain || k < outs.length - 1, createGraph: opts.createGraph }, ins) as (Tensor | null)[];
    found.forEach((g, i) => { if (g) total[i] = total[i] ? total[i]!.add(g) : g; });
  });
  if (!opts.allowUnused && total.some((g) => g === null))
    throw new Error('grad: one of the differentiated tensors appears to not have been used in the graph; set allowUnused: true if this is desired');
  return total;
}
