// The myelin command line (commander): `myelin train <recipe>` runs a training recipe with
// progress output and ends with its result (--save writes the model); `myelin predict` runs a
// saved model on an input file; `myelin info` prints the backend; `myelin inspect FILE` lists a
// model file's tensors (io/inspect.ts's format table); `myelin export-onnx` writes ONNX.
import { Command, InvalidArgumentError } from 'commander';
import { backendInfo, setNumThreads } from './functional';
import * as recipes from './train/recipes';
import * as seqRecipes from './train/seq_recipes';
import * as bertRecipes from './train/bert_recipes';
import { inspectFile } from './io/inspect';
import { exportOnnxCommand } from './onnx/cli';
import { checkSavable, saveTrained, predict } from './train/cli_io';

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

const RECIPES = ['mnist-mlp', 'mnist-cnn', 'mnist-resnet', 'xor', 'perceptron', 'boston', 'spam-rnn', 'char-lm', 'mnist-lstm', 'births-forecast', 'bert-spam', 'seq2seq-reverse'] as const;

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
    .option('--train-limit <n>', 'MNIST recipes: train on the first n images (spam-rnn: n messages; char-lm: n characters)', int('train limit'))
    .option('--steps <n>', 'char-lm: optimizer steps', int('steps'))
    .option('--save <file>', 'write the trained model (safetensors; the metadata names the recipe)')
    .action(async (recipe: string, o: { epochs?: number; batchSize?: number; lr?: number; seed?: number; threads?: number; trainLimit?: number; steps?: number; save?: string }) => {
      if (o.threads) setNumThreads(o.threads);
      if (o.save !== undefined) checkSavable(recipe, o.save);
      const opts = { epochs: o.epochs, batchSize: o.batchSize, lr: o.lr, seed: o.seed, trainLimit: o.trainLimit };
      const done = (r: recipes.RecipeResult) => { if (o.save !== undefined) saveTrained(o.save, recipe, r.model, opts); out(r.summary); };
      switch (recipe) {
        case 'mnist-mlp': done(await recipes.trainMnistMlp(opts)); break;
        case 'mnist-cnn': done(await recipes.trainMnistCnn(opts)); break;
        case 'mnist-resnet': done(await recipes.trainMnistResnet(opts)); break;
        case 'xor': done(recipes.trainXor(opts)); break;
        case 'perceptron': out(recipes.trainPerceptron().summary); break;
        case 'boston': out(recipes.trainBoston(opts).summary); break;
        case 'spam-rnn': done(await seqRecipes.trainSpamRnn(opts)); break;
        case 'char-lm': done(await seqRecipes.trainCharLm({ ...opts, steps: o.steps })); break;
        case 'mnist-lstm': done(await seqRecipes.trainMnistLstm(opts)); break;
        case 'births-forecast': done(await seqRecipes.trainBirthsForecast(opts)); break;
        case 'bert-spam': out((await bertRecipes.trainBertSpam({ ...opts, pretrainSteps: o.steps })).summary); break;
        case 'seq2seq-reverse': out((await bertRecipes.trainSeq2SeqReverse({ ...opts, steps: o.steps })).summary); break;
        default:
          out(`myelin: unknown recipe '${recipe}' (choose from ${RECIPES.join(', ')})`);
          code = 2;
      }
    });
  program.command('export-onnx').description('write a recipe\'s model with trained weights as ONNX')
    .argument('<recipe>', 'mnist-mlp, mnist-cnn or mnist-resnet').requiredOption('--model <file>', 'weights (safetensors)')
    .requiredOption('--out <file>', 'the .onnx to write').option('--opset <n>', 'ONNX opset (17+)', int('opset'))
    .action((recipe: string, o: { model: string; out: string; opset?: number }) => exportOnnxCommand(recipe, o).forEach(out));
  program.command('predict')
    .description('classify a JSON array or a 28x28 PNG with a model saved by train --save; prints the class and probabilities as JSON')
    .option('--model <file>', 'the weights (safetensors)')
    .option('--recipe <name>', 'the recipe whose model the weights are for')
    .option('--input <file>', 'a JSON array (one sample or a batch) or a PNG image')
    .action((o: { model?: string; recipe?: string; input?: string }) => out(predict(o)));
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
