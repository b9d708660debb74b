// The myelin command line (commander): `myelin train <recipe>` runs a training recipe with
// progress output and ends with its result (--save writes the model); `myelin predict` runs a
// saved model on an input file; `myelin info` prints the backend; `myelin inspect FILE` lists a
// model file's tensors (io/inspect.ts's format table); `myelin export-onnx` writes ONNX;
// `myelin evaluate` scores a saved model, `myelin summary` prints a recipe model's layer table.
// Errors go to stderr with distinct exit codes (train/cli_train.ts's EXIT); Ctrl-C exits 130.
import { Command, InvalidArgumentError } from 'commander';
import { backendInfo, setNumThreads } from './functional';
import * as recipes from './train/recipes';
import * as seqRecipes from './train/seq_recipes';
import * as genRecipes from './train/gen_recipes';
import { trainDdpmMnist } from './train/ddpm_recipe';
import * as transformerRecipes from './train/transformer_recipes';
import * as bertRecipes from './train/bert_recipes';
import { inspectFile } from './io/inspect';
import { tuneMnist } from './tune/mnist';
import { exportOnnxCommand } from './onnx/cli';
import { checkSavable, saveTrained, predict } from './train/cli_io';
import { registerViz } from './viz/cli';
import * as rlRecipes from './rl/recipes';
import { CliError, EXIT, readConfig, interruptible, evaluateRecipe, summarizeRecipe, version, type TrainConfig } from './train/cli_train';
import { ModelCheckpoint } from './train/callbacks';
import { makeProgress } from './train/progress';
import type { Callback, Logs } from './train/callback_list';

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

const RECIPES = ['mnist-mlp', 'mnist-cnn', 'mnist-resnet', 'xor', 'perceptron', 'boston', 'spam-rnn', 'char-lm', 'mnist-lstm', 'births-forecast',
  'ae-mnist', 'vae-mnist', 'gan-mnist', 'ddpm-mnist', 'dqn-cartpole', 'ppo-cartpole', 'qlearning-frozenlake', 'gpt-char', 'vit-mnist', 'bert-spam', 'seq2seq-reverse', 'tune-mnist'] as const;

const stdout = (s: string) => { process.stdout.write(`${s}\n`); };
/** Runs the CLI on argv (as process.argv); resolves to the exit code. Training yields to
 * the event loop (train.fitAsync), so timers and signals are served meanwhile. Errors go to
 * `err`: stderr by default, or `out` when only `out` is given (a caller capturing the output). */
export async function main(argv: string[], out: (s: string) => void = stdout, err?: (s: string) => void): Promise<number> {
  const errOut = err ?? (out === stdout ? (s: string) => { process.stderr.write(`${s}\n`); } : out);
  const program = new Command('myelin').description('Neural networks for Node.js').exitOverride().version(version(), '-V, --version', 'print the version');
  let code = 0;
  program.command('info').description('print the native backend (BLAS, threads, CUDA)').action(() => out(JSON.stringify(backendInfo())));
  program.command('inspect')
    .description('list the tensors (name, dtype, shape) of a .safetensors, .pt/.pth or .onnx file')
    .argument('<file>', 'the model file')
    .action(async (file: string) => { for (const line of await inspectFile(file)) out(line); });
  program.command('train')
    .description(`train a recipe: ${RECIPES.join(', ')}`)
    .argument('[recipe]', 'what to train (or `recipe:` in --config)')
    .option('-e, --epochs <n>', 'epochs', int('epochs'))
    .option('-b, --batch-size <n>', 'batch size', int('batch size'))
    .option('--lr <x>', 'learning rate', positive)
    .option('--seed <n>', 'random seed', seed)
    .option('--threads <n>', 'kernel threads', int('threads'))
    .option('--train-limit <n>', 'MNIST recipes: train on the first n images (spam-rnn: n messages; char-lm: n characters)', int('train limit'))
    .option('--steps <n>', 'char-lm, gpt-char, seq2seq-reverse: optimizer steps (bert-spam: pretraining steps; rl CartPole recipes: the env-step budget; qlearning-frozenlake: episodes)', int('steps'))
    .option('--trials <n>', 'tune-mnist: trials', int('trials'))
    .option('--parallel <n>', 'tune-mnist: trials at once (worker threads)', int('parallel'))
    .option('--save <file>', 'write the trained model (safetensors; the metadata names the recipe)')
    .option('--variant <name>', 'ae-mnist: dense, conv, denoise; vae-mnist: dense, conv, cvae; gan-mnist: dcgan, cgan, wgan-gp; ddpm-mnist: linear, cosine (the noise schedule)')
    .option('--run-dir <dir>', 'generative and rl recipes: where the sample grids / learning curve go (default runs/<recipe>...)')
    .option('--checkpoint <file>', 'fit recipes: save a checkpoint (model, optimizer, epoch) after each epoch; Ctrl-C keeps the last one')
    .option('--config <file>', 'read options from a YAML file (keys: the options\' camelCase names and recipe); flags win')
    .option('--json', 'print the result as one JSON object (progress goes to stderr)')
    .action(async (recipeArg: string | undefined, flags: TrainConfig & { config?: string }) => {
      const { config, ...given } = flags;
      const o: TrainConfig = { ...(config !== undefined ? readConfig(config) : {}), ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
      const recipe = recipeArg ?? o.recipe;
      if (recipe === undefined) throw new CliError('train: no recipe: name one, or set recipe: in --config', EXIT.usage);
      if (!RECIPES.includes(recipe as typeof RECIPES[number])) {
        errOut(`myelin: unknown recipe '${recipe}' (choose from ${RECIPES.join(', ')})`);
        code = EXIT.usage;
        return;
      }
      if (o.threads) setNumThreads(o.threads);
      if (o.save !== undefined) checkSavable(recipe, o.save);
      const stop = interruptible();
      // an epoch cut short by Ctrl-C is not checkpointed: the file keeps the last whole epoch, which resume continues from
      const ck = o.checkpoint !== undefined ? new ModelCheckpoint(o.checkpoint, { monitor: 'loss' }) : null;
      const callbacks: Callback[] = [stop.callback, ...(ck ? [{ setContext: ck.setContext.bind(ck), onEpochEnd: (e: number, l: Logs) => { if (!stop.interrupted()) ck.onEpochEnd(e, l); } }] : [])];
      const opts = { epochs: o.epochs, batchSize: o.batchSize, lr: o.lr, seed: o.seed, trainLimit: o.trainLimit };
      const ropts = { ...opts, callbacks, ...(o.json ? { progress: makeProgress(process.stderr) } : {}) };
      const done = (res: { summary: string }) => {
        const r = res as { summary: string; [k: string]: unknown };
        if (stop.interrupted()) {
          errOut(`myelin: train: interrupted (Ctrl-C) after ${Array.isArray(r.logs) ? r.logs.length : 0} epoch(s)${o.checkpoint !== undefined ? `; the last checkpoint is ${o.checkpoint}` : ''}`);
          code = EXIT.interrupted;
          return;
        }
        if (o.save !== undefined) saveTrained(o.save, recipe, r.model as recipes.RecipeResult['model'], opts);
        out(o.json ? JSON.stringify({ recipe, ...Object.fromEntries(Object.entries(r).filter(([k, v]) => k !== 'model' && (typeof v !== 'object' || Array.isArray(v) || k === 'results'))) }) : r.summary);
      };
      try {
        await runRecipe(recipe, ropts, o, done);
      } finally {
        stop.dispose();
      }
    });
  program.command('evaluate').description('score a model saved by train --save (or a checkpoint) on its recipe\'s test data')
    .argument('<recipe>', 'mnist-mlp, mnist-cnn, mnist-resnet or xor').requiredOption('--model <file>', 'the weights (safetensors)')
    .option('--json', 'print the result as JSON')
    .action((recipe: string, o: { model: string; json?: boolean }) => {
      const r = evaluateRecipe(recipe, o.model);
      out(o.json ? JSON.stringify(r) : Object.entries(r).map(([k, v]) => `${k}: ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : v}`).join(', '));
    });
  program.command('summary').description('print a recipe model\'s layers, output shapes and parameter counts')
    .argument('<recipe>', 'mnist-mlp, mnist-cnn, mnist-resnet or xor')
    .action((recipe: string) => out(summarizeRecipe(recipe)));
  /** Runs one recipe, handing its result to done. */
  async function runRecipe(recipe: string, opts: recipes.RecipeOptions, o: TrainConfig, done: (r: { summary: string }) => void): Promise<void> {
      switch (recipe) {
        case 'mnist-mlp': done(await recipes.trainMnistMlp(opts)); break;
        case 'mnist-cnn': done(await recipes.trainMnistCnn(opts)); break;
        case 'mnist-resnet': done(await recipes.trainMnistResnet(opts)); break;
        case 'xor': done(recipes.trainXor(opts)); break;
        case 'perceptron': done(recipes.trainPerceptron()); break;
        case 'boston': done(recipes.trainBoston(opts)); break;
        case 'spam-rnn': done(await seqRecipes.trainSpamRnn(opts)); break;
        case 'char-lm': done(await seqRecipes.trainCharLm({ ...opts, steps: o.steps })); break;
        case 'mnist-lstm': done(await seqRecipes.trainMnistLstm(opts)); break;
        case 'births-forecast': done(await seqRecipes.trainBirthsForecast(opts)); break;
        case 'tune-mnist': done(await tuneMnist({ trials: o.trials, parallel: o.parallel, seed: o.seed, epochs: o.epochs, trainLimit: o.trainLimit, log: out })); break;
        case 'dqn-cartpole': done(rlRecipes.trainDqnCartpole({ seed: o.seed, steps: o.steps, runDir: o.runDir, log: out })); break;
        case 'ppo-cartpole': done(rlRecipes.trainPpoCartpole({ seed: o.seed, steps: o.steps, runDir: o.runDir, log: out })); break;
        case 'qlearning-frozenlake': done(rlRecipes.trainQlearningFrozenlake({ seed: o.seed, steps: o.steps, runDir: o.runDir })); break;
        case 'ae-mnist': done(genRecipes.trainAeMnist({ ...opts, variant: o.variant, runDir: o.runDir })); break;
        case 'vae-mnist': done(genRecipes.trainVaeMnist({ ...opts, variant: o.variant, runDir: o.runDir })); break;
        case 'gan-mnist': done(genRecipes.trainGanMnist({ ...opts, variant: o.variant, runDir: o.runDir })); break;
        case 'ddpm-mnist': done(trainDdpmMnist({ ...opts, variant: o.variant, runDir: o.runDir })); break;
        case 'gpt-char': done(await transformerRecipes.trainGptChar({ ...opts, steps: o.steps })); break;
        case 'vit-mnist': done(await transformerRecipes.trainVitMnist(opts)); break;
        case 'bert-spam': done(await bertRecipes.trainBertSpam({ ...opts, pretrainSteps: o.steps })); break;
        case 'seq2seq-reverse': done(await bertRecipes.trainSeq2SeqReverse({ ...opts, steps: o.steps })); break;
        default: break;  // checked by the caller
      }
  }
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
  registerViz(program, out);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const err = e as { exitCode?: number; code?: string; message?: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    // commander's own errors (a bad option value, an unknown option or command): it printed them already
    if (err.code?.startsWith('commander.')) return EXIT.usage;
    errOut(`myelin: ${err.message ?? String(e)}`);
    return e instanceof CliError ? e.exitCode : EXIT.error;
  }
  return code;
}
