// The tune-mnist recipe: TPE over the seeds' MNIST MLP's learning rate, hidden width and dropout,
// trials on worker threads, each scored by accuracy on a validation split held out of the training set
// (the test set is read once, by the best configuration at the end).
import type { Tensor } from '../tensor';
import { manualSeed } from '../creation';
import { noGrad } from '../autograd/engine';
import { tidy } from '../memory';
import * as nn from '../nn/index';
import * as optim from '../optim/index';
import * as data from '../data/index';
import { mnistDatasets } from '../train/recipes';
import { search, distFile, type SearchResult, type Trial } from './search';
import { logUniform, int, uniform, type Config } from './space';

export interface TuneMnistArgs { epochs: number; trainLimit: number; valSize: number }

const mlp = (width: number, dropout: number) => new nn.Sequential(new nn.Flatten(), new nn.Linear(784, width), new nn.ReLU(),
  new nn.Dropout(dropout), new nn.Linear(width, 10));

function accuracy(model: nn.Module, x: Tensor, y: Tensor): number {
  model.eval();
  const acc = noGrad(() => tidy(() => ((model.forward(x) as Tensor).argmax(1).eq(y).sum().item() as number) / y.shape[0]));
  model.train();
  return acc;
}

/** One trial: trains on the first `trainLimit` training images, reports validation accuracy after each epoch. */
export async function mnistMlpTrial(config: Config, trial: Trial, args: TuneMnistArgs): Promise<number> {
  const { train } = mnistDatasets(args.trainLimit + args.valSize, 1);
  const [x, y] = train.tensors as [Tensor, Tensor];
  const xt = x.narrow(0, 0, args.trainLimit), yt = y.narrow(0, 0, args.trainLimit);
  const xv = x.narrow(0, args.trainLimit, args.valSize), yv = y.narrow(0, args.trainLimit, args.valSize);
  const model = mlp(config.width as number, config.dropout as number);
  const opt = new optim.Adam(model.parameters(), { lr: config.lr as number });
  const loader = new data.DataLoader(new data.TensorDataset(xt, yt), { batchSize: 64, shuffle: true, seed: trial.seed });
  let acc = 0;
  for (let e = 0; e < args.epochs; e++) {
    for (const [bx, by] of loader) tidy(() => {
      opt.zeroGrad();
      nn.functional.crossEntropy(model.forward(bx as Tensor) as Tensor, by as Tensor).backward();
      opt.step();
    });
    acc = accuracy(model, xv, yv);
    if (await trial.report(e, acc)) break;
  }
  return acc;
}

export interface TuneMnistOptions { trials?: number; parallel?: number; seed?: number; epochs?: number; trainLimit?: number; log?: (s: string) => void }

/** Searches lr ∈ [1e-4, 1e-1] (log), width ∈ [32, 512] (log), dropout ∈ [0, 0.5] with TPE and the median
 * pruner; trains the best configuration again and reports its test accuracy. */
export async function tuneMnist(o: TuneMnistOptions = {}): Promise<{ result: SearchResult; testAcc: number; summary: string }> {
  const args: TuneMnistArgs = { epochs: o.epochs ?? 3, trainLimit: o.trainLimit ?? 10_000, valSize: 5000 };
  const space = { lr: logUniform(1e-4, 1e-1), width: int(32, 512, { log: true }), dropout: uniform(0, 0.5) };
  const log = o.log ?? (() => {});
  const result = await search({ module: distFile('mnist.js'), export: 'mnistMlpTrial', args }, space, {
    sampler: 'tpe', nTrials: o.trials ?? 20, parallel: o.parallel ?? 2, seed: o.seed ?? 0, direction: 'maximize', pruner: 'median',
    onTrial: (t) => log(`trial ${t.index} ${t.state}${t.value === undefined ? '' : ` validation accuracy ${(100 * t.value).toFixed(2)}%`} ${JSON.stringify(t.config)}`),
  });
  // the best configuration, trained once more here and scored on the test set
  manualSeed(o.seed ?? 0);
  const { train, test } = mnistDatasets(args.trainLimit);
  const c = result.bestConfig;
  const model = mlp(c.width as number, c.dropout as number);
  const opt = new optim.Adam(model.parameters(), { lr: c.lr as number });
  const loader = new data.DataLoader(train, { batchSize: 64, shuffle: true, seed: o.seed ?? 0 });
  for (let e = 0; e < args.epochs; e++) for (const [bx, by] of loader) tidy(() => {
    opt.zeroGrad();
    nn.functional.crossEntropy(model.forward(bx as Tensor) as Tensor, by as Tensor).backward();
    opt.step();
  });
  const [tx, ty] = test.tensors as [Tensor, Tensor];
  const testAcc = accuracy(model, tx, ty);
  const summary = `${result.table()}\nbest: lr ${(c.lr as number).toExponential(2)}, width ${c.width}, dropout ${(c.dropout as number).toFixed(3)}: ` +
    `validation accuracy ${(100 * result.bestValue).toFixed(2)}%, test accuracy ${(100 * testAcc).toFixed(2)}% (${args.trainLimit} training images, ${args.epochs} epochs)`;
  return { result, testAcc, summary };
}
