// Rosenblatt's perceptron: a step activation and the error-correction rule
// w += lr (y - ŷ) x, b += lr (y - ŷ). No gradients: the rule is the learning.
import type { Tensor } from '../tensor';
import { zeros } from '../creation';
import { noGrad } from '../autograd/engine';
import { tidy, keep } from '../memory';
import { intArg, numberArg, tensorArg } from '../nn/module';

export interface PerceptronFit { converged: boolean; epochs: number; errors: number[] }

/**
 * A single threshold unit: ŷ = 1 if w·x + b >= 0 else 0 (the seeds' step: it fires at z = 0).
 * ```ts
 * const p = new Perceptron(2);
 * p.fit(tensor([[0, 0], [0, 1], [1, 0], [1, 1]]).float(), tensor([0, 0, 0, 1]).float());
 * ```
 */
export class Perceptron {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(readonly inFeatures: number) {
    intArg('Perceptron', 'inFeatures', inFeatures);
    this.weight = keep(zeros([inFeatures], { dtype: 'float64' }));
    this.bias = keep(zeros([], { dtype: 'float64' }));
  }
  /** 0/1 predictions for rows of x. */
  predict(x: Tensor): Tensor {
    tensorArg('Perceptron.predict', 'x', x);
    return noGrad(() => tidy(() => x.double().matmul(this.weight).add(this.bias).ge(0).double()));
  }
  /** Presents the samples in order, epoch after epoch, until an epoch has no errors. */
  fit(x: Tensor, y: Tensor, opts: { epochs?: number; lr?: number } = {}): PerceptronFit {
    const lr = opts.lr ?? 1, maxEpochs = opts.epochs ?? 100;
    tensorArg('Perceptron.fit', 'x', x);
    tensorArg('Perceptron.fit', 'y', y);
    numberArg('Perceptron.fit', 'lr', lr);
    intArg('Perceptron.fit', 'epochs', maxEpochs);
    if (x.ndim !== 2 || x.shape[1] !== this.inFeatures || y.ndim !== 1 || y.shape[0] !== x.shape[0])
      throw new Error(`Perceptron.fit: expected x [N, ${this.inFeatures}] and y [N], got [${x.shape.join(', ')}] and [${y.shape.join(', ')}]`);
    const errors: number[] = [];
    const ys = Array.from(y.data() as ArrayLike<number>, Number);
    for (let epoch = 1; epoch <= maxEpochs; epoch++) {
      let wrong = 0;
      for (let i = 0; i < x.shape[0]; i++) noGrad(() => tidy(() => {
        const xi = x.select(0, i).double();
        const yhat = xi.dot(this.weight).add(this.bias).ge(0).item() ? 1 : 0;
        const err = ys[i] - yhat;
        if (err !== 0) {
          wrong++;
          this.weight.add_(xi.mul(lr * err));
          this.bias.add_(lr * err);
        }
      }));
      errors.push(wrong);
      if (wrong === 0) return { converged: true, epochs: epoch, errors };
    }
    return { converged: false, epochs: maxEpochs, errors };
  }
}
