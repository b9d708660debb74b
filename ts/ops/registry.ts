// The op registry: one row per native op id (native/ops.def), in the same order.
// Columns: id (snake_case, the native export), family, api (where users reach it:
// a Tensor method, or a top-level function marked 'fn:'), grad (how autograd
// differentiates it, below). test/op_table.test.ts checks that this table, the native op
// list and the test table hold the same ids, and that each row's grad holds.
export type OpFamily = 'unary' | 'binary' | 'view' | 'creation' | 'reduce' | 'linalg' | 'index' | 'conv' | 'optim';
export type GradKind = 'rule' | 'record' | 'inplace' | { none: string };
export interface OpRow { id: string; family: OpFamily; api: string; grad: GradKind }

/**
 * How autograd differentiates each op (test/op_table.test.ts holds every row to it):
 * 'rule'    a gradient rule in ts/autograd/formulas.ts, named by the row's api;
 * 'record'  the op's TS wrapper records its own backward (ts/ops/*.ts, cat);
 * 'inplace' an in-place method that autograd records (formulas.ts IN_PLACE);
 * otherwise why the op has no gradient (as torch: integer or boolean results, randomness).
 */
const NO_GRAD: Record<string, string> = {
  isnan: 'bool result', isfinite: 'bool result', logical_not: 'bool result', eq: 'bool result', ne: 'bool result',
  lt: 'bool result', le: 'bool result', gt: 'bool result', ge: 'bool result', logical_and: 'bool result',
  logical_or: 'bool result', all: 'bool result', any: 'bool result', argmax: 'integer result', argmin: 'integer result',
  one_hot: 'integer input and result', from_array: 'creates a leaf', full: 'creates a leaf', arange: 'creates a leaf',
  linspace: 'creates a leaf', eye: 'creates a leaf', randint: 'random integers', bernoulli: 'random samples (as torch)',
  randperm: 'random integers', batch_norm_backward: "batch_norm's backward; under createGraph its composite form runs instead",
  conv2d_backward: "conv2d's backward; under createGraph its differentiable form (the ops above) runs instead",
  adam_step_: 'optimizer update, run under noGrad', sgd_step_: 'optimizer update, run under noGrad',
  rmsprop_step_: 'optimizer update, run under noGrad', adagrad_step_: 'optimizer update, run under noGrad',
};
const RECORDED = new Set(['conv2d', 'conv_transpose2d', 'conv2d_weight_grad', 'max_pool2d', 'adaptive_max_pool2d', 'batch_norm', 'cat']);
const IN_PLACE = new Set(['copy_', 'fill_', 'uniform_', 'normal_']);
const gradOf = (id: string): GradKind =>
  NO_GRAD[id] ? { none: NO_GRAD[id] } : RECORDED.has(id) ? 'record' : IN_PLACE.has(id) ? 'inplace' : 'rule';

const row = (id: string, family: OpFamily, api?: string): OpRow => ({
  id, family, api: api ?? id.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), grad: gradOf(id),
});

export const OPS: readonly OpRow[] = [
  ...['neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos',
    'tanh', 'sigmoid', 'relu', 'silu', 'selu', 'gelu', 'gelu_tanh', 'leaky_relu', 'elu', 'softplus', 'clamp',
    'floor', 'ceil', 'round', 'isnan', 'isfinite', 'logical_not', 'erf'].map((id) => row(id, 'unary', id === 'gelu_tanh' ? 'gelu' : undefined)),
  ...['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logical_and',
    'logical_or'].map((id) => row(id, 'binary')),
  ...['as_strided', 'reshape', 'view', 'permute', 'transpose', 'slice', 'select', 'narrow', 'expand', 'squeeze',
    'unsqueeze', 'flatten', 'contiguous'].map((id) => row(id, 'view')),
  row('to_dtype', 'unary', 'to'), row('copy_', 'unary', 'copy_'), row('where', 'binary'),
  row('from_array', 'creation', 'fn:tensor'), row('full', 'creation', 'fn:full'), row('fill_', 'creation', 'fill_'),
  row('arange', 'creation', 'fn:arange'), row('linspace', 'creation', 'fn:linspace'), row('eye', 'creation', 'fn:eye'),
  row('uniform_', 'creation', 'uniform_'), row('normal_', 'creation', 'normal_'), row('randint', 'creation', 'fn:randint'),
  row('bernoulli', 'creation', 'fn:bernoulli'), row('randperm', 'creation', 'fn:randperm'),
  ...['sum', 'mean', 'prod', 'amax', 'amin', 'max', 'min', 'argmax', 'argmin', 'var', 'std', 'norm', 'logsumexp',
    'all', 'any', 'cumsum', 'softmax', 'log_softmax'].map((id) => row(id, 'reduce')),
  row('matmul', 'linalg'),
  row('cat', 'index', 'fn:cat'),
  ...['gather', 'scatter', 'scatter_add', 'index_select', 'index_add', 'masked_fill', 'one_hot', 'topk', 'sort',
    'flip'].map((id) => row(id, 'index')),
  row('conv2d', 'conv', 'fn:conv2d'), row('conv_transpose2d', 'conv', 'fn:convTranspose2d'),
  row('conv2d_weight_grad', 'conv', 'fn:conv2dWeightGrad'), row('conv2d_backward', 'conv', 'fn:conv2dBackward'),
  row('max_pool2d', 'conv', 'fn:maxPool2dWithIndices'),
  row('adaptive_max_pool2d', 'conv', 'fn:adaptiveMaxPool2d'), row('batch_norm', 'conv', 'fn:batchNorm'),
  row('batch_norm_backward', 'conv', 'fn:batchNormBackward'),
  row('adam_step_', 'optim', 'fn:adamStep_'), row('sgd_step_', 'optim', 'fn:sgdStep_'),
  row('rmsprop_step_', 'optim', 'fn:rmspropStep_'), row('adagrad_step_', 'optim', 'fn:adagradStep_'),
];
