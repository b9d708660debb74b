// examples/keras_mnist.js (the seeds' Keras example, line for line) at reduced size: 2 epochs on
// 3000 training rows (2400 after the 0.2 validation split) must pass 85% on the 10,000 test digits.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('examples/keras_mnist.js', () => {
  it('prints the summary, one line per epoch with val accuracy, and reaches 85% test accuracy', () => {
    const r = spawnSync(process.execPath, [join(__dirname, '..', 'examples', 'keras_mnist.js'), '2', '3000'], { encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Total params: 109,642/);
    expect(r.stdout).toMatch(/epoch 1\/2: loss [\d.]+, train acc [\d.]+%, val loss [\d.]+, val acc [\d.]+%/);
    expect(r.stdout).toMatch(/epoch 2\/2: /);
    const acc = Number(/test accuracy ([\d.]+)%/.exec(r.stdout)![1]);
    expect(acc).toBeGreaterThan(85);
  }, 300_000);
});
