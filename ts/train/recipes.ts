// Training recipes: the seeds' classics and MNIST, each a function the CLI, the examples
// and the tests share, so what the README promises is what the tests check.
import type { Tensor } from '../tensor';
import { tensor, manualSeed } from '../creation';
import { noGrad } from '../autograd/engine';
import { tidy } from '../memory';
import * as nn from '../nn/index';
import * as optim from '../optim/index';
import * as data from '../data/index';
import { Perceptron } from '../models/perceptron';
import { ResNetCifar } from '../models/cnn/resnet_cifar';
import { fitAsync, evaluate, type EpochLog } from './fit';
import { makeProgress, type Progress } from './progress';
import type { Callback } from './callback_list';

export interface RecipeOptions { epochs?: number; batchSize?: number; lr?: number; seed?: number; progress?: Progress; log?: (line: string) => void;
  /** Stop once test accuracy reaches this (for quick checks). */
  targetAcc?: number; trainLimit?: number;
  /** Passed to fit (recipes that train with fit): the CLI's Ctrl-C handler and --checkpoint. */
  callbacks?: Callback[] }
export interface RecipeResult { logs: EpochLog[]; testAcc?: number; testRmse?: number; secondsPerEpoch: number; summary: string;
  /** The trained model (for `myelin train --save`). */
  model?: nn.Module }

/** MNIST's pixel mean and standard deviation: inputs are (x - mean) / std. */
export const MNIST_MEAN = 0.1307, MNIST_STD = 0.3081;

/** MNIST as TensorDatasets of normalized [N, 1, 28, 28] images and int64 labels. */
export function mnistDatasets(trainLimit?: number, testLimit?: number): { train: data.TensorDataset; test: data.TensorDataset } {
  const prep = (split: 'train' | 'test', limit?: number) => {
    const { images, labels } = data.loadMnist({ split });
    const n = limit ? Math.min(limit, images.shape[0]) : images.shape[0];
    const x = noGrad(() => images.narrow(0, 0, n).sub(MNIST_MEAN).div(MNIST_STD));
    const y = labels.narrow(0, 0, n).clone();
    images.dispose(); labels.dispose();
    return new data.TensorDataset(x, y);
  };
  return { train: prep('train', trainLimit), test: prep('test', testLimit) };
}

/** The seeds' MLP 784-256-128-10 with ReLU and dropout 0.2. */
export const mnistMlp = (): nn.Sequential => new nn.Sequential(
  new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Dropout(0.2),
  new nn.Linear(256, 128), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(128, 10));

/** gamma: the lr decays by this factor after each epoch (ExponentialLR), when given;
 * augment: applied to each training batch of images. */
async function classify(model: nn.Module, o: RecipeOptions, defaults: { epochs: number; lr: number; gamma?: number; augment?: (x: Tensor) => Tensor }): Promise<RecipeResult> {
  manualSeed(o.seed ?? 0);
  const { train, test } = mnistDatasets(o.trainLimit);
  const trainLoader = new data.DataLoader(train, { batchSize: o.batchSize ?? 64, shuffle: true, seed: o.seed ?? 0 });
  const testLoader = new data.DataLoader(test, { batchSize: 1000 });
  const optimizer = new optim.Adam(model.parameters(), { lr: o.lr ?? defaults.lr });
  const lossFn = new nn.CrossEntropyLoss();
  const aug = defaults.augment;
  const batches = aug ? { length: trainLoader.length, *[Symbol.iterator](): Iterator<[Tensor, Tensor]> { for (const [x, y] of trainLoader) yield [aug(x as Tensor), y as Tensor]; } } : trainLoader;
  const logs = await fitAsync(model, batches, {
    epochs: o.epochs ?? defaults.epochs, optimizer, lossFn: (out, y) => lossFn.forward(out, y), test: testLoader,
    scheduler: defaults.gamma ? new optim.ExponentialLR(optimizer, { gamma: defaults.gamma }) : undefined,
    progress: o.progress ?? makeProgress(),
    onEpoch: (l) => o.targetAcc !== undefined && (l.testAcc ?? 0) >= o.targetAcc,
    callbacks: o.callbacks,
  });
  const last = logs[logs.length - 1];
  const spe = logs.reduce((a, l) => a + l.seconds, 0) / logs.length;
  return { logs, testAcc: last.testAcc, secondsPerEpoch: spe, model,
    summary: `test accuracy ${(100 * last.testAcc!).toFixed(2)}% after ${logs.length} epoch(s), ${spe.toFixed(2)} s per epoch` };
}

/** MNIST MLP, Adam lr 1e-3 decayed 0.8x per epoch, batch 64: at least 98% test accuracy within 10 epochs
 * (98.4% at seeds 0 and 1; at a constant lr it ends at 97.8-98.2%, by the seed). */
export const trainMnistMlp = (o: RecipeOptions = {}): Promise<RecipeResult> => classify(mnistMlp(), o, { epochs: 10, lr: 1e-3, gamma: 0.8 });

/** The seeds' MNIST CNN: conv 1→32 3x3 pad 1, ReLU, maxpool 2; conv 32→64, ReLU, maxpool 2; fc 3136→128, ReLU, dropout 0.5; fc 128→10. */
export const mnistCnn = (): nn.Sequential => new nn.Sequential(
  new nn.Conv2d(1, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(),
  new nn.Linear(3136, 128), new nn.ReLU(), new nn.Dropout(0.5), new nn.Linear(128, 10));

/**
 * MNIST CNN, Adam lr 1e-3 decayed 0.7x per epoch, batch 64: at least 99.0% test accuracy
 * within 5 epochs (at a constant lr it reaches 98.9-99.1% and wobbles there).
 */
export const trainMnistCnn = (o: RecipeOptions = {}): Promise<RecipeResult> => classify(mnistCnn(), o, { epochs: 5, lr: 1e-3, gamma: 0.7 });

/**
 * A small ResNet on MNIST: a CIFAR-style ResNet-8 (3x3 stem + BN + 2x2 max pool, one
 * BasicBlock per stage at 32/64/128 channels, global average pooling; 0.3M parameters),
 * trained on images shifted by up to 2 pixels (without it, it overfits at ~99.15%), Adam
 * 2e-3 decayed 0.7x per epoch, batch 128: 99.39% test accuracy after 5 epochs (the test asks 99.3% within 6).
 */
export const mnistResnet = (): ResNetCifar => new ResNetCifar(1, { inChannels: 1, widths: [32, 64, 128], stemPool: true });
export const trainMnistResnet = (o: RecipeOptions = {}): Promise<RecipeResult> =>
  classify(mnistResnet(), { ...o, batchSize: o.batchSize ?? 128 }, {
    epochs: 6, lr: 2e-3, gamma: 0.7, augment: (x) => data.randomShift(x, 2, { fill: -MNIST_MEAN / MNIST_STD }),
  });

/** The XOR MLP 2-4-1 with sigmoid. */
export const xorMlp = (): nn.Sequential => new nn.Sequential(new nn.Linear(2, 4), new nn.Sigmoid(), new nn.Linear(4, 1), new nn.Sigmoid());

/** The XOR MLP, full-batch gradient descent on MSE. */
export function trainXor(o: RecipeOptions = {}): RecipeResult & { mse: number; outputs: number[] } {
  manualSeed(o.seed ?? 0);
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]], { dtype: 'float32' });
  const y = tensor([[0], [1], [1], [0]], { dtype: 'float32' });
  const model = xorMlp();
  const opt = new optim.SGD(model.parameters(), { lr: o.lr ?? 2, momentum: 0.9 });
  const t0 = performance.now();
  const epochs = o.epochs ?? 2000;
  let mse = 0;
  for (let e = 0; e < epochs; e++) tidy(() => {
    opt.zeroGrad();
    const l = nn.functional.mseLoss(model.forward(x) as Tensor, y);
    mse = l.item() as number;
    if (!Number.isFinite(mse)) throw new Error(`trainXor: the loss is ${mse} at epoch ${e + 1}; training diverged (try a lower learning rate)`);
    l.backward();
    opt.step();
  });
  const outputs = noGrad(() => tidy(() => Array.from((model.forward(x) as Tensor).data() as Float32Array)));
  mse = noGrad(() => tidy(() => nn.functional.mseLoss(model.forward(x) as Tensor, y).item() as number));
  const s = (performance.now() - t0) / 1000;
  return { logs: [], mse, outputs, secondsPerEpoch: s / epochs, model,
    summary: `XOR 2-4-1 after ${epochs} epochs: MSE ${mse.toExponential(3)}, outputs [${outputs.map((v) => v.toFixed(3)).join(', ')}]` };
}

/** Rosenblatt's perceptron on AND, OR and XOR. */
export function trainPerceptron(): { results: Record<string, { converged: boolean; epochs: number }>; summary: string } {
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]], { dtype: 'float64' });
  const gates: Record<string, number[]> = { AND: [0, 0, 0, 1], OR: [0, 1, 1, 1], XOR: [0, 1, 1, 0] };
  const results: Record<string, { converged: boolean; epochs: number }> = {};
  const lines: string[] = [];
  for (const [g, ys] of Object.entries(gates)) {
    const p = new Perceptron(2);
    const r = p.fit(x, tensor(ys, { dtype: 'float64' }), { epochs: 100 });
    results[g] = { converged: r.converged, epochs: r.epochs };
    lines.push(r.converged ? `${g}: converged after ${r.epochs} epochs, w = [${(p.weight.toArray() as number[]).join(', ')}], b = ${p.bias.item()}`
      : `${g}: did not converge in ${r.epochs} epochs (not linearly separable)`);
  }
  return { results, summary: lines.join('\n') };
}

/**
 * Boston house prices: a linear model and an MLP on standardized features; test RMSE of both.
 * What the seeds teach about a small data set: a quarter of the training rows is held out for
 * validation, each model keeps the weights of its best validation epoch (early stopping,
 * patience `patience` epochs) and the MLP trains with weight decay (AdamW, 1.0: at seeds 0, 1, 2 test RMSE 3.16, 3.53, 3.49
 * against the linear model's 4.20, 5.15, 4.76). Without them the
 * MLP overfits and loses to the linear baseline at 3000 epochs (RMSE 4.44 vs 4.18).
 */
export function trainBoston(o: RecipeOptions & { patience?: number; weightDecay?: number } = {}): { linearRmse: number; mlpRmse: number; linearEpochs: number; mlpEpochs: number; summary: string } {
  manualSeed(o.seed ?? 0);
  const { features, target } = data.loadBoston();
  const [trainSet, valSet, testSet] = data.randomSplit(new data.TensorDataset(features, target), [0.6, 0.2, 0.2], { seed: o.seed ?? 0 });
  const collect = (ds: data.Dataset<Tensor[]>) => [...new data.DataLoader(ds, { batchSize: ds.length })][0] as Tensor[];
  const [xtr, ytr] = collect(trainSet), [xva, yva] = collect(valSet), [xte, yte] = collect(testSet);
  const st = new data.Standardizer().fit(xtr);
  const xs = st.transform(xtr), xv = st.transform(xva), xt = st.transform(xte);
  const mse = (model: nn.Module, x: Tensor, y: Tensor): number => noGrad(() => tidy(() => nn.functional.mseLoss((model.forward(x) as Tensor).squeeze(1), y).item() as number));
  const run = (model: nn.Module, epochs: number, lr: number, weightDecay: number): { rmse: number; epochs: number } => {
    const opt = new optim.AdamW(model.parameters(), { lr, weightDecay });
    const stop = new optim.EarlyStopping({ patience: o.patience ?? 200, restoreBestWeights: true });
    let e = 0;
    for (; e < epochs; e++) {
      model.train();
      tidy(() => {
        opt.zeroGrad();
        const l = nn.functional.mseLoss((model.forward(xs) as Tensor).squeeze(1), ytr);
        // checked every 100 epochs: each read waits for the value, and a divergence persists
        if (e % 100 === 0 && !Number.isFinite(l.item() as number)) throw new Error(`trainBoston: the loss is ${l.item()} at epoch ${e + 1}; training diverged (try a lower learning rate)`);
        l.backward();
        opt.step();
      });
      model.eval();
      if (stop.step(mse(model, xv, yva), model)) break;
    }
    stop.restore(model);
    model.eval();
    return { rmse: Math.sqrt(mse(model, xt, yte)), epochs: stop.bestEpoch };
  };
  const lin = run(new nn.Linear(13, 1), o.epochs ?? 3000, 0.05, 0);
  const mlp = run(new nn.Sequential(new nn.Linear(13, 64), new nn.ReLU(), new nn.Linear(64, 32), new nn.ReLU(), new nn.Linear(32, 1)), o.epochs ?? 3000, o.lr ?? 3e-3, o.weightDecay ?? 1);
  return { linearRmse: lin.rmse, mlpRmse: mlp.rmse, linearEpochs: lin.epochs, mlpEpochs: mlp.epochs,
    summary: `Boston test RMSE (k$): linear ${lin.rmse.toFixed(3)}, MLP ${mlp.rmse.toFixed(3)} (best validation epochs: linear ${lin.epochs}, MLP ${mlp.epochs})` };
}

export { evaluate };
