// TensorBoard event files: what SummaryWriter writes is byte-identical to the committed file
// that the real `tensorboard` package read back (EventAccumulator, scripts/gen_tensorboard_fixtures.py),
// and its values match what tensorboard read; a file written by torch.utils.tensorboard parses
// in readEvents (CRC framing and protos) with the values tensorboard read; bad input throws, named.
import { describe, it, expect } from 'vitest';
import { readFileSync, mkdtempSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { tensor } from '../ts/creation';
import { SummaryWriter, readEvents, decodeHparamsPluginData } from '../ts/viz/tensorboard';
import { maskedCrc32c } from '../ts/viz/tb_proto';
import { writeSample, SAMPLE_HISTO } from './viz_tb_sample';

const FIX = join(__dirname, 'fixtures', 'tensorboard');
const read = (f: string) => JSON.parse(readFileSync(join(FIX, f), 'utf8'));
const f32 = (x: number) => Math.fround(x);

describe('SummaryWriter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-tb-'));
  const file = writeSample(dir);
  if (process.env.MYELIN_WRITE_TB_FIXTURE) copyFileSync(file, join(FIX, 'myelin.tfevents'));

  it('writes the same bytes as the file tensorboard read back', () => {
    expect(Buffer.compare(readFileSync(file), readFileSync(join(FIX, 'myelin.tfevents')))).toBe(0);
    expect(file).toMatch(/events\.out\.tfevents\.1700000000\..+\.myelin$/);
  });

  it('masked CRC32C matches TensorFlow\'s (crc32c("123456789") = 0xe3069283, masked)', () => {
    const c = 0xe3069283;
    expect(maskedCrc32c(Buffer.from('123456789'))).toBe(((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
  });

  it('holds what EventAccumulator read: scalars, histogram, image, text, hparams', () => {
    const tb = read('myelin_read.json');
    const ev = readEvents(file);
    expect(ev[0].fileVersion).toBe(tb.file_version);
    const vals = ev.flatMap((e) => (e.summary?.value ?? []).map((v) => ({ ...v, step: e.step, wallTime: e.wallTime })));
    const scalars = (tag: string) => vals.filter((v) => v.tag === tag).map((v) => [v.step, v.simpleValue]);
    expect(scalars('loss/train')).toEqual(tb.scalars['loss/train'].map((s: { step: number; value: number }) => [s.step, s.value]));
    expect(tb.scalars['loss/train'].map((s: { value: number }) => s.value)).toEqual([1, 0.5, 1 / 3].map(f32));
    expect(tb.scalars['hparam/accuracy'][0].value).toBe(f32(0.975));
    const h = vals.find((v) => v.tag === 'fc.weight')!.histo as Record<string, number | number[]>;
    const th = tb.histograms['fc.weight'][0];
    expect([h.min, h.max, h.num, h.sum, h.sumSquares]).toEqual([th.min, th.max, th.num, th.sum, th.sum_squares]);
    expect(h.bucket).toEqual(th.bucket);
    expect(h.bucketLimit).toEqual(th.bucket_limit);
    // numpy's histogram of the same values and 4 bins (computed by the fixture script)
    expect(th.bucket).toEqual(tb.numpy_histogram.counts);
    expect(th.num).toBe(SAMPLE_HISTO.length);
    const img = vals.find((v) => v.tag === 'samples')!.image!;
    expect([img.width, img.height, img.colorspace]).toEqual([tb.images.samples[0].width, tb.images.samples[0].height, 3]);
    const png = PNG.sync.read(Buffer.from(img.encodedImageString));
    const rgb = Array.from({ length: 4 * 5 }, (_, i) => [png.data[4 * i], png.data[4 * i + 1], png.data[4 * i + 2]]);
    expect(rgb).toEqual(tb.images.samples[0].pixels);  // PIL's decoding of the same PNG
    expect(tb.text['notes/text_summary']).toBe('myelin **markdown** text');
    expect(tb.hparams.hparams).toEqual({ lr: 0.001, optimizer: 'adam', bn: true });
    expect(tb.hparams.metrics).toEqual(['hparam/accuracy']);
    expect(tb.hparams.status).toBe(1);  // STATUS_SUCCESS
    const start = vals.find((v) => v.tag === '_hparams_/session_start_info')!;
    expect(decodeHparamsPluginData(start.metadata!.pluginData!.content!)).toMatchObject({ sessionStartInfo: { hparams: { lr: { numberValue: 0.001 } } } });
  });

  it('reads a file written by torch.utils.tensorboard', () => {
    const tb = read('torch_read.json');
    const ev = readEvents(join(FIX, 'torch.tfevents'));
    expect(ev[0].fileVersion).toBe('brain.Event:2');
    const vals = ev.flatMap((e) => (e.summary?.value ?? []).map((v) => ({ ...v, step: e.step })));
    for (const [tag, pts] of Object.entries(tb.scalars as Record<string, Array<{ step: number; value: number; wall_time: number }>>))
      expect(vals.filter((v) => v.tag === tag).map((v) => [v.step, v.simpleValue])).toEqual(pts.map((p) => [p.step, p.value]));
    const h = vals.find((v) => v.tag === 'w')!.histo as Record<string, number[]>;
    expect(h.bucket).toEqual(tb.histograms.w[0].bucket);
    expect(h.bucketLimit).toEqual(tb.histograms.w[0].bucket_limit);
    const img = vals.find((v) => v.tag === 'img')!.image!;
    expect([img.width, img.height]).toEqual([tb.images.img[0].width, tb.images.img[0].height]);
    const text = vals.find((v) => v.tag === 'note/text_summary')!;
    expect(Buffer.from(text.tensor!.stringVal![0]).toString()).toBe(tb.text['note/text_summary']);
  });

  it('a damaged file throws, named', () => {
    const bad = join(dir, 'bad.tfevents');
    const b = readFileSync(file);
    b[b.length - 3] ^= 0xff;
    writeFileSync(bad, b);
    expect(() => readEvents(bad)).toThrow(/readEvents: .*bad data CRC/);
    writeFileSync(bad, b.subarray(0, 30));
    expect(() => readEvents(bad)).toThrow(/readEvents: .*past the end/);
    expect(() => readEvents(join(dir, 'missing'))).toThrow(/readEvents: cannot read/);
  });

  it('bad input throws, naming the method and value', () => {
    const w = new SummaryWriter(mkdtempSync(join(tmpdir(), 'myelin-tb-')));
    expect(() => w.addScalar('', 1)).toThrow(/addScalar: tag must be a non-empty string, got ""/);
    expect(() => w.addScalar('x', 'a' as unknown as number)).toThrow(/addScalar: value must be a number, got "a"/);
    expect(() => w.addScalar('x', 1, -1)).toThrow(/addScalar: step must be a non-negative integer, got -1/);
    expect(() => w.addScalar('x', tensor([1, 2]))).toThrow(/addScalar: value must be one number, got a tensor of shape \[2\]/);
    expect(() => w.addHistogram('h', [])).toThrow(/addHistogram: values are empty/);
    expect(() => w.addHistogram('h', [1, NaN])).toThrow(/addHistogram: values must be finite, got NaN/);
    expect(() => w.addHistogram('h', [1, 'x'] as unknown as number[])).toThrow(/addHistogram: values must hold numbers, got "x"/);
    expect(() => w.addHistogram('h', [1], 0, { bins: 0 })).toThrow(/bins must be a positive integer, got 0/);
    expect(() => w.addImage('i', tensor([[[1]], [[1]]]))).toThrow(/addImage: image must have shape \[C, H, W\] with C 1, 3 or 4.*got \[2, 1, 1\]/);
    expect(() => w.addImage('i', [1] as unknown as never)).toThrow(/addImage: image must be a Tensor/);
    expect(() => w.addText('t', 5 as unknown as string)).toThrow(/addText: text must be a string, got 5/);
    expect(() => w.addHparams({ a: [1] as unknown as number }, {})).toThrow(/hparam 'a' must be a number, string or boolean/);
    expect(() => w.addHparams({}, { m: Infinity })).toThrow(/metric 'm' must be a finite number, got Infinity/);
    expect(() => new SummaryWriter('')).toThrow(/SummaryWriter: logDir must be a non-empty path/);
    expect(() => new SummaryWriter(join(file, 'sub'))).toThrow(/SummaryWriter: cannot create logDir/);
    w.close();
    expect(() => w.addScalar('x', 1)).toThrow(/SummaryWriter: the writer for .* is closed/);
    expect(readdirSync(w.logDir).length).toBe(1);
  });
});

describe('the TensorBoard callback for train.fit', () => {
  it('writes each epoch\'s logs and learning rate as scalars and each parameter\'s histogram', async () => {
    const m = await import('../ts/index');
    const { TensorBoard } = await import('../ts/viz/index');
    const { mkdtempSync, readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    m.manualSeed(0);
    const x = m.randn(64, 3), y = x.matmul(m.tensor([[1], [-2], [0.5]])).squeeze(1);
    const model = new m.nn.Sequential(new m.nn.Linear(3, 1), new m.nn.Flatten(0));
    const dir = mkdtempSync(join(tmpdir(), 'tbcb-'));
    const opt = new m.optim.SGD(model.parameters(), { lr: 0.1 });
    const hist = m.train.fit(model, [x, y], { epochs: 3, batchSize: 16, optimizer: opt, lossFn: (o, t) => m.nn.functional.mseLoss(o, t),
      validationSplit: 0.25, verbose: 0, callbacks: [new TensorBoard(dir, { histogramFreq: 2, updateFreq: 2 })] });
    const files = readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents'));
    expect(files.length).toBe(1);
    const vals = readEvents(join(dir, files[0])).flatMap((e) => (e.summary?.value ?? []).map((v) => ({ ...v, step: e.step })));
    const series = (tag: string) => vals.filter((v) => v.tag === tag).map((v) => [v.step, v.simpleValue]);
    expect(series('epoch_loss')).toEqual(hist.map((l, i) => [i + 1, f32(l.loss)]));
    expect(series('epoch_valLoss')).toEqual(hist.map((l, i) => [i + 1, f32(l.valLoss!)]));
    expect(series('epoch_learning_rate')).toEqual([[1, f32(0.1)], [2, f32(0.1)], [3, f32(0.1)]]);
    expect(series('batch_loss').map(([s]) => s)).toEqual([2, 4, 6, 8]); // 3 batches of 16 per epoch (48 training rows): every 2nd of 9
    expect(vals.filter((v) => v.histo).map((v) => [v.tag, v.step])).toEqual([['0.weight', 2], ['0.bias', 2]]);
    expect(() => new TensorBoard(dir, { histogramFreq: -1 })).toThrow('TensorBoard: histogramFreq must be a non-negative integer, got -1');
  });
});
