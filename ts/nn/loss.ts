// Loss modules: each holds its options and calls the nn.functional form.
import type { Tensor } from '../tensor';
import { Module } from './module';
import * as F from './functional';

abstract class Loss<O> extends Module {
  constructor(readonly opts: O) { super(); }
  abstract forward(input: Tensor, target: Tensor): Tensor;
}
type R = F.LossOptions;
export class MSELoss extends Loss<R> { constructor(o: R = {}) { super(o); } forward(i: Tensor, t: Tensor): Tensor { return F.mseLoss(i, t, this.opts); } }
export class L1Loss extends Loss<R> { constructor(o: R = {}) { super(o); } forward(i: Tensor, t: Tensor): Tensor { return F.l1Loss(i, t, this.opts); } }
export class HuberLoss extends Loss<R & { delta?: number }> {
  constructor(o: R & { delta?: number } = {}) { super(o); }
  forward(i: Tensor, t: Tensor): Tensor { return F.huberLoss(i, t, this.opts); }
}
export class SmoothL1Loss extends Loss<R & { beta?: number }> {
  constructor(o: R & { beta?: number } = {}) { super(o); }
  forward(i: Tensor, t: Tensor): Tensor { return F.smoothL1Loss(i, t, this.opts); }
}
export class BCELoss extends Loss<R & { weight?: Tensor | null }> {
  constructor(o: R & { weight?: Tensor | null } = {}) { super(o); }
  forward(i: Tensor, t: Tensor): Tensor { return F.binaryCrossEntropy(i, t, this.opts); }
}
export class BCEWithLogitsLoss extends Loss<R & { weight?: Tensor | null; posWeight?: Tensor | null }> {
  constructor(o: R & { weight?: Tensor | null; posWeight?: Tensor | null } = {}) { super(o); }
  forward(i: Tensor, t: Tensor): Tensor { return F.binaryCrossEntropyWithLogits(i, t, this.opts); }
}
/**
 * Cross entropy on logits: class indices or probabilities, weight, ignoreIndex, labelSmoothing.
 * ```ts
 * const loss = new CrossEntropyLoss().forward(model.forward(x), y);
 * ```
 */
export class CrossEntropyLoss extends Loss<F.CrossEntropyOptions> {
  constructor(o: F.CrossEntropyOptions = {}) { super(o); }
  forward(i: Tensor, t: Tensor): Tensor { return F.crossEntropy(i, t, this.opts); }
}
export class NLLLoss extends Loss<F.NllOptions> {
  constructor(o: F.NllOptions = {}) { super(o); }
  forward(i: Tensor, t: Tensor): Tensor { return F.nllLoss(i, t, this.opts); }
}
export class KLDivLoss extends Loss<{ reduction?: F.Reduction | 'batchmean'; logTarget?: boolean }> {
  constructor(o: { reduction?: F.Reduction | 'batchmean'; logTarget?: boolean } = {}) { super(o); }
  forward(i: Tensor, t: Tensor): Tensor { return F.klDiv(i, t, this.opts); }
}
