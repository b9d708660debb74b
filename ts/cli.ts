// The myelin command line (commander): `myelin train <recipe>` runs a training recipe with
// progress output and ends with its result; `myelin info` prints the backend; `myelin inspect
// FILE` lists a model file's tensors (safetensors, torch .pt/.pth; io/inspect.ts's format table).
import { Command, InvalidArgumentError } from 'commander';
import { backendInfo, setNumThreads } from './functional';
import * as recipes from './train/recipes';
import { inspectFile } from './io/inspect';
import { exportOnnxCommand } from './onnx/cli';

const int = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got '${v}'`);
  return n;
};
const positive = (v: string): number => {
  const n = Number(v);
  // Infinity is positive too, and trains to NaN: a learning rate must be finite
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`must be a positive finite number, got '${v}'`);
  return n;
};
const seed = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`seed must be a non-negative integer, got '${v}'`);
  return n;
};

const RECIPES = ['mnist-mlp', 'mnist-cnn', 'mnist-resnet', 'xor', 'perceptron', 'boston'] as const;

/** Runs the CLI on argv (as process.argv); resolves to the exit code. Training yields to
 * the event loop (train.fitAsync), so timers and signals are served meanwhile. */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Promise<number> {
  const program = new Command('myelin').description('Neural networks for Node.js').exitOverride();
  let code = 0;
  program.command('info').description('print the native backend (BLAS, threads, CUDA)').action(() => out(JSON.stringify(backendInfo())));
  program.command('inspect')
    .description('list the tensors (name, dtype, shape) of a .safetensors, .pt/.pth or .onnx file')
    .argument('<file>', 'the model file')
    .action(async (file: string) => { for (const line of await inspectFile(file)) out(line); });
  program.command('train')
    .description(`train a recipe: ${RECIPES.join(', ')}`)
    .argument('<recipe>', 'what to train')
    .option('-e, --epochs <n>', 'epochs', int('epochs'))
    .option('-b, --batch-size <n>', 'batch size', int('batch size'))
    .option('--lr <x>', 'learning rate', positive)
    .option('--seed <n>', 'random seed', seed)
    .option('--threads <n>', 'kernel threads', int('threads'))
    .action(async (recipe: string, o: { epochs?: number; batchSize?: number; lr?: number; seed?: number; threads?: number }) => {
      if (o.threads) setNumThreads(o.threads);
      const opts = { epochs: o.epochs, batchSize: o.batchSize, lr: o.lr, seed: o.seed };
      switch (recipe) {
        case 'mnist-mlp': out((await recipes.trainMnistMlp(opts)).summary); break;
        case 'mnist-cnn': out((await recipes.trainMnistCnn(opts)).summary); break;
        case 'mnist-resnet': out((await recipes.trainMnistResnet(opts)).summary); break;
        case 'xor': out(recipes.trainXor(opts).summary); break;
        case 'perceptron': out(recipes.trainPerceptron().summary); break;
        case 'boston': out(recipes.trainBoston(opts).summary); break;
        default:
          out(`myelin: unknown recipe '${recipe}' (choose from ${RECIPES.join(', ')})`);
          code = 2;
      }
    });
  program.command('export-onnx').description('write a recipe\'s model with trained weights as ONNX')
    .argument('<recipe>', 'mnist-mlp, mnist-cnn or mnist-resnet').requiredOption('--model <file>', 'weights (safetensors)')
    .requiredOption('--out <file>', 'the .onnx to write').option('--opset <n>', 'ONNX opset (17+)', int('opset'))
    .action((recipe: string, o: { model: string; out: string; opset?: number }) => exportOnnxCommand(recipe, o).forEach(out));
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const err = e as { exitCode?: number; code?: string; message?: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (err.exitCode === undefined) { out(`myelin: ${err.message ?? String(e)}`); return 1; }
    return err.exitCode;
  }
  return code;
}
