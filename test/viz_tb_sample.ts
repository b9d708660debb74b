// The run that test/viz_tensorboard.test.ts writes and scripts/gen_tensorboard_fixtures.py
// reads with the tensorboard package: every summary kind, with a fixed clock (byte-reproducible).
import { tensor } from '../ts/creation';
import { SummaryWriter } from '../ts/viz/tensorboard';

export const SAMPLE_HISTO = [-1.5, -0.25, 0, 0.125, 0.5, 0.5, 1, 2.75, 3];

export function writeSample(dir: string): string {
  let t = 1700000000;
  const w = new SummaryWriter(dir, { clock: () => (t += 0.5), filenameSuffix: '.myelin' });
  for (let step = 1; step <= 3; step++) w.addScalar('loss/train', 1 / step, step);
  w.addScalar('lr', 0.001, 3);
  w.addHistogram('fc.weight', SAMPLE_HISTO, 2, { bins: 4 });
  // a 3x4x5 RGB ramp: red grows along x, green along y, blue constant
  const px: number[][][] = [0, 1, 2].map((c) => [0, 1, 2, 3].map((y) => [0, 1, 2, 3, 4].map((x) => (c === 0 ? x / 4 : c === 1 ? y / 3 : 0.5))));
  w.addImage('samples', tensor(px), 3);
  w.addText('notes', 'myelin **markdown** text', 1);
  w.addHparams({ lr: 0.001, optimizer: 'adam', bn: true }, { 'hparam/accuracy': 0.975 }, 3);
  w.close();
  return w.file;
}
