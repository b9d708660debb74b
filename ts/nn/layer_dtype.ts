// The `{ dtype }` option of the parameterized layers (torch's factory_kwargs), checked once
// for all of them. Not re-exported by nn/index: layers use it, users pass the option.
import type { DType } from '../dtype';
import { dtypeArg } from '../args';

/** A layer's factory options: the dtype of its parameters and floating buffers (float32 by default). */
export interface LayerDtype { dtype?: DType }

/** The dtype of a layer's parameters, checked: parameters train, so integer dtypes are refused. */
export function layerDtype(layer: string, o: LayerDtype | undefined): DType {
  if (o?.dtype === undefined) return 'float32';
  const d = dtypeArg(layer, o.dtype);
  if (d !== 'float32' && d !== 'float64') throw new Error(`${layer}: dtype must be a floating dtype ('float32' or 'float64') for trainable parameters, got '${d}'`);
  return d;
}
