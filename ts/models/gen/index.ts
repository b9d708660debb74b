// Generative models (issue 19): autoencoders, VAEs and GANs for 28x28 images.
export { DenseAutoencoder, ConvAutoencoder, interpolateLatent } from './autoencoder';
export type { AutoencoderOptions } from './autoencoder';
export { VAE, ConvVAE, gaussianKl, vaeLoss, reparameterize } from './vae';
export type { VaeOptions, VaeOutput, VaeLossOptions } from './vae';
export { DCGANGenerator, DCGANDiscriminator, gradientPenalty } from './gan';
export type { GanOptions, DiscriminatorOptions, GradientPenaltyOptions } from './gan';
export { dcganInit } from './common';
