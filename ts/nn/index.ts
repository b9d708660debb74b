// nn: modules, layers, losses, initializers and utilities (torch.nn's shape).
export { Module, Parameter } from './module';
export type { StateDict, LoadResult } from './module';
export * from './layers';
export * from './conv';
export * from './pooling';
export * from './norm2d';
export { RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell } from './rnn';
export * from './loss';
export * as functional from './functional';
export * as init from './init';
export * as utils from './utils';
export { MultiheadAttention, TransformerEncoderLayer, TransformerEncoder } from './transformer';
export { TransformerDecoderLayer, TransformerDecoder, Transformer } from './transformer_decoder';
export { SinusoidalPositionalEncoding, LearnedPositionalEmbedding, RotaryEmbedding } from './positional';
