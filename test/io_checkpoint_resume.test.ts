// Exact resume: the MNIST MLP (with dropout) trained 4 epochs straight equals, bit for bit,
// 2 epochs + io.saveCheckpoint, then io.resume in a NEW process + 2 epochs. Controls show the
// test can fail: resuming without the generator or the loader's shuffling state differs.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as m from '../ts/index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'myelin-resume-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const dist = path.join(__dirname, '..', 'dist', 'index.js');

// One child run: MODE straight | first | second | second-norng | second-noloader. Every run
// builds the same setup from seed 0 (2,000 training images, batch 64, Adam + ExponentialLR,
// a shuffling loader with a seed, dropout 0.2), so only the checkpoint can carry the state.
const script = `
const m = require(${JSON.stringify(dist)});
const { nn, optim, data, io, train } = m;
const [mode, ck, out] = process.argv.slice(1);
m.manualSeed(0);
const { images, labels } = data.loadMnist({ split: 'train' });
const x = m.noGrad(() => images.narrow(0, 0, 2000).sub(0.1307).div(0.3081));
const y = labels.narrow(0, 0, 2000).clone();
const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 64), new nn.ReLU(), new nn.Dropout(0.2),
  new nn.Linear(64, 32), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(32, 10));
const optimizer = new optim.Adam(model.parameters(), { lr: 2e-3 });
const scheduler = new optim.ExponentialLR(optimizer, { gamma: 0.8 });
const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 7 });
const ce = new nn.CrossEntropyLoss();
const quiet = { start() {}, update() {}, stop() {} };
const run = (epochs, initialEpoch) => train.fit(model, loader, { epochs, initialEpoch, optimizer, scheduler, lossFn: (o, t) => ce.forward(o, t), progress: quiet });
let info = {};
if (mode === 'straight') run(4);
else if (mode === 'first') { run(2); io.saveCheckpoint(ck, { model, optimizer, scheduler, dataLoader: loader, epoch: 2, step: 2 * loader.length, extra: { note: 'half way' } }); }
else {
  const r = io.resume(ck, { model, optimizer, scheduler, dataLoader: mode === 'second-noloader' ? undefined : loader, rng: mode !== 'second-norng' });
  info = { ...r, lr: optimizer.paramGroups[0].lr, lastEpoch: scheduler.lastEpoch };
  info.epochs = run(4, r.epoch).map((l) => l.epoch);  // fit goes on from the checkpoint's epoch
}
model.save(out);
process.stdout.write(JSON.stringify(info));
`;

function child(mode: string, out: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['-e', script, mode, path.join(tmp, 'ck.safetensors'), path.join(tmp, out)], { encoding: 'utf8', timeout: 120_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}
/** Every tensor of a saved model as bytes, by name. */
function bytes(file: string): Map<string, Buffer> {
  const t = m.io.loadSafetensors(path.join(tmp, file));
  const out = new Map(Object.entries(t).map(([k, v]) => { const d = v.data() as Float32Array; return [k, Buffer.from(d.buffer, d.byteOffset, d.byteLength)]; }));
  for (const v of Object.values(t)) v.dispose();
  return out;
}
const same = (a: Map<string, Buffer>, b: Map<string, Buffer>) => [...a.keys()].every((k) => b.has(k) && a.get(k)!.equals(b.get(k)!)) && a.size === b.size;

describe('io.resume: exact resume in a new process', () => {
  it('4 epochs straight == 2 epochs, checkpoint, new process, resume, 2 epochs (bit-identical weights)', () => {
    child('straight', 'straight.safetensors');
    child('first', 'half.safetensors');
    const info = child('second', 'resumed.safetensors');
    // right after resume: the counters, the extra and the decayed lr (2e-3 * 0.8^2, as torch computes it)
    expect(info).toMatchObject({ epoch: 2, step: 64, extra: { note: 'half way' }, lastEpoch: 2 });
    expect(info.lr).toBe(2e-3 * 0.8 * 0.8);
    expect(info.epochs).toEqual([3, 4]);
    const straight = bytes('straight.safetensors'), half = bytes('half.safetensors'), resumed = bytes('resumed.safetensors');
    expect(straight.size).toBe(6);
    expect(same(straight, half)).toBe(false);  // epochs 3-4 changed the weights
    for (const [k, v] of straight) expect(resumed.get(k)!.equals(v), k).toBe(true);
  }, 240_000);

  it('controls: resuming without the generator state (dropout masks) or the loader state (shuffle) gives other weights', () => {
    if (!fs.existsSync(path.join(tmp, 'ck.safetensors'))) child('first', 'half.safetensors');
    if (!fs.existsSync(path.join(tmp, 'straight.safetensors'))) child('straight', 'straight.safetensors');
    child('second-norng', 'norng.safetensors');
    child('second-noloader', 'noloader.safetensors');
    const straight = bytes('straight.safetensors');
    expect(same(straight, bytes('norng.safetensors'))).toBe(false);
    expect(same(straight, bytes('noloader.safetensors'))).toBe(false);
  }, 240_000);

  it('the checkpoint file: model.* tensors, optimizer state by parameter name, JSON metadata', () => {
    if (!fs.existsSync(path.join(tmp, 'ck.safetensors'))) child('first', 'half.safetensors');
    const { tensors, metadata } = m.io.readSafetensors(path.join(tmp, 'ck.safetensors'));
    const names = Object.keys(tensors).sort();
    expect(names.filter((n) => n.startsWith('model.'))).toEqual(['model.1.bias', 'model.1.weight', 'model.4.bias', 'model.4.weight', 'model.7.bias', 'model.7.weight']);
    expect(names.filter((n) => n.startsWith('optimizer.'))).toContain('optimizer.state.1.weight.expAvg');
    expect(names.filter((n) => n.startsWith('optimizer.')).length).toBe(12);  // expAvg and expAvgSq of 6 parameters
    const opt = JSON.parse(metadata.optimizer);
    expect(opt.paramGroups[0].paramNames).toEqual(['1.weight', '1.bias', '4.weight', '4.bias', '7.weight', '7.bias']);
    expect(opt.paramGroups[0].params).toEqual([0, 1, 2, 3, 4, 5]);
    expect(opt.state['0'].step).toBe(64);
    expect(JSON.parse(metadata.scheduler)).toMatchObject({ lastEpoch: 2 });
    expect(metadata.epoch).toBe('2');
    expect(JSON.parse(metadata.rng).seed).toBe('0');
    for (const t of Object.values(tensors)) t.dispose();
  });
});
