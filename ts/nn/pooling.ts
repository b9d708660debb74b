// Pooling, resampling and padding layers: thin Modules over nn.functional.
import type { ValuesIndices } from '../tensor';
import { Tensor } from '../tensor';
import { Module, tensorArg, intArg } from './module';
import * as F from './functional';
import type { Size2, MaxPoolOptions, AvgPoolOptions, InterpolateOptions } from '../ops/pool';

const input = (m: Module, x: unknown): Tensor => tensorArg(m.constructor.name, 'input', x);
const s2 = (v: Size2 | null | undefined): string => (v === null || v === undefined ? 'None' : typeof v === 'number' ? String(v) : `(${v.join(', ')})`);

/**
 * Max over kH x kW windows of [N, C, H, W] input; stride defaults to the kernel size.
 * ```ts
 * new nn.MaxPool2d(2).forward(randn(8, 32, 28, 28));   // [8, 32, 14, 14]
 * ```
 */
export class MaxPool2d extends Module {
  readonly returnIndices: boolean;
  constructor(readonly kernelSize: Size2, readonly options: MaxPoolOptions & { returnIndices?: boolean } = {}) {
    super();
    this.returnIndices = !!options.returnIndices;
  }
  forward(x: Tensor): Tensor;
  forward(x: Tensor): Tensor | ValuesIndices {
    const r = F.maxPool2dWithIndices(input(this, x), this.kernelSize, this.options);
    return this.returnIndices ? r : r.values;
  }
  extraRepr(): string {
    const o = this.options;
    return `kernel_size=${s2(this.kernelSize)}, stride=${s2(o.stride ?? this.kernelSize)}, padding=${s2(o.padding ?? 0)}, dilation=${s2(o.dilation ?? 1)}, ceil_mode=${o.ceilMode ? 'True' : 'False'}`;
  }
}

/** Max over windows of [N, C, L] input. */
export class MaxPool1d extends Module {
  constructor(readonly kernelSize: number, readonly options: { stride?: number | null; padding?: number; dilation?: number; ceilMode?: boolean } = {}) { super(); }
  forward(x: Tensor): Tensor { return F.maxPool1d(input(this, x), this.kernelSize, this.options); }
  extraRepr(): string {
    const o = this.options;
    return `kernel_size=${this.kernelSize}, stride=${o.stride ?? this.kernelSize}, padding=${o.padding ?? 0}, dilation=${o.dilation ?? 1}, ceil_mode=${o.ceilMode ? 'True' : 'False'}`;
  }
}

/** Mean over kH x kW windows of [N, C, H, W] input. */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Size2, readonly options: AvgPoolOptions = {}) { super(); }
  forward(x: Tensor): Tensor { return F.avgPool2d(input(this, x), this.kernelSize, this.options); }
  extraRepr(): string { return `kernel_size=${s2(this.kernelSize)}, stride=${s2(this.options.stride ?? this.kernelSize)}, padding=${s2(this.options.padding ?? 0)}`; }
}

/** Mean pooling to a fixed output size (null keeps that input dim). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Size2 | [number | null, number | null]) { super(); }
  forward(x: Tensor): Tensor { return F.adaptiveAvgPool2d(input(this, x), this.outputSize); }
  extraRepr(): string { return `output_size=${s2(this.outputSize as Size2)}`; }
}

/** Max pooling to a fixed output size. */
export class AdaptiveMaxPool2d extends Module {
  constructor(readonly outputSize: Size2 | [number | null, number | null], readonly returnIndices = false) { super(); }
  forward(x: Tensor): Tensor;
  forward(x: Tensor): Tensor | ValuesIndices {
    const r = F.adaptiveMaxPool2d(input(this, x), this.outputSize);
    return this.returnIndices ? r : r.values;
  }
  extraRepr(): string { return `output_size=${s2(this.outputSize as Size2)}`; }
}

/** Resamples [N, C, H, W] input by size or scale factor, nearest or bilinear. */
export class Upsample extends Module {
  constructor(readonly options: InterpolateOptions) { super(); }
  forward(x: Tensor): Tensor { return F.interpolate(input(this, x), this.options); }
  extraRepr(): string {
    const o = this.options;
    const sf = o.scaleFactor === undefined || o.scaleFactor === null ? 'None' : typeof o.scaleFactor === 'number' ? `${o.scaleFactor.toFixed(1)}` : `(${o.scaleFactor.join(', ')})`;
    return `${o.size ? `size=${s2(o.size)}` : `scale_factor=${sf}`}, mode='${o.mode ?? 'nearest'}'`;
  }
}

/** Zero padding of the last two dims: a number, or [left, right, top, bottom]. */
export class ZeroPad2d extends Module {
  readonly padding: [number, number, number, number];
  constructor(padding: number | [number, number, number, number]) {
    super();
    const p = typeof padding === 'number' ? [padding, padding, padding, padding] : padding;
    if (!Array.isArray(p) || p.length !== 4)
      throw new Error(`ZeroPad2d: padding must be a number or [left, right, top, bottom], got ${Array.isArray(p) ? `${p.length} values` : typeof p}`);
    // negative padding crops (torch), so any integer is a padding
    p.forEach((v) => intArg('ZeroPad2d', 'padding', v, -Infinity));
    this.padding = [p[0], p[1], p[2], p[3]];
  }
  forward(x: Tensor): Tensor { return input(this, x).pad(this.padding); }
  extraRepr(): string { return `(${this.padding.join(', ')})`; }
}
