// myelin/viz: TensorBoard event files, plots, the live dashboard and the MNIST demo. A subpath
// of its own (package.json "exports"), so `require('myelin')` does not load vega and fastify.
export { SummaryWriter, readEvents, decodeHparamsPluginData, encodePng, type SummaryWriterOptions, type TbEvent } from './tensorboard';
export { renderSpec, curvesSpec, confusionMatrixSpec, sampleGridSpec, readLog, plotRun, type Rendered, type Row } from './plot';
export { Dashboard, type DashboardOptions } from './dashboard';
export { startDemo, predictDigit, type DemoOptions } from './demo';
export { TensorBoard, type TensorBoardOptions } from './tb_callback';
