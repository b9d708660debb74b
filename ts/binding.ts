// The native addon's surface, declared as a TypeScript interface (the only file that
// loads it). Handles are opaque externals; every export validates its arguments.
import type { DType } from './dtype';
import type { OpBinding } from './ops/binding_gen';

export type Handle = { readonly __handle: unique symbol };
/** A native graph (native/core/graph.h): freed with the GC, or by graph_dispose. */
export type GraphHandle = { readonly __graph: unique symbol };
/** A tensor argument of a graph step: the slot that holds it. */
export type SlotRef = { slot: number };
type H = Handle;
type Dims = number[];

// The op exports (ts/ops/binding_gen.ts, generated from native/ops.def) and the
// hand-written utilities below. No index signature: a call to an export that does not
// exist, or with arguments the row does not take, fails to compile.
export interface Binding extends OpBinding {
  // utilities
  dispose(x: H): void; meta(x: H): [DType, Dims, Dims, number, boolean]; shape(x: H): Dims; dtype(x: H): DType;
  same_storage(a: H, b: H): boolean; version(x: H): number; bump_version(x: H): void; to_array(x: H): Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array;
  data_async(x: H): Promise<Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array>;
  from_buffer(buffer: ArrayBuffer | SharedArrayBuffer, shape: Dims, dtype: DType, byteOffset: number): H;
  item(x: H): number | boolean;
  memory(): { numTensors: number; numStorages: number; numBytes: number; numBytesCached: number };
  empty_cache(): void; set_memory_limit(bytes: number | null): void;
  /** tidy() brackets its synchronous scope: native bytes made inside are reported to V8 when the outermost closes */
  hold_external(on: boolean): void;
  manual_seed(seed: number): void; rng_state(): [bigint, bigint]; set_rng_state(seed: bigint, offset: bigint): void; set_num_threads(n: number): void; get_num_threads(): number;
  backend_info(): { blas: string; parallel: string; conv: string; numThreads: number; build: string; cuda: boolean };
  op_list(): string[];
  supports(op: string, device: 'cpu' | 'cuda', dtype: DType): boolean;
  /** throws "<op>: no <device> kernel in this build" where the dispatch table has none */
  require_kernel(op: string, device: 'cpu' | 'cuda'): void;
  // traced graphs: a step's args are the export's argument list with each tensor replaced
  // by { slot: k } (an array of those for a tensor list); out slots null drop a result
  graph_new(numSlots: number, constants: [slot: number, h: H][], steps: [id: string, args: unknown[], outSlots: (number | null)[]][],
    inputSlots: number[], outputSlots: number[], inputMeta: [dtype: DType, shape: Dims][]): GraphHandle;
  graph_run(g: GraphHandle, inputs: H[]): H[];
  graph_run_async(g: GraphHandle, inputs: H[]): Promise<H[]>;
  graph_dispose(g: GraphHandle): void;
}

// MYELIN_ADDON overrides the path (e.g. to test the cmake or no-BLAS build).
function load(): Binding {
  const override = process.env.MYELIN_ADDON;
  if (override) return require(override) as Binding;
  // bindings searches build/Release, build/Debug, ... and lists every path it tried
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('bindings')({ bindings: 'myelin', module_root: require('path').join(__dirname, '..') }) as Binding;
}

export const native: Binding = load();
