// models: architectures built from nn.
export { Perceptron } from './perceptron';
export type { PerceptronFit } from './perceptron';
