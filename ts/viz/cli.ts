// The viz commands, registered on ts/cli.ts's program by registerViz: `myelin plot RUN_DIR`,
// `myelin demo mnist --model FILE`, and `--dashboard [port]` / `--run-dir DIR` on `myelin train`.
import { Command, InvalidArgumentError } from 'commander';
import { noGrad } from '../autograd/engine';
import { loadMnist } from '../data/mnist';
import { MNIST_MEAN, MNIST_STD } from '../train/recipes';
import { Dashboard } from './dashboard';
import { startDemo } from './demo';
import { plotRun } from './plot';

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`port must be an integer from 0 to 65535, got '${v}'`);
  return n;
};

/** 16 MNIST test images (normalized as the recipes train) and labels, for the dashboard's sample predictions. */
function mnistSamples(): { x: import('../tensor').Tensor; y: number[] } {
  const { images, labels } = loadMnist({ split: 'test' });
  const x = noGrad(() => images.narrow(0, 0, 16).sub(MNIST_MEAN).div(MNIST_STD));
  const y = Array.from(labels.narrow(0, 0, 16).data() as ArrayLike<number | bigint>, Number);
  images.dispose(); labels.dispose();
  return { x, y };
}

/** Waits for Ctrl-C (SIGINT), then resolves. */
const untilInterrupted = () => new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));

export function registerViz(program: Command, out: (s: string) => void): void {
  program.command('plot').description('render a run directory\'s logs (*.csv, *.jsonl) to SVG and PNG plots beside them')
    .argument('<runDir>', 'the run directory')
    .action(async (dir: string) => { for (const f of await plotRun(dir)) out(`wrote ${f}`); });
  program.command('demo').description('serve a page to draw a digit on and see the model\'s probabilities live (Ctrl-C stops)')
    .argument('<what>', 'mnist').requiredOption('--model <file>', 'weights saved by train --save')
    .option('--recipe <name>', 'the MNIST recipe the weights are for', 'mnist-mlp').option('--port <n>', 'port (0: any free one)', port, 8080)
    .option('--run-dir <dir>', 'a directory of PNG samples for the /samples page')
    .action(async (what: string, o: { model: string; recipe: string; port: number; runDir?: string }) => {
      if (what !== 'mnist') throw new Error(`demo: unknown demo '${what}' (choose from mnist)`);
      const d = await startDemo(o);
      out(`demo at ${d.url} (samples: ${d.url}/samples); Ctrl-C stops`);
      await untilInterrupted();
      await d.close();
    });
  const train = program.commands.find((c) => c.name() === 'train');
  if (!train) return;
  train.option('--dashboard [port]', 'serve a live dashboard of the run (default port 6006)', port)
    .option('--dashboard-keep', 'keep the dashboard up after training, until Ctrl-C');
  // --run-dir (train's own option) also tells the dashboard where to append every point (DIR/metrics.jsonl, for myelin plot)
  let dash: Dashboard | null = null;
  train.hook('preAction', async (cmd) => {
    const o = cmd.opts() as { dashboard?: number | true; runDir?: string };
    if (o.dashboard === undefined) return;
    const recipe = String(cmd.args[0] ?? '');
    dash = await Dashboard.start({ port: o.dashboard === true ? 6006 : o.dashboard, runDir: o.runDir, samples: recipe.startsWith('mnist-') && recipe !== 'mnist-lstm' ? mnistSamples() : undefined });
    // not holding the process open: a training error still ends the command
    dash.app.server.unref();
    out(`dashboard at ${dash.url}`);
  });
  train.hook('postAction', async (cmd) => {
    if (!dash) return;
    if ((cmd.opts() as { dashboardKeep?: boolean }).dashboardKeep) {
      dash.app.server.ref();
      out(`training done; dashboard still at ${dash.url}, Ctrl-C stops`);
      await untilInterrupted();
    }
    await dash.close();
    dash = null;
  });
}
