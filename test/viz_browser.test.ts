// The dashboard and the MNIST demo in a real browser (puppeteer-core driving Debian's chromium):
// strokes over an MNIST test image's bright pixels are drawn on the demo's canvas with the mouse,
// and the page's label must be the server's prediction for what the canvas holds and, for most
// digits, the true label; the dashboard's loss curve must gain points while fitAsync trains.
// Skips (with a message) where chromium is missing; .ci/run installs it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { manualSeed } from '../ts/creation';
import * as data from '../ts/data/index';
import * as optim from '../ts/optim/index';
import * as nn from '../ts/nn/index';
import { fit, fitAsync } from '../ts/train/fit';
import { makeProgress } from '../ts/train/progress';
import { mnistDatasets, mnistMlp } from '../ts/train/recipes';
import { classify } from '../ts/train/cli_io';
import { tensor } from '../ts/creation';
import { Dashboard } from '../ts/viz/dashboard';
import { startDemo, predictDigit } from '../ts/viz/demo';
import { PNG } from 'pngjs';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
if (!CHROMIUM) console.warn('viz_browser.test.ts: SKIPPED: no chromium (apt-get install chromium; .ci/run installs it)');

describe.skipIf(!CHROMIUM)('in chromium', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'myelin-viz-'));
  const { train, test } = mnistDatasets(3000, 200);
  const model = mnistMlp();
  const quiet = makeProgress(process.stdout, { quiet: true });

  beforeAll(async () => {
    const puppeteer = await import('puppeteer-core');
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    manualSeed(0);
    const opt = new optim.Adam(model.parameters(), { lr: 2e-3 });
    const ce = new nn.CrossEntropyLoss();
    fit(model, new data.DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 }), { epochs: 2, optimizer: opt, lossFn: (o, y) => ce.forward(o, y), progress: quiet });
    model.save(join(dir, 'mlp.safetensors'), { format: 'myelin.model/1', recipe: 'mnist-mlp' });
  }, 240_000);
  afterAll(async () => { await browser?.close(); });

  it('demo: a digit drawn with the mouse is classified on the page', async () => {
    // a PNG in the run dir for the samples page
    const png = new PNG({ width: 2, height: 2 }); png.data.fill(200);
    writeFileSync(join(dir, 'sample_0.png'), PNG.sync.write(png));
    const demo = await startDemo({ model: join(dir, 'mlp.safetensors'), runDir: dir });
    const page = await browser.newPage();
    try {
      await page.goto(demo.url, { waitUntil: 'load' });
      const box = (await (await page.$('#pad'))!.boundingBox())!;
      const raw = test.tensors[0];  // normalized images
      const labels = Array.from(test.tensors[1].data() as ArrayLike<number | bigint>, Number);
      let right = 0, tried = 0;
      for (let i = 0; i < 40 && tried < 4; i++) {
        const img = Array.from(raw.select(0, i).data() as Float32Array, (v) => v * 0.3081 + 0.1307);
        if (classify(model, tensor(img).reshape([1, 1, 28, 28]).sub(0.1307).div(0.3081))[0].class !== labels[i]) continue;  // draw digits the model knows
        tried++;
        await page.click('#clear');
        // one stroke per run of bright pixels in each row, through the pixels' centers (10 canvas px per pixel)
        for (let y = 0; y < 28; y++) {
          for (let x = 0; x < 28; x++) {
            if (img[y * 28 + x] <= 0.5) continue;
            let end = x;
            while (end + 1 < 28 && img[y * 28 + end + 1] > 0.5) end++;
            await page.mouse.move(box.x + 10 * x + 5, box.y + 10 * y + 5);
            await page.mouse.down();
            await page.mouse.move(box.x + 10 * end + 5, box.y + 10 * y + 5, { steps: 2 });
            await page.mouse.up();
            x = end;
          }
        }
        // the last stroke's request (one in flight at a time) has come back
        await page.waitForFunction('!pending && !again', { timeout: 30_000 });
        const label = Number(await page.$eval('#label', (e) => e.textContent));
        const canvas = await page.evaluate('(() => { sctx.clearRect(0, 0, 28, 28); sctx.drawImage(pad, 0, 0, 28, 28); return Array.from(sctx.getImageData(0, 0, 28, 28).data).filter((_, k) => k % 4 === 0).map((v) => v / 255); })()') as number[];
        expect(label).toBe(predictDigit(model, canvas).class);  // the page shows the model's answer for what was drawn
        if (label === labels[i]) right++;
      }
      expect(tried).toBe(4);
      expect(right).toBeGreaterThanOrEqual(3);  // the drawn strokes are the digits (dilated by the brush), not a copy
      const bars = await page.$$eval('#bars .bar', (b) => b.length);
      expect(bars).toBe(10);
      await page.goto(`${demo.url}/samples`);
      expect(await page.$$eval('img', (im) => im.map((e) => (e as HTMLImageElement).naturalWidth))).toEqual([2]);
      const bad = await fetch(`${demo.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pixels: [2] }) });
      expect(bad.status).toBe(400);
      expect((await bad.json()).error).toMatch(/demo: pixels must be 784 numbers in \[0, 1\]/);
    } finally { await page.close(); await demo.close(); }
  }, 300_000);

  it('dashboard: the loss curve gains points while training runs, samples appear after an epoch', async () => {
    const dash = await Dashboard.start({ port: 0, intervalMs: 20, runDir: dir, samples: { x: test.tensors[0].narrow(0, 0, 8), y: Array.from(test.tensors[1].narrow(0, 0, 8).data() as ArrayLike<number | bigint>, Number) } });
    const page = await browser.newPage();
    try {
      await page.goto(dash.url, { waitUntil: 'load' });
      await page.waitForFunction('document.getElementById("status").textContent === "live"', { timeout: 30_000 });
      // the page records its own point count every 100 ms (no round trip to node while training holds it)
      await page.evaluate('window.seen = []; setInterval(() => seen.push([Date.now(), d.step.length]), 100)');
      const opt = new optim.SGD(model.parameters(), { lr: 1e-3 });
      const ce = new nn.CrossEntropyLoss();
      const loader = new data.DataLoader(train, { batchSize: 16 });
      await fitAsync(model, loader, { epochs: 1, optimizer: opt, lossFn: (o, y) => ce.forward(o, y), progress: quiet, yieldMs: 5 });
      const end = Date.now();
      await page.waitForFunction('document.querySelectorAll("#samples img").length === 8', { timeout: 60_000 });
      const seen = (await page.evaluate('seen') as Array<[number, number]>).filter(([t]) => t < end).map(([, n]) => n);
      const rises = seen.filter((n, k) => k > 0 && n > seen[k - 1]).length;
      expect(rises).toBeGreaterThan(2);  // the curve grew several times while training ran
      expect(seen.every((n, k) => k === 0 || n >= seen[k - 1])).toBe(true);
      const drawn = await page.evaluate('charts[0].data[0].length') as number;
      expect(drawn).toBe(await page.$eval('#points', (e) => Number(e.textContent)));
      expect(drawn).toBe(dash.history.filter((m) => m.startsWith('event: batch')).length);
      expect(await page.$$eval('#epochs tr', (r) => r.length)).toBe(2);  // header + epoch 1
      expect(await page.$eval('#samplesinfo', (e) => e.textContent)).toMatch(/^\d+ \/ 8 correct$/);
      expect(await page.$$eval('#samples img', (im) => im.map((e) => (e as HTMLImageElement).naturalWidth))).toEqual(new Array(8).fill(28));
    } finally { await page.close(); await dash.close(); }
  }, 300_000);
});
