// Bad input to the dashboard and the demo throws named Errors; the demo's /predict answers a
// bad body with 400 and the message (the browser test covers the working paths in chromium).
import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dashboard } from '../ts/viz/dashboard';
import { startDemo, predictDigit } from '../ts/viz/demo';
import { mnistMlp } from '../ts/train/recipes';
import { main } from '../ts/cli';

describe('viz servers: bad input', () => {
  it('dashboard', async () => {
    await expect(Dashboard.start({ port: -1 })).rejects.toThrow(/dashboard: port must be an integer from 0 to 65535, got -1/);
    await expect(Dashboard.start({ port: 1.5 })).rejects.toThrow(/got 1.5/);
    await expect(Dashboard.start(null as unknown as object)).rejects.toThrow(/dashboard: options must be an object, got null/);
    const d = await Dashboard.start({ port: 0 });
    try {
      const port = Number(new URL(d.url).port);
      await expect(Dashboard.start({ port })).rejects.toThrow(new RegExp(`dashboard: cannot listen on port ${port}`));
      const page = await d.app.inject({ method: 'GET', url: '/' });
      expect(page.body).toContain('new EventSource(\'/events\')');
      expect((await d.app.inject({ method: 'GET', url: '/uplot.js' })).body.length).toBeGreaterThan(10000);
    } finally { await d.close(); }
  });

  it('demo', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'myelin-demo-'));
    await expect(startDemo({ model: '' })).rejects.toThrow(/demo: --model <file.safetensors> is required, got ""/);
    await expect(startDemo({ model: 'm', recipe: 'xor' })).rejects.toThrow(/demo: recipe 'xor' is not an MNIST recipe/);
    await expect(startDemo({ model: 'm', port: 70000 })).rejects.toThrow(/demo: port must be an integer from 0 to 65535, got 70000/);
    await expect(startDemo({ model: 'm', runDir: join(dir, 'none') })).rejects.toThrow(/demo: --run-dir .* does not exist/);
    await expect(startDemo({ model: join(dir, 'missing.safetensors') })).rejects.toThrow(/predict: --model/);
    const model = mnistMlp();
    expect(() => predictDigit(model, [0.5])).toThrow(/demo: pixels must be 784 numbers in \[0, 1\]/);
    expect(() => predictDigit(model, new Array(784).fill(2))).toThrow(/demo: pixels must be 784 numbers/);
    const p = predictDigit(model, new Array(784).fill(0.5));
    expect(p.probabilities.length).toBe(10);
    expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    model.save(join(dir, 'm.safetensors'), { format: 'myelin.model/1', recipe: 'mnist-mlp' });
    const d = await startDemo({ model: join(dir, 'm.safetensors') });
    try {
      const r = await d.app.inject({ method: 'POST', url: '/predict', payload: { pixels: 'x' } });
      expect(r.statusCode).toBe(400);
      expect(r.json().error).toMatch(/demo: pixels must be 784 numbers in \[0, 1\] \(a 28x28 image\), got "x"/);
      expect((await d.app.inject({ method: 'GET', url: '/samples' })).body).toContain('id="none"');
      expect((await d.app.inject({ method: 'GET', url: '/samples/..%2Fm.safetensors' })).statusCode).toBe(404);
    } finally { await d.close(); }
    const out: string[] = [];
    expect(await main(['node', 'myelin', 'demo', 'cifar', '--model', 'x'], (s) => out.push(s))).toBe(1);
    expect(out[0]).toMatch(/demo: unknown demo 'cifar'/);
    // commander prints the option's error on stderr (as for the other options) and exits 2, the usage code
    expect(await main(['node', 'myelin', 'train', 'xor', '--dashboard', '99999'], (s) => out.push(s))).toBe(2);
  });
});
