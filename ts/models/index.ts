// models: architectures built from nn.
export { Perceptron } from './perceptron';
export type { PerceptronFit } from './perceptron';
// CNN architectures (torchvision's layouts and parameter counts).
export { LeNet5, lenet5 } from './cnn/lenet';
export type { LeNet5Options } from './cnn/lenet';
export { AlexNet, alexnet } from './cnn/alexnet';
export type { AlexNetOptions } from './cnn/alexnet';
export { VGG, VGG_CONFIGS, makeVGGLayers, vgg11, vgg11Bn, vgg13, vgg13Bn, vgg16, vgg16Bn, vgg19, vgg19Bn } from './cnn/vgg';
export type { VGGConfig, VGGOptions } from './cnn/vgg';
export { ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50, resnet101, resnet152, resnext50_32x4d, wideResnet50_2 } from './cnn/resnet';
export type { ResNetOptions, ResNetBlock } from './cnn/resnet';
export { GoogLeNet, Inception, BasicConv2d, googlenet } from './cnn/googlenet';
export type { GoogLeNetOptions } from './cnn/googlenet';
export {
  EfficientNet, MBConv, SqueezeExcitation, StochasticDepth, makeDivisible, EFFICIENTNET_B0_STAGES, EFFICIENTNET_PARAMS,
  efficientnetB0, efficientnetB1, efficientnetB2, efficientnetB3, efficientnetB4, efficientnetB5, efficientnetB6, efficientnetB7,
} from './cnn/efficientnet';
export type { EfficientNetOptions, MBConvConfig } from './cnn/efficientnet';
export { ResNetCifar, resnet8, resnet20 } from './cnn/resnet_cifar';
export type { ResNetCifarOptions } from './cnn/resnet_cifar';
export { UNet, ResBlock, AttentionBlock, timestepEmbedding } from './unet';
export type { UNetOptions } from './unet';
export { NoiseSchedule, GaussianDiffusion } from './diffusion';
export type { ScheduleOptions, SampleOptions, NoisePredictor } from './diffusion';
// Generative models: autoencoders, VAEs, GANs (ts/models/gen/).
export * from './gen/index';
// Transformers: a decoder-only GPT (KV cache, sampling) and the Vision Transformer.
export { GPT, KVCache, CausalSelfAttention, MLP, Block, topKFilter, topPFilter, promptIds } from './gpt';
export type { GPTConfig, GenerateOptions } from './gpt';
export { ViT } from './vit';
export type { ViTOptions } from './vit';
// BERT-style encoder and the encoder-decoder seq2seq Transformer (issue 18).
export { Bert, BertEmbeddings, BertPooler, BertHeadTransform, BertLMHead, BertForMaskedLM, BertForSequenceClassification, BERT_SPECIALS, bertWordTokenizer, bertEncode, maskTokens, padRows } from './bert';
export type { BertConfig, BertForwardOptions, MaskOptions } from './bert';
export { Seq2SeqTransformer } from './seq2seq';
export type { Seq2SeqOptions, DecodeOptions, BeamOptions, Hypothesis } from './seq2seq';
