// Convolution layers (NCHW): thin Modules over the native conv kernels, with torch's
// default initialization (kaiming_uniform(a = √5) weights, U(±1/√fanIn) bias).
import { empty } from '../creation';
import type { Tensor } from '../tensor';
import { Module, Parameter } from './module';
import { layerDtype, type LayerDtype } from './layer_dtype';
import { showValue } from '../args';
import * as F from './functional';
import * as init from './init';
import type { Padding2, Size2 } from '../ops/conv';

/** A size option as n values: a number, or an array of n (checked as integers by the caller). */
function pair(name: string, what: string, v: unknown, n: number): number[] {
  if (typeof v === 'number') return Array(n).fill(v);
  if (Array.isArray(v) && v.length === n) return [...v];
  throw new Error(`${name}: ${what} must be an integer or a tuple of ${n} integers, got ${showValue(v)}`);
}
const tup = (v: number[]): string => `(${v.join(', ')}${v.length === 1 ? ',' : ''})`;

export interface ConvOptions extends LayerDtype {
  stride?: Size2; padding?: Padding2; dilation?: Size2; groups?: number; bias?: boolean;
}
export interface ConvTransposeOptions extends Omit<ConvOptions, 'padding'> { padding?: Size2; outputPadding?: Size2 }

abstract class ConvNd extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly dilation: number[];
  readonly groups: number;
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Size2, nd: number,
    o: ConvOptions | ConvTransposeOptions, readonly transposed: boolean) {
    super();
    const name = this.constructor.name;
    const posInts = (what: string, v: number[], min = 1) => {
      if (!v.every((x) => Number.isSafeInteger(x) && x >= min))
        throw new Error(`${name}: ${what} must be ${min ? 'positive' : 'non-negative'} integers, got ${v.every((x) => typeof x === 'number') ? tup(v) : showValue(v)}`);
    };
    posInts('in_channels', [inChannels], 0);  // torch builds zero-channel convs too
    posInts('out_channels', [outChannels], 0);
    this.groups = o.groups ?? 1;
    if (!Number.isSafeInteger(this.groups) || this.groups <= 0) throw new Error(`${name}: groups must be a positive integer, got ${showValue(this.groups)}`);
    if (inChannels % this.groups) throw new Error(`${name}: in_channels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups) throw new Error(`${name}: out_channels (${outChannels}) must be divisible by groups (${this.groups})`);
    this.kernelSize = pair(name, 'kernel_size', kernelSize, nd);
    this.stride = pair(name, 'stride', o.stride ?? 1, nd);
    this.dilation = pair(name, 'dilation', o.dilation ?? 1, nd);
    posInts('kernel_size', this.kernelSize);
    posInts('stride', this.stride);
    posInts('dilation', this.dilation);
    const pad = (o as { padding?: unknown }).padding, outPad = (o as { outputPadding?: Size2 }).outputPadding;
    if (typeof pad !== 'string') posInts('padding', pair(name, 'padding', pad ?? 0, nd), 0);
    else if (pad !== 'same' && pad !== 'valid') throw new Error(`${name}: invalid padding string '${pad}', should be one of 'same', 'valid'`);
    else if (pad === 'same' && this.stride.some((st) => st !== 1)) throw new Error(`${name}: padding='same' is not supported for strided convolutions`);
    if (outPad !== undefined) posInts('output_padding', pair(name, 'output_padding', outPad, nd), 0);
    const shape = transposed ? [inChannels, outChannels / this.groups, ...this.kernelSize] : [outChannels, inChannels / this.groups, ...this.kernelSize];
    const dtype = layerDtype(name, o);
    this.weight = new Parameter(empty(shape, { dtype }));
    this.bias = o.bias === false ? null : new Parameter(empty([outChannels], { dtype }));
    this.resetParameters();
  }
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const fanIn = init.calculateFanInAndFanOut(this.weight)[0];
      const b = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -b, b);
    }
  }
  protected reprPadding(): string { return ''; }
  extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${tup(this.kernelSize)}, stride=${tup(this.stride)}${this.reprPadding()}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${tup(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    return s;
  }
}

/**
 * 2-D convolution over [N, C, H, W] (or unbatched [C, H, W]) input.
 * ```ts
 * const conv = new nn.Conv2d(1, 32, 3, { padding: 1 });
 * conv.forward(randn(64, 1, 28, 28));   // [64, 32, 28, 28]
 * ```
 */
export class Conv2d extends ConvNd {
  readonly padding: Padding2;
  constructor(inChannels: number, outChannels: number, kernelSize: Size2, o: ConvOptions = {}) {
    super(inChannels, outChannels, kernelSize, 2, o, false);
    this.padding = typeof o.padding === 'string' ? o.padding : pair('Conv2d', 'padding', o.padding ?? 0, 2) as [number, number];
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, { stride: this.stride as [number, number], padding: this.padding, dilation: this.dilation as [number, number], groups: this.groups });
  }
  protected reprPadding(): string {
    const p = this.padding;
    return typeof p === 'string' ? `, padding=${p}` : (p as number[]).some((v) => v) ? `, padding=${tup(p as number[])}` : '';
  }
}

/** 1-D convolution over [N, C, L] (or unbatched [C, L]) input. */
export class Conv1d extends ConvNd {
  readonly padding: number | 'same' | 'valid';
  constructor(inChannels: number, outChannels: number, kernelSize: number, o: { stride?: number; padding?: number | 'same' | 'valid'; dilation?: number; groups?: number; bias?: boolean } & LayerDtype = {}) {
    super(inChannels, outChannels, kernelSize, 1, o, false);
    this.padding = o.padding ?? 0;
  }
  forward(x: Tensor): Tensor {
    return F.conv1d(x, this.weight, this.bias, { stride: this.stride[0], padding: this.padding, dilation: this.dilation[0], groups: this.groups });
  }
  protected reprPadding(): string { return typeof this.padding === 'string' ? `, padding=${this.padding}` : this.padding ? `, padding=(${this.padding},)` : ''; }
}

/** Transposed 2-D convolution (the gradient of Conv2d with respect to its input), weight [in, out/groups, kH, kW]. */
export class ConvTranspose2d extends ConvNd {
  readonly padding: number[];
  readonly outputPadding: number[];
  constructor(inChannels: number, outChannels: number, kernelSize: Size2, o: ConvTransposeOptions = {}) {
    super(inChannels, outChannels, kernelSize, 2, o, true);
    this.padding = pair('ConvTranspose2d', 'padding', o.padding ?? 0, 2);
    this.outputPadding = pair('ConvTranspose2d', 'output_padding', o.outputPadding ?? 0, 2);
  }
  forward(x: Tensor): Tensor {
    return F.convTranspose2d(x, this.weight, this.bias, { stride: this.stride as [number, number], padding: this.padding as [number, number],
      outputPadding: this.outputPadding as [number, number], dilation: this.dilation as [number, number], groups: this.groups });
  }
  protected reprPadding(): string {
    let s = this.padding.some((v) => v) ? `, padding=${tup(this.padding)}` : '';
    if (this.outputPadding.some((v) => v)) s += `, output_padding=${tup(this.outputPadding)}`;
    return s;
  }
}
