// torch nn.LSTM / nn.GRU weights load unchanged into myelin's layers: state dicts written by
// torch through safetensors.torch.save_file and torch.save (scripts/gen_rnn_io_fixtures.py)
// give torch's outputs and final states (1e-5) in nn.LSTM (bidirectional, 2 layers, projSize)
// and nn.GRU, and in a whole Embedding -> LSTM -> Linear model keyed by module paths.
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as m from '../ts/index';
import { nn } from '../ts/index';

const dir = path.join(__dirname, 'fixtures', 'torch');
const fx = (name: string): string => path.join(dir, name);
interface Arr { shape: number[]; data: number[] }
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const cases = JSON.parse(fs.readFileSync(fx('rnn_cases.json'), 'utf8')).cases as Record<string, any>;
const t = (a: Arr, dtype: 'float32' | 'int64' = 'float32'): m.Tensor =>
  dtype === 'int64' ? m.tensor(a.data, { dtype }).reshape(a.shape) : m.tensor(a.data).reshape(a.shape);

/** Max |got - want| after checking the shape; also checks the reference is not all near zero. */
function maxDiff(got: m.Tensor, want: Arr): number {
  expect([...got.shape]).toEqual(want.shape);
  const g = got.contiguous().data() as Float32Array;
  expect(Math.max(...want.data.map(Math.abs))).toBeGreaterThan(0.05);
  let d = 0;
  for (let i = 0; i < g.length; i++) d = Math.max(d, Math.abs(g[i] - want.data[i]));
  return d;
}

/** myelin's layer built from the torch constructor arguments the generator recorded. */
function layerOf(c: { class: string; options: Record<string, number | boolean> }): nn.LSTM | nn.GRU {
  const o = c.options;
  const opts = { numLayers: o.num_layers as number | undefined, bidirectional: o.bidirectional as boolean | undefined, batchFirst: o.batch_first as boolean | undefined, bias: o.bias as boolean | undefined };
  return c.class === 'LSTM'
    ? new nn.LSTM(o.input_size as number, o.hidden_size as number, { ...opts, projSize: o.proj_size as number | undefined })
    : new nn.GRU(o.input_size as number, o.hidden_size as number, opts);
}

// safetensors stores its header's keys sorted (safetensors.torch.save_file); torch.save keeps the state dict's order
const loaders: [string, (name: string) => Promise<Record<string, m.Tensor>>, (keys: string[]) => string[]][] = [
  ['safetensors', async (name) => m.io.loadSafetensors(fx(`rnn_${name}.safetensors`)), (keys) => [...keys].sort()],
  ['torch.save', async (name) => (await m.io.loadTorch(fx(`rnn_${name}.pt`))) as Record<string, m.Tensor>, (keys) => keys],
];

describe('torch nn.LSTM / nn.GRU state dicts give torch\'s outputs and final states in myelin', () => {
  for (const name of ['lstm', 'lstm_proj', 'gru', 'gru_zero_state']) {
    for (const [fmt, load, order] of loaders) {
      it(`${name} (${fmt})`, async () => {
        const c = cases[name];
        const sd = await load(name);
        expect(Object.keys(sd)).toEqual(order(c.keys));   // torch's key names
        const layer = layerOf(c);
        expect([...layer.stateDict().keys()]).toEqual(c.keys);
        const r = layer.loadStateDict(sd, { strict: true });
        expect(r.missingKeys).toEqual([]);
        expect(r.unexpectedKeys).toEqual([]);
        layer.eval();
        m.noGrad(() => {
          const x = t(c.x);
          if (layer instanceof nn.LSTM) {
            const [out, [hn, cn]] = layer.forward(x, c.h0 ? [t(c.h0), t(c.c0)] : null);
            expect(maxDiff(out, c.out)).toBeLessThan(1e-5);
            expect(maxDiff(hn, c.hn)).toBeLessThan(1e-5);
            expect(maxDiff(cn, c.cn)).toBeLessThan(1e-5);
          } else {
            const [out, hn] = layer.forward(x, c.h0 ? t(c.h0) : null);
            expect(maxDiff(out, c.out)).toBeLessThan(1e-5);
            expect(maxDiff(hn, c.hn)).toBeLessThan(1e-5);
          }
        });
      });
    }
  }

  it('a weight of the wrong shape (a GRU state dict into an LSTM) is refused by loadStateDict, naming the key', () => {
    const sd = m.io.loadSafetensors(fx('rnn_gru.safetensors'));
    const lstm = new nn.LSTM(5, 6, { numLayers: 2, bidirectional: true, batchFirst: true });
    expect(() => lstm.loadStateDict(sd, { strict: true })).toThrow(/weight_ih_l0/);
  });
});

/** Embedding -> LSTM -> Linear on the last step, with torch's attribute names. */
class Classifier extends nn.Module {
  emb = new nn.Embedding(12, 5);
  lstm = new nn.LSTM(5, 6, { numLayers: 2, batchFirst: true, bidirectional: true });
  fc = new nn.Linear(12, 3);
  forward(x: m.Tensor): m.Tensor {
    const [out] = this.lstm.forward(this.emb.forward(x));
    return this.fc.forward(out.select(1, -1));
  }
}

describe('a torch Embedding -> LSTM -> Linear classifier loads by module path', () => {
  for (const [fmt, load, order] of loaders) {
    it(`classifier (${fmt}): torch's logits`, async () => {
      const c = cases.classifier;
      const sd = await load('classifier');
      expect(Object.keys(sd)).toEqual(order(c.keys));
      const net = new Classifier();
      expect([...net.stateDict().keys()]).toEqual(c.keys);
      net.loadStateDict(sd, { strict: true });
      net.eval();
      const y = m.noGrad(() => net.forward(t(c.tokens, 'int64')));
      expect(maxDiff(y, c.logits)).toBeLessThan(1e-5);
    });
  }
});
