// The subset of TensorBoard's protobuf schema that event files need (tensorflow's event.proto,
// summary.proto, tensor.proto, and the hparams plugin's plugin_data.proto), as a protobufjs
// JSON descriptor, plus the TFRecord framing (length, masked CRC32C) that wraps each Event.
//
// Field numbers are copied from the upstream .proto files; names are camelCase (the wire
// format carries only numbers). A descriptor in code: no .proto file to resolve from dist/.
import * as protobuf from 'protobufjs';
import { crc32c } from '@node-rs/crc32';

const f = (type: string, id: number, extra: Record<string, unknown> = {}) => ({ type, id, ...extra });
const rep = (type: string, id: number) => ({ type, id, rule: 'repeated' });
const packed = (type: string, id: number) => ({ type, id, rule: 'repeated', options: { packed: true } });

const TB_PROTO = {
  nested: {
    tb: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ['fileVersion', 'graphDef', 'summary'] } },
          fields: { wallTime: f('double', 1), step: f('int64', 2), fileVersion: f('string', 3), graphDef: f('bytes', 4), summary: f('Summary', 5) },
        },
        SummaryMetadata: {
          fields: { pluginData: f('PluginData', 1), displayName: f('string', 2), summaryDescription: f('string', 3), dataClass: f('int32', 4) },
          nested: { PluginData: { fields: { pluginName: f('string', 1), content: f('bytes', 2) } } },
        },
        HistogramProto: {
          fields: {
            min: f('double', 1), max: f('double', 2), num: f('double', 3), sum: f('double', 4), sumSquares: f('double', 5),
            bucketLimit: packed('double', 6), bucket: packed('double', 7),
          },
        },
        TensorShapeProto: {
          fields: { dim: rep('Dim', 2), unknownRank: f('bool', 3) },
          nested: { Dim: { fields: { size: f('int64', 1), name: f('string', 2) } } },
        },
        TensorProto: {
          fields: {
            dtype: f('int32', 1), tensorShape: f('TensorShapeProto', 2), versionNumber: f('int32', 3), tensorContent: f('bytes', 4),
            floatVal: packed('float', 5), doubleVal: packed('double', 6), intVal: packed('int32', 7), stringVal: rep('bytes', 8),
          },
        },
        Summary: {
          fields: { value: rep('Value', 1) },
          nested: {
            Image: { fields: { height: f('int32', 1), width: f('int32', 2), colorspace: f('int32', 3), encodedImageString: f('bytes', 4) } },
            Value: {
              oneofs: { value: { oneof: ['simpleValue', 'image', 'histo', 'tensor'] } },
              fields: {
                nodeName: f('string', 7), tag: f('string', 1), metadata: f('SummaryMetadata', 9),
                simpleValue: f('float', 2), image: f('Image', 4), histo: f('HistogramProto', 5), tensor: f('TensorProto', 8),
              },
            },
          },
        },
        // google/protobuf/struct.proto's Value and ListValue, for hparam values and domains
        PbValue: {
          oneofs: { kind: { oneof: ['nullValue', 'numberValue', 'stringValue', 'boolValue', 'listValue'] } },
          fields: { nullValue: f('int32', 1), numberValue: f('double', 2), stringValue: f('string', 3), boolValue: f('bool', 4), listValue: f('PbListValue', 6) },
        },
        PbListValue: { fields: { values: rep('PbValue', 1) } },
        // tensorboard/plugins/hparams/api.proto and plugin_data.proto
        HParamsPluginData: {
          oneofs: { data: { oneof: ['experiment', 'sessionStartInfo', 'sessionEndInfo'] } },
          fields: { version: f('int32', 1), experiment: f('Experiment', 2), sessionStartInfo: f('SessionStartInfo', 3), sessionEndInfo: f('SessionEndInfo', 4) },
        },
        Experiment: {
          fields: {
            name: f('string', 6), description: f('string', 1), user: f('string', 2), timeCreatedSecs: f('double', 3),
            hparamInfos: rep('HParamInfo', 4), metricInfos: rep('MetricInfo', 5),
          },
        },
        HParamInfo: { fields: { name: f('string', 1), displayName: f('string', 2), description: f('string', 3), type: f('int32', 4), domainDiscrete: f('PbListValue', 5) } },
        MetricInfo: { fields: { name: f('MetricName', 1), displayName: f('string', 3), description: f('string', 4), datasetType: f('int32', 5) } },
        MetricName: { fields: { group: f('string', 1), tag: f('string', 2) } },
        SessionStartInfo: {
          fields: {
            hparams: { keyType: 'string', type: 'PbValue', id: 1 }, modelUri: f('string', 2), monitorUrl: f('string', 3),
            groupName: f('string', 4), startTimeSecs: f('double', 5),
          },
        },
        SessionEndInfo: { fields: { status: f('int32', 1), endTimeSecs: f('double', 2) } },
      },
    },
  },
};

let root: protobuf.Root | null = null;
/** The message type `name` (compiled by protobufjs at first use). */
export function tbType(name: string): protobuf.Type {
  root ??= protobuf.Root.fromJSON(TB_PROTO as protobuf.INamespace);
  return root.lookupType(`tb.${name}`);
}
export function encodeMsg(name: string, obj: Record<string, unknown>): Uint8Array {
  const T = tbType(name);
  const err = T.verify(obj);
  if (err) throw new Error(`SummaryWriter: bad ${name}: ${err}`);
  return T.encode(T.fromObject(obj)).finish();
}

/** TFRecord's CRC: CRC32C rotated right by 15 bits plus a constant (so a CRC of CRCs is not trivially zero). */
export function maskedCrc32c(b: Uint8Array): number {
  const c = crc32c(Buffer.from(b.buffer, b.byteOffset, b.byteLength)) >>> 0;
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord: uint64 length, masked CRC of the length, the data, masked CRC of the data (little-endian). */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/** Splits a TFRecord stream into its records, checking both CRCs of each; a truncated or corrupt record throws, named. */
export function unframeRecords(buf: Uint8Array, what = 'event file'): Uint8Array[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const recs: Uint8Array[] = [];
  for (let off = 0; off < b.length;) {
    if (off + 12 > b.length) throw new Error(`readEvents: ${what}: truncated record header at byte ${off}`);
    if (b.readUInt32LE(off + 8) !== maskedCrc32c(b.subarray(off, off + 8))) throw new Error(`readEvents: ${what}: bad length CRC at byte ${off}`);
    const n = Number(b.readBigUInt64LE(off));
    if (off + 12 + n + 4 > b.length) throw new Error(`readEvents: ${what}: record at byte ${off} claims ${n} bytes, past the end (${b.length})`);
    const data = b.subarray(off + 12, off + 12 + n);
    if (b.readUInt32LE(off + 12 + n) !== maskedCrc32c(data)) throw new Error(`readEvents: ${what}: bad data CRC in the record at byte ${off}`);
    recs.push(new Uint8Array(data));
    off += 12 + n + 4;
  }
  return recs;
}
