// `myelin train --save` and `myelin predict`: a model trained by the CLI (xor; the MNIST MLP at
// 1 epoch on 2,000 images) predicts from JSON and from a PNG made here from an MNIST test
// image exactly what the library's own forward gives on that input; bad inputs are named errors.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import * as m from '../ts/index';
import { train, io, data } from '../ts/index';
import { main } from '../ts/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'myelin-cli-io-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (f: string) => path.join(tmp, f);
const bin = path.join(__dirname, '..', 'bin', 'myelin.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 180_000 });
/** main() in this process: exit code and everything it printed. */
async function run(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(['node', 'myelin', ...args], (s) => lines.push(s));
  return { code, out: lines.join('\n') };
}
const f32 = (t: m.Tensor) => Array.from(t.data() as Float32Array);
/** The saved model rebuilt by the library itself, in eval mode. */
function library(build: () => m.nn.Module, file: string): m.nn.Module {
  const model = build();
  model.loadStateDict(io.loadSafetensors(file));
  model.eval();
  return model;
}

let testX: m.Tensor, testRaw: m.Tensor, testY: number[];
beforeAll(() => {
  const r1 = cli('train', 'xor', '--epochs', '500', '--save', at('xor.safetensors'));
  expect(r1.status, r1.stdout + r1.stderr).toBe(0);
  const r2 = cli('train', 'mnist-mlp', '--epochs', '1', '--train-limit', '2000', '--save', at('mlp.safetensors'));
  expect(r2.status, r2.stdout + r2.stderr).toBe(0);
  expect(r2.stdout).toMatch(/test accuracy [\d.]+% after 1 epoch/);
  // the test images as training normalizes them, and their raw pixels in [0, 1]
  const { test } = train.recipes.mnistDatasets(1);
  testX = test.tensors[0].narrow(0, 0, 20).clone();
  testY = (test.tensors[1].narrow(0, 0, 20).toArray() as number[]).map(Number);
  const raw = data.loadMnist({ split: 'test' });
  testRaw = raw.images.narrow(0, 0, 20).clone();
}, 240_000);

describe('myelin train --save', () => {
  it('writes the weights with metadata naming the recipe and its options', () => {
    const { tensors, metadata } = io.readSafetensors(at('mlp.safetensors'));
    expect(metadata).toEqual({ format: 'myelin.model/1', recipe: 'mnist-mlp', epochs: '1', trainLimit: '2000' });
    expect(Object.keys(tensors).sort()).toEqual(['1.bias', '1.weight', '4.bias', '4.weight', '7.bias', '7.weight']);
    expect(tensors['1.weight'].shape).toEqual([256, 784]);
    expect(io.readSafetensors(at('xor.safetensors')).metadata).toMatchObject({ recipe: 'xor', epochs: '500' });
  });
});

describe('myelin predict', () => {
  it('xor from JSON: a batch and one sample, equal to the model\'s own forward', () => {
    const inputs = [[0, 0], [0, 1], [1, 0], [1, 1]];
    fs.writeFileSync(at('xor.json'), JSON.stringify(inputs));
    const r = cli('predict', '--model', at('xor.safetensors'), '--recipe', 'xor', '--input', at('xor.json'));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const preds = JSON.parse(r.stdout) as { class: number; probabilities: number[] }[];
    const p1 = f32(library(train.recipes.xorMlp, at('xor.safetensors')).forward(m.tensor(inputs, { dtype: 'float32' })) as m.Tensor);
    expect(preds.map((p) => p.probabilities[1])).toEqual(p1);
    expect(preds.map((p) => p.probabilities[0])).toEqual(p1.map((p) => Math.fround(1 - p)));
    expect(preds.map((p) => p.class)).toEqual(p1.map((p) => (p > 0.5 ? 1 : 0)));
    expect(preds.map((p) => p.class)).toEqual([0, 1, 1, 0]);  // it learned XOR
    fs.writeFileSync(at('one.json'), '[1, 0]');
    const one = cli('predict', '--model', at('xor.safetensors'), '--recipe', 'xor', '--input', at('one.json'));
    expect(JSON.parse(one.stdout)).toEqual(preds[2]);
    // a training checkpoint of the same model predicts the same
    const model = library(train.recipes.xorMlp, at('xor.safetensors'));
    io.saveCheckpoint(at('xor_ck.safetensors'), { model, optimizer: new m.optim.SGD(model.parameters(), { lr: 1 }), epoch: 500 });
    const fromCk = cli('predict', '--model', at('xor_ck.safetensors'), '--recipe', 'xor', '--input', at('xor.json'));
    expect(JSON.parse(fromCk.stdout)).toEqual(preds);
  });

  it('MNIST MLP from JSON (20 test images, pixels in [0, 1]) and from a PNG: the library\'s forward, softmaxed', () => {
    const model = library(train.recipes.mnistMlp, at('mlp.safetensors'));
    const probs = (model.forward(testX) as m.Tensor).softmax(1);
    const want = f32(probs);
    const rows = Array.from({ length: 20 }, (_, i) => want.slice(10 * i, 10 * i + 10));
    // JSON batch [20, 1, 28, 28] of the raw pixels (float32 values print and parse back exactly)
    const nested = (testRaw.toArray() as number[][][][]);
    fs.writeFileSync(at('batch.json'), JSON.stringify(nested));
    const r = cli('predict', '--model', at('mlp.safetensors'), '--recipe', 'mnist-mlp', '--input', at('batch.json'));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const preds = JSON.parse(r.stdout) as { class: number; probabilities: number[] }[];
    expect(preds.map((p) => p.probabilities)).toEqual(rows);
    expect(preds.map((p) => p.class)).toEqual(rows.map((row) => row.indexOf(Math.max(...row))));
    // a model trained one epoch on 2,000 images gets most of them right (about 88% over the test set)
    expect(preds.filter((p, i) => p.class === testY[i]).length).toBeGreaterThanOrEqual(15);
    // one sample as a flat array of 784 numbers: the forward of a batch of one (whose float sums
    // may differ from the 20-batch's in the last bit: another matmul blocking)
    const one = (i: number) => f32((model.forward(testX.narrow(0, i, 1)) as m.Tensor).softmax(1));
    fs.writeFileSync(at('flat.json'), JSON.stringify(nested[3].flat(2)));
    const flat = JSON.parse(cli('predict', '--model', at('mlp.safetensors'), '--recipe', 'mnist-mlp', '--input', at('flat.json')).stdout);
    expect(flat.probabilities).toEqual(one(3));
    expect(flat.class).toBe(preds[3].class);
    // a PNG of test image 0 (gray levels k/255 are exactly the dataset's pixels)
    const png = new PNG({ width: 28, height: 28, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
    const px = f32(testRaw.narrow(0, 0, 1));
    png.data = Buffer.from(px.map((v) => Math.round(v * 255)));
    fs.writeFileSync(at('digit.png'), PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
    const img = cli('predict', '--model', at('mlp.safetensors'), '--recipe', 'mnist-mlp', '--input', at('digit.png'));
    expect(img.status, img.stdout + img.stderr).toBe(0);
    const fromPng = JSON.parse(img.stdout);
    expect(fromPng.probabilities).toEqual(one(0));
    expect(fromPng.class).toBe(testY[0]);
  });

  it('bad inputs exit non-zero with a named message', async () => {
    fs.writeFileSync(at('bad.json'), '[[0, 1], [1');
    fs.writeFileSync(at('ragged.json'), '[[0, 1], [1]]');
    fs.writeFileSync(at('wide.json'), '[0, 1, 1]');
    fs.writeFileSync(at('bytes.json'), JSON.stringify(Array(784).fill(255)));
    const big = new PNG({ width: 32, height: 32 });
    fs.writeFileSync(at('big.png'), PNG.sync.write(big));
    fs.writeFileSync(at('gray.png'), PNG.sync.write(new PNG({ width: 28, height: 28 })));
    const png = fs.readFileSync(at('big.png'));
    fs.writeFileSync(at('torn.png'), png.subarray(0, 40));
    const xor = ['--model', at('xor.safetensors'), '--recipe', 'xor'];
    const mlp = ['--model', at('mlp.safetensors'), '--recipe', 'mnist-mlp'];
    const cases: [string[], RegExp][] = [
      [['predict', '--model', at('none.safetensors'), '--recipe', 'xor', '--input', at('one.json')], /^myelin: predict: --model none\.safetensors: cannot open .*: no such file/],
      [['predict', '--model', at('xor.safetensors'), '--recipe', 'mnist-cnn', '--input', at('one.json')],
        /^myelin: predict: xor\.safetensors: the weights do not fit recipe 'mnist-cnn' \(they were saved by recipe 'xor'\): size mismatch for 0\.weight: copying a param with shape \[4, 2\], the shape in current model is \[32, 1, 3, 3\]/],
      [['predict', '--model', at('mlp.safetensors'), '--recipe', 'xor', '--input', at('one.json')], /^myelin: predict: mlp\.safetensors: the weights do not fit recipe 'xor' \(they were saved by recipe 'mnist-mlp'\)/],
      [['predict', '--model', at('xor.json'), '--recipe', 'xor', '--input', at('one.json')], /^myelin: predict: --model xor\.json: header length \d+ is past the format's limit/],
      [['predict', ...xor, '--input', at('bad.json')], /^myelin: predict: bad\.json: neither a PNG image nor valid JSON/],
      [['predict', ...xor, '--input', at('ragged.json')], /^myelin: predict: ragged\.json: the input is ragged: element 0 has shape \[2\], element 1 \[1\]/],
      [['predict', ...xor, '--input', at('wide.json')], /^myelin: predict: wide\.json: a JSON array of shape \[3\]; recipe 'xor' takes one sample of shape \[2\]/],
      [['predict', ...xor, '--input', at('gray.png')], /^myelin: predict: gray\.png: an image, but recipe 'xor' takes 2 numbers/],
      [['predict', ...mlp, '--input', at('bytes.json')], /^myelin: predict: bytes\.json: value 255 at flat index 0 is outside \[0, 1\]/],
      [['predict', ...mlp, '--input', at('big.png')], /^myelin: predict: big\.png: the image is 32x32; MNIST recipes take 28x28 grayscale images/],
      [['predict', ...mlp, '--input', at('torn.png')], /^myelin: predict: torn\.png: not a readable PNG/],
      [['predict', ...mlp, '--input', at('missing.png')], /^myelin: predict: missing\.png: cannot read --input .*: no such file/],
      [['predict', ...mlp], /^myelin: predict: --input is required/],
      [['predict', '--model', at('mlp.safetensors'), '--recipe', 'boston', '--input', at('one.json')], /^myelin: predict: --recipe 'boston' is not one predict knows/],
      [['train', 'boston', '--save', at('b.safetensors')], /^myelin: train: --save: recipe 'boston' has no single model to save/],
    ];
    for (const [args, re] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.out, args.join(' ')).toMatch(re);
    }
    // and through the binary: a non-zero exit status
    const r = cli('predict', ...xor, '--input', at('bad.json'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^myelin: predict: bad\.json: neither a PNG image nor valid JSON/);  // errors go to stderr
    expect(r.stdout).toBe('');
  });
});
