// Layers over NCHW feature maps: BatchNorm2d, GroupNorm, Dropout2d (nn.functional does the math).
import { ones, zeros } from '../creation';
import type { Tensor } from '../tensor';
import { Module, Parameter, tensorArg, intArg, numberArg } from './module';
import { BatchNorm1d } from './layers';
import { layerDtype, type LayerDtype } from './layer_dtype';
import * as F from './functional';

/** Batch normalization of [N, C, H, W] input per channel (running statistics as BatchNorm1d). */
export class BatchNorm2d extends BatchNorm1d {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new Error(`BatchNorm2d: expected 4D input (got ${x.ndim}D input)`);
  }
}

/** Normalizes [N, C, ...] over groups of C / numGroups channels, with per-channel affine parameters. */
export class GroupNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  constructor(readonly numGroups: number, readonly numChannels: number, readonly eps = 1e-5, o: { affine?: boolean } & LayerDtype = {}) {
    super();
    intArg('GroupNorm', 'num_groups', numGroups, 1);
    intArg('GroupNorm', 'num_channels', numChannels);
    numberArg('GroupNorm', 'eps', eps, 0);
    if (numChannels % numGroups)
      throw new Error(`GroupNorm: num_channels (${numChannels}) must be divisible by num_groups (${numGroups})`);
    const affine = o.affine ?? true, dtype = layerDtype('GroupNorm', o);
    this.weight = affine ? new Parameter(ones([numChannels], { dtype })) : null;
    this.bias = affine ? new Parameter(zeros([numChannels], { dtype })) : null;
  }
  forward(x: Tensor): Tensor {
    tensorArg('GroupNorm', 'input', x);
    if (x.ndim < 2 || x.shape[1] !== this.numChannels)
      throw new Error(`GroupNorm: expected input with ${this.numChannels} channels, got [${x.shape.join(', ')}]`);
    return F.groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }
  extraRepr(): string { return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.weight ? 'True' : 'False'}`; }
}

/** Zeroes whole channels with probability p in training (inverted scaling, as Dropout). */
export class Dropout2d extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`Dropout2d: probability has to be between 0 and 1, but got ${String(p)}`);
  }
  forward(x: Tensor): Tensor { return F.dropout2d(tensorArg('Dropout2d', 'input', x), this.p, this.training); }
  extraRepr(): string { return `p=${this.p}, inplace=False`; }
}
