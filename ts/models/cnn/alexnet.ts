// AlexNet (Krizhevsky et al., 2012) in torchvision's single-tower variant ("One weird
// trick", Krizhevsky 2014): 64/192/384/256/256 channels, no local response normalization.
import type { Tensor } from '../../tensor';
import { Module, Sequential, Conv2d, MaxPool2d, AdaptiveAvgPool2d, Linear, ReLU, Dropout } from '../../nn/index';
import { optionsArg } from '../../args';

export interface AlexNetOptions { numClasses?: number; inChannels?: number; dropout?: number }

/**
 * AlexNet: [N, 3, H, W] with H, W >= 63 -> [N, numClasses]; 61,100,840 parameters at 1000 classes.
 * The adaptive pool fixes the classifier's input at 256 x 6 x 6 whatever the image size.
 */
export class AlexNet extends Module {
  features: Sequential;
  avgpool: AdaptiveAvgPool2d;
  classifier: Sequential;
  constructor(o: AlexNetOptions = {}) {
    super();
    o = optionsArg('AlexNet', o);
    const p = o.dropout ?? 0.5;
    this.features = new Sequential(
      new Conv2d(o.inChannels ?? 3, 64, 11, { stride: 4, padding: 2 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
      new Conv2d(64, 192, 5, { padding: 2 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
      new Conv2d(192, 384, 3, { padding: 1 }), new ReLU(),
      new Conv2d(384, 256, 3, { padding: 1 }), new ReLU(),
      new Conv2d(256, 256, 3, { padding: 1 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
    );
    this.avgpool = new AdaptiveAvgPool2d([6, 6]);
    this.classifier = new Sequential(
      new Dropout(p), new Linear(256 * 6 * 6, 4096), new ReLU(),
      new Dropout(p), new Linear(4096, 4096), new ReLU(),
      new Linear(4096, o.numClasses ?? 1000),
    );
  }
  forward(x: Tensor): Tensor {
    const f = this.avgpool.forward(this.features.forward(x) as Tensor);
    return this.classifier.forward(f.flatten(1)) as Tensor;
  }
}

export const alexnet = (o: AlexNetOptions = {}): AlexNet => new AlexNet(o);
