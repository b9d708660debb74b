// The README's TypeScript snippets type-check against the library's sources: each ```ts block
// is compiled (strict, as tsconfig.json) with `from 'myelin'` pointing at ts/index.ts, so an
// API change that breaks a documented snippet fails here, not in a user's editor.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'fs';
import { join } from 'path';
import ts from 'typescript';

const root = join(__dirname, '..');

/** The ```ts blocks of a markdown file, with the line each starts at. */
export function tsBlocks(markdown: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  const re = /^```ts\n([\s\S]*?)^```/gm;
  for (let m; (m = re.exec(markdown)); ) out.push({ line: markdown.slice(0, m.index).split('\n').length, code: m[1] });
  return out;
}

/** Diagnostics from type-checking `files` (name -> source) against ts/, as tsconfig.json would. */
function typecheck(files: Map<string, string>): string[] {
  const cfg = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config;
  const { options } = ts.convertCompilerOptionsFromJson(cfg.compilerOptions, root);
  options.noEmit = true;
  options.paths = { myelin: [join(root, 'ts', 'index.ts')] };
  options.baseUrl = root;
  options.rootDir = undefined;  // the snippets live outside ts/
  const host = ts.createCompilerHost(options);
  const read = host.readFile, exists = host.fileExists, get = host.getSourceFile;
  host.readFile = (f) => files.get(f) ?? read(f);
  host.fileExists = (f) => files.has(f) || exists(f);
  host.getSourceFile = (f, lang, ...rest) =>
    files.has(f) ? ts.createSourceFile(f, files.get(f)!, lang) : get(f, lang, ...rest);
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('README snippets', () => {
  const blocks = tsBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
  it('each ```ts block type-checks (strict) against ts/, and a broken one is reported', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    // each block is its own module (export {} keeps its names out of the others' scope); one
    // program for all (one pass over ts/), with a deliberately wrong snippet to show it can fail
    const files = new Map(blocks.map((b) => [join(root, 'test', `readme_line_${b.line}.ts`), `${b.code}\nexport {};\n`]));
    files.set(join(root, 'test', 'readme_bad.ts'),
      "import { nn, randn } from 'myelin';\nconst y: number = new nn.Sequential(new nn.Linear(2, 3)).forward(randn(1, 2));\nexport {};\n");
    const errs = typecheck(files);
    expect(errs.filter((e) => !e.includes('readme_bad.ts'))).toEqual([]);
    expect(errs.join('\n')).toMatch(/readme_bad\.ts:2 Type 'Tensor' is not assignable to type 'number'/);
  });
});
