// LeNet-5 (LeCun et al., 1998): two 5x5 convolutions with 2x2 subsampling, then three
// fully connected layers. The default is the modern reading (ReLU + max pooling); the
// 'tanh' activation restores the paper's squashing units with average-pool subsampling.
import type { Tensor } from '../../tensor';
import { Module, Sequential, Conv2d, MaxPool2d, AvgPool2d, Linear, ReLU, Tanh, Flatten } from '../../nn/index';
import { optionsArg, choiceArg } from '../../args';

export interface LeNet5Options {
  numClasses?: number;
  inChannels?: number;
  /** 'relu' (default) pairs with max pooling; 'tanh' with average pooling, as in the paper. */
  activation?: 'relu' | 'tanh';
  /**
   * Zero padding of the first convolution. The paper's input is 32x32; the default 2 lets
   * 28x28 MNIST digits in directly (28 + 2*2 = 32). Use 0 for 32x32 input.
   */
  padding?: number;
}

/**
 * LeNet-5: [N, C, 28, 28] (padding 2) or [N, C, 32, 32] (padding 0) -> [N, numClasses].
 * ```ts
 * const net = models.lenet5();            // 61,706 parameters
 * net.forward(randn(8, 1, 28, 28));       // [8, 10]
 * ```
 */
export class LeNet5 extends Module {
  features: Sequential;
  classifier: Sequential;
  constructor(o: LeNet5Options = {}) {
    super();
    o = optionsArg('LeNet5', o);
    if (o.activation !== undefined) choiceArg('LeNet5', 'activation', o.activation, ['relu', 'tanh']);   // a typo was read as 'relu'
    const act = () => (o.activation === 'tanh' ? new Tanh() : new ReLU());
    const pool = () => (o.activation === 'tanh' ? new AvgPool2d(2) : new MaxPool2d(2));
    this.features = new Sequential(
      new Conv2d(o.inChannels ?? 1, 6, 5, { padding: o.padding ?? 2 }), act(), pool(),   // C1, S2: 6 x 14 x 14
      new Conv2d(6, 16, 5), act(), pool(),                                               // C3, S4: 16 x 5 x 5
    );
    this.classifier = new Sequential(
      new Flatten(),
      new Linear(16 * 5 * 5, 120), act(),   // C5 (a full connection once the map is 5x5)
      new Linear(120, 84), act(),           // F6
      new Linear(84, o.numClasses ?? 10),   // output (a plain linear layer, not the paper's RBF units)
    );
  }
  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x)) as Tensor;
  }
}

export const lenet5 = (o: LeNet5Options = {}): LeNet5 => new LeNet5(o);
