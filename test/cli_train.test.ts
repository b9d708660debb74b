// The CLI: --version, train --config (YAML checked by a schema: unknown and mistyped keys are
// named), --json, evaluate, summary, errors on stderr with distinct exit codes, and Ctrl-C in a
// real terminal (a pty from `script`): cursor shown again, last whole epoch's checkpoint kept, exit 130.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { io } from '../ts/index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'myelin-cli-train-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (f: string) => path.join(tmp, f);
const bin = path.join(__dirname, '..', 'bin', 'myelin.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 180_000 });
const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
const sumFx = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'train_ux.json'), 'utf8')).summary;

describe('myelin CLI', () => {
  it('--version prints the package version', () => {
    const r = cli('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
  it('summary prints the recipe model\'s table (the MNIST CNN: torch\'s parameter count)', () => {
    const r = cli('summary', 'mnist-cnn');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Total params: ${sumFx.cnn.total.toLocaleString('en-US')}`);
    expect(r.stdout).toMatch(/7 \(Linear\)\s*│\s*\[1, 128\]\s*│\s*401,536/);
  });
  it('train --config: options from YAML, flags win, --json prints one JSON object; evaluate scores the saved model', () => {
    fs.writeFileSync(at('xor.yaml'), 'recipe: xor\nepochs: 50\nlr: 2\nseed: 1\n');
    const r = cli('train', '--config', at('xor.yaml'), '--epochs', '400', '--save', at('xor.safetensors'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.recipe).toBe('xor');
    expect(j.summary).toMatch(/after 400 epochs/);
    const e = cli('evaluate', 'xor', '--model', at('xor.safetensors'), '--json');
    expect(e.status, e.stderr).toBe(0);
    const ev = JSON.parse(e.stdout);
    // the recipe's own final MSE on the four points, from the weights it saved
    expect(ev.mse).toBeCloseTo(j.mse, 6);
    expect(ev.rmse).toBeCloseTo(Math.sqrt(j.mse), 6);
  });
  it('a config with unknown or mistyped keys: exit 3, the key and value named on stderr', () => {
    fs.writeFileSync(at('bad.yaml'), 'recipe: xor\nepoch: 3\nlr: fast\nbatchSize: 2.5\n');
    const r = cli('train', '--config', at('bad.yaml'));
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/myelin: config .*bad\.yaml: /);
    expect(r.stderr).toMatch(/unknown key 'epoch' \(allowed: recipe, epochs, /);
    expect(r.stderr).toMatch(/key 'lr' expected number, received string, got "fast"/);
    expect(r.stderr).toMatch(/key 'batchSize' expected int, received number, got 2\.5/);
    fs.writeFileSync(at('list.yaml'), '- xor\n');
    expect(cli('train', '--config', at('list.yaml')).stderr).toMatch(/must be a mapping of option: value, got \["xor"\]/);
    fs.writeFileSync(at('torn.yaml'), 'epochs: [1,\n');
    const t = cli('train', '--config', at('torn.yaml'));
    expect([t.status, t.stderr]).toEqual([3, expect.stringMatching(/torn\.yaml: not valid YAML/)]);
    expect(cli('train', '--config', at('none.yaml')).status).toBe(3);
  });
  it('distinct exit codes: usage 2 (bad option, unknown recipe or command), runtime 1; messages on stderr', () => {
    let r = cli('train', 'mnist-gan');
    expect([r.status, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/unknown recipe 'mnist-gan'/);
    r = cli('train', 'xor', '--epochs', 'ten');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/epochs must be a positive integer, got 'ten'/);
    expect(cli('fly').status).toBe(2);
    r = cli('evaluate', 'xor', '--model', at('missing.safetensors'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^myelin: evaluate: --model missing\.safetensors: cannot open .*no such file/);
    r = cli('summary', 'boston');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/summary: recipe 'boston' has no single model/);
  });
});

// Ctrl-C typed into a terminal: `script` gives the CLI a pty, so the progress bar really hides the
// cursor, and ^C written to it reaches node as SIGINT from the terminal driver.
const hasScript = spawnSync('script', ['--version']).status === 0;
describe.skipIf(!hasScript)('Ctrl-C', () => {
  it('stops cleanly: cursor shown, the last whole epoch\'s checkpoint kept, exit 130', async () => {
    const ck = at('ck.safetensors');
    const cmd = `${process.execPath} ${bin} train mnist-mlp --train-limit 2000 --epochs 30 --checkpoint ${ck}`;
    const c = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', sent = false;
    const code = await new Promise<number | null>((resolve) => {
      const on = (d: Buffer) => {
        out += d;
        // the first epoch is checkpointed; interrupt a later one mid-way (how many epochs end before ^C
        // arrives depends on the machine's speed: the checks below hold for any)
        if (!sent && /epoch 1\/30: loss/.test(out)) { sent = true; c.stdin.write('\x03'); }
      };
      c.stdout.on('data', on); c.stderr.on('data', on);
      c.on('exit', resolve);
    });
    expect(code, out.slice(-800)).toBe(130);
    expect(out.lastIndexOf('\x1b[?25l')).toBeGreaterThan(0);                       // the bar hid the cursor
    expect(out.lastIndexOf('\x1b[?25h')).toBeGreaterThan(out.lastIndexOf('\x1b[?25l'));  // and it is shown again
    const m = /interrupted \(Ctrl-C\) after (\d+) epoch\(s\); the last checkpoint is .*ck\.safetensors/.exec(out);
    expect(m, out.slice(-800)).not.toBeNull();
    const epochs = Number(m![1]);
    expect(epochs).toBeGreaterThanOrEqual(2);
    const saved = io.loadCheckpoint(ck);
    // the epoch cut short is not checkpointed: the file holds the one before it
    expect(saved.epoch).toBe(epochs - 1);
    expect(saved.modelState.size).toBe(6);
  }, 240_000);
});
