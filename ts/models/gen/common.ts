// Shared checks and helpers of the generative models: class labels for the conditional
// variants (checked, then one-hot) and DCGAN's weight init.
import { Tensor } from '../../tensor';
import * as nn from '../../nn/index';

/** Checks labels are int [N] in [0, numClasses) and returns their float one-hot [N, numClasses]. */
export function oneHotLabels(who: string, y: unknown, numClasses: number, n: number): Tensor {
  if (!(y instanceof Tensor) || y.isDisposed) throw new Error(`${who}: class labels must be a live int64 Tensor, got ${y instanceof Tensor ? 'a disposed tensor' : y === undefined ? 'none (this model is conditional)' : typeof y}`);
  if (y.isFloatingPoint() || y.dtype === 'bool') throw new Error(`${who}: class labels must be an integer tensor, got ${y.dtype}`);
  if (y.ndim !== 1 || y.shape[0] !== n) throw new Error(`${who}: class labels must have shape [${n}] (one per image), got [${y.shape.join(', ')}]`);
  const v = y.to('cpu').data() as ArrayLike<number | bigint>;
  for (let i = 0; i < v.length; i++) {
    const c = Number(v[i]);
    if (!(c >= 0 && c < numClasses)) throw new Error(`${who}: class label ${c} (at index ${i}) is out of range [0, ${numClasses})`);
  }
  return y.long().oneHot(numClasses).float();
}

/** Refuses labels given to an unconditional model (they would be silently ignored). */
export function noLabels(who: string, y: unknown): void {
  if (y !== undefined && y !== null) throw new Error(`${who}: this model is unconditional (numClasses 0) but class labels were given`);
}

export function intOpt(who: string, what: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`${who}: ${what} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** The DCGAN paper's init: conv and transposed-conv weights N(0, 0.02), batch-norm weights N(1, 0.02) and biases 0. */
export function dcganInit(m: nn.Module): void {
  for (const mod of m.modules()) {
    if (mod instanceof nn.Conv2d || mod instanceof nn.ConvTranspose2d) {
      nn.init.normal_(mod.weight, 0, 0.02);
      if (mod.bias) nn.init.zeros_(mod.bias);
    } else if (mod instanceof nn.BatchNorm2d) {
      nn.init.normal_(mod.weight!, 1, 0.02);
      nn.init.zeros_(mod.bias!);
    }
  }
}
