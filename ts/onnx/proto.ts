// The ONNX protobuf codec (ModelProto encode/decode) and the plain shapes of the messages
// myelin reads and writes, with the dtype table between ONNX's TensorProto.DataType and myelin.
//
// Why protobufjs by reflection from a JSON descriptor (ts/onnx/onnx_proto_gen.ts, made once
// by scripts/gen_onnx_proto.js from the official onnx.proto): protobufjs is the maintained
// pure-JS protobuf library (no native build), its reflection compiles a decoder per message
// type at first use, so it decodes as fast as a pbjs static module; the descriptor is 11 KB
// where a static module with its .d.ts is ~400 KB of generated code; and no .proto is parsed
// at runtime (no file path to resolve from dist/).
import * as fs from 'fs';
import * as protobuf from 'protobufjs';
import { ONNX_PROTO_JSON } from './onnx_proto_gen';
import type { DType } from '../dtype';

/** int64 fields decode as Long (protobufjs with long.js) or number. */
export type Int64 = number | { toNumber(): number; low: number; high: number };

export interface TensorProto {
  dims?: Int64[]; dataType?: number; name?: string; rawData?: Uint8Array;
  floatData?: number[]; int32Data?: number[]; int64Data?: Int64[]; doubleData?: number[]; uint64Data?: Int64[];
  stringData?: Uint8Array[]; dataLocation?: number; externalData?: unknown[]; segment?: unknown;
}
export interface AttributeProto {
  name?: string; type?: number; f?: number; i?: Int64; s?: Uint8Array; t?: TensorProto; g?: GraphProto;
  floats?: number[]; ints?: Int64[]; strings?: Uint8Array[]; tensors?: TensorProto[]; graphs?: GraphProto[]; refAttrName?: string;
}
export interface NodeProto { input?: string[]; output?: string[]; name?: string; opType?: string; domain?: string; attribute?: AttributeProto[] }
export interface DimProto { dimValue?: Int64; dimParam?: string }
export interface TypeProto { tensorType?: { elemType?: number; shape?: { dim?: DimProto[] } } }
export interface ValueInfoProto { name?: string; type?: TypeProto }
export interface GraphProto {
  node?: NodeProto[]; name?: string; initializer?: TensorProto[]; input?: ValueInfoProto[]; output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[]; sparseInitializer?: unknown[];
}
export interface OperatorSetIdProto { domain?: string; version?: Int64 }
export interface ModelProto {
  irVersion?: Int64; opsetImport?: OperatorSetIdProto[]; producerName?: string; producerVersion?: string;
  domain?: string; modelVersion?: Int64; docString?: string; graph?: GraphProto; functions?: unknown[];
}

/** AttributeProto.AttributeType values. */
export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** TensorProto.DataType <-> myelin dtype: the element types both sides hold. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, bfloat16: 16,
};
const FROM_ONNX = new Map<number, DType>(Object.entries(ONNX_DTYPE).map(([d, n]) => [n, d as DType]));
/** ONNX data type names, for messages about the ones myelin lacks. */
const ONNX_TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 4: 'UINT16', 5: 'INT16', 8: 'STRING', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64', 15: 'COMPLEX128',
  17: 'FLOAT8E4M3FN', 18: 'FLOAT8E4M3FNUZ', 19: 'FLOAT8E5M2', 20: 'FLOAT8E5M2FNUZ', 21: 'UINT4', 22: 'INT4', 23: 'FLOAT4E2M1',
};
/** The myelin dtype of an ONNX data type; other types throw, named. */
export function dtypeFromOnnx(op: string, what: string, t: number | undefined): DType {
  const d = FROM_ONNX.get(t ?? 0);
  if (d === undefined) throw new Error(`${op}: ${what} has ONNX data type ${t ?? 0} (${ONNX_TYPE_NAMES[t ?? 0] ?? 'unknown'}), which myelin does not hold (supported: ${[...FROM_ONNX].map(([n, dt]) => `${n} ${dt}`).join(', ')})`);
  return d;
}

/** A decoded int64 as a JS number (exact up to 2^53; larger values are a bad file). */
export function int64(v: Int64 | undefined | null): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

let modelType: protobuf.Type | null = null;
function codec(): protobuf.Type {
  if (!modelType) modelType = protobuf.Root.fromJSON(ONNX_PROTO_JSON as protobuf.INamespace).lookupType('onnx.ModelProto');
  return modelType;
}

/** Serializes a ModelProto. */
export function encodeModel(m: ModelProto): Uint8Array {
  const T = codec();
  return T.encode(T.fromObject(m as Record<string, unknown>)).finish();
}

/** Parses a ModelProto; protobufjs's errors (truncated or malformed wire data) come back named. */
export function decodeModel(op: string, what: string, bytes: Uint8Array): ModelProto {
  try {
    return codec().decode(bytes) as unknown as ModelProto;
  } catch (e) {
    throw new Error(`${op}: ${what}: not a valid ONNX protobuf (${(e as Error).message})`);
  }
}

/** A model file's bytes; only a regular file is read (a device such as /dev/zero never ends). */
export function readModelFile(op: string, path: string): Uint8Array {
  let b: Buffer;
  try {
    const st = fs.statSync(path);
    if (!st.isFile()) throw new Error(st.isDirectory() ? 'it is a directory' : 'it is not a regular file');
    b = fs.readFileSync(path);
  } catch (e) { throw new Error(`${op}: cannot read ${path}: ${(e as Error).message}`); }
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
