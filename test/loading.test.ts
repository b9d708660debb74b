// The package loads as CommonJS and as ESM, and its TypeScript declarations type-check
// a consumer; `using` disposes at scope end.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as my from '../ts/index';

const root = join(__dirname, '..');
const node = (args: string[], cwd = root) => execFileSync(process.execPath, args, { cwd, encoding: 'utf8' });

describe('package entry points', () => {
  let consumer: string;
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'index.mjs'))) execFileSync('npm', ['run', 'build:ts'], { cwd: root, stdio: 'ignore' });
    consumer = mkdtempSync(join(tmpdir(), 'myelin-consumer-'));
    mkdirSync(join(consumer, 'node_modules'));
    symlinkSync(root, join(consumer, 'node_modules', 'myelin'), 'dir');
  }, 120_000);

  it("require('myelin')", () => {
    writeFileSync(join(consumer, 'a.cjs'), "const m = require('myelin'); console.log(m.arange(4).sum().item(), typeof m.tidy);");
    expect(node(['a.cjs'], consumer).trim()).toBe('6 function');
  });
  it("import { ... } from 'myelin' and the default export", () => {
    writeFileSync(join(consumer, 'b.mjs'), "import m, { tensor, matmul } from 'myelin'; console.log(matmul(tensor([[1, 2]]), tensor([[3], [4]])).item(), m.tensor === tensor);");
    expect(node(['b.mjs'], consumer).trim()).toBe('11 true');
  });
  it('the declarations type-check a consumer and reject misuse', () => {
    writeFileSync(join(consumer, 'ok.ts'), "import { tensor, Tensor, DType } from 'myelin';\nconst t: Tensor = tensor([1, 2]).add(1);\nconst d: DType = t.dtype;\nconst s: readonly number[] = t.shape;\nconsole.log(d, s);\n");
    writeFileSync(join(consumer, 'bad.ts'), "import { tensor } from 'myelin';\nconst n: string = tensor([1]).sum();\n");
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const opts = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', '--types', 'node', '--typeRoots', join(root, 'node_modules', '@types')];
    const check = (file: string): string => {
      try { node([tsc, ...opts, file], consumer); return ''; } catch (e) { return String((e as { stdout?: string }).stdout); }
    };
    expect(check('ok.ts')).toBe('');
    expect(check('bad.ts')).toMatch(/Type 'Tensor' is not assignable to type 'string'/);
  }, 120_000);
});

describe('explicit resource management', () => {
  it('`using` disposes the tensor when the block ends', () => {
    const before = my.memory().numBytes;
    let escaped: my.Tensor;
    {
      using t = my.zeros(1000);
      escaped = t;
      expect(my.memory().numBytes - before).toBe(4000);
    }
    expect(escaped.isDisposed).toBe(true);
    expect(my.memory().numBytes).toBe(before);
  });
});
