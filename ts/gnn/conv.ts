// Message-passing graph layers with PyTorch Geometric's semantics, defaults and state-dict
// names: MessagePassing (the base), GCNConv, GATConv, SAGEConv and GINConv.
// Messages flow from edgeIndex[0] (source j) to edgeIndex[1] (target i), as PyG's default flow.
import { Tensor } from '../tensor';
import { empty, zeros } from '../creation';
import { Module, Parameter } from '../nn/module';
import { keep } from '../memory';
import { Linear } from '../nn/layers';
import * as init from '../nn/init';
import * as F from '../nn/functional';
import { choiceArg, intArg } from '../args';
import { type Aggr, checkEdgeIndex, checkNodes, withSelfLoops, degree, scatter, segmentSoftmax, i64 } from './utils';
import { edgeWeightedSum } from '../ops/graph';

/** Glorot-initialized linear map without bias: PyG's Linear(weight_initializer='glorot'). */
function glorotLinear(inC: number, outC: number, bias = false): Linear {
  const lin = new Linear(inC, outC, { bias });
  init.xavierUniform_(lin.weight);
  if (lin.bias) init.zeros_(lin.bias);
  return lin;
}

/**
 * The message-passing base: out_i = update(aggr_{j -> i} message(x_j, x_i, edge)). Subclasses
 * override message (default: x_j) and call propagate.
 * @example class Mean extends gnn.MessagePassing { forward(x, ei) { return this.propagate(ei, x); } }; new Mean({ aggr: 'mean' })
 */
export abstract class MessagePassing extends Module {
  readonly aggr: Aggr;
  constructor(opts: { aggr?: Aggr } = {}) {
    super();
    this.aggr = choiceArg(new.target.name, 'aggr', opts.aggr ?? 'sum', ['sum', 'add', 'mean', 'max'] as const);
  }
  /** The message along each edge: x_j by default (edge.x.indexSelect(0, edge.dst) gives x_i where needed). */
  message(xJ: Tensor, _edge: { src: Tensor; dst: Tensor; x: Tensor }): Tensor { return xJ; }
  /** Aggregates [E, ...] messages per target node. */
  aggregate(msg: Tensor, dst: Tensor, numNodes: number): Tensor { return scatter(msg, dst, numNodes, this.aggr); }
  /** Runs message → aggregate over edgeIndex for node features x [N, F]. */
  propagate(edgeIndex: Tensor, x: Tensor): Tensor {
    const name = this.constructor.name;
    checkNodes(name, x);
    const { src, dst } = checkEdgeIndex(name, edgeIndex, x.shape[0]);
    const s = i64(src), d = i64(dst);
    return this.aggregate(this.message(x.indexSelect(0, s), { src: s, dst: d, x }), d, x.shape[0]);
  }
}

interface GcnNormCache { edge: Tensor; version: number; n: number; dtype: string; src: Tensor; dst: Tensor; w: Tensor }

/**
 * Kipf & Welling's graph convolution: X' = D^-1/2 (A + I) D^-1/2 X W + b, as PyG's GCNConv
 * (self loops added where missing, symmetric normalization by in-degree, glorot weight, zero bias).
 * Parameters: lin.weight [out, in], bias [out].
 * @example const conv = new gnn.GCNConv(16, 32); const h = conv.forward(x, edgeIndex);
 */
export class GCNConv extends Module {
  lin: Linear;
  bias: Parameter | null;
  readonly addSelfLoops: boolean;
  readonly normalize: boolean;
  readonly cached: boolean;
  private cache: GcnNormCache | null = null;
  constructor(readonly inChannels: number, readonly outChannels: number,
    opts: { bias?: boolean; addSelfLoops?: boolean; normalize?: boolean; cached?: boolean } = {}) {
    super();
    intArg('GCNConv', 'in_channels', inChannels);
    intArg('GCNConv', 'out_channels', outChannels);
    this.addSelfLoops = opts.addSelfLoops ?? true;
    this.normalize = opts.normalize ?? true;
    this.cached = opts.cached ?? false;
    this.lin = glorotLinear(inChannels, outChannels);
    this.bias = opts.bias === false ? null : new Parameter(empty([outChannels]));
    if (this.bias) init.zeros_(this.bias);
  }
  /** The normalized edge list (kept across calls for the same edge tensor when cached). */
  private norm(edgeIndex: Tensor, n: number, dtype: Tensor['dtype']): GcnNormCache {
    const c = this.cache;
    if (c && c.edge === edgeIndex && c.version === edgeIndex._version && c.n === n && c.dtype === dtype) return c;
    const { src: s0, dst: d0 } = this.addSelfLoops ? withSelfLoops('GCNConv', edgeIndex, n, 'remaining') : checkEdgeIndex('GCNConv', edgeIndex, n);
    const src = i64(s0), dst = i64(d0);
    let w: Tensor;
    if (this.normalize) {
      const deg = degree(dst, n, dtype);
      const dis = deg.pow(-0.5).maskedFill(deg.eq(0), 0);  // isolated nodes: 0, as PyG's masked_fill
      w = dis.indexSelect(0, src).mul(dis.indexSelect(0, dst));
    } else {
      w = zeros([dst.shape[0]], { dtype }).add(1);
    }
    const out = { edge: edgeIndex, version: edgeIndex._version, n, dtype, src, dst, w };
    if (this.cached) {
      if (c) for (const t of [c.src, c.dst, c.w]) t.dispose();
      keep(src); keep(dst); keep(w);
      this.cache = out;
    }
    return out;
  }
  forward(x: Tensor, edgeIndex: Tensor): Tensor {
    checkNodes('GCNConv', x);
    if (x.shape[1] !== this.inChannels) throw new Error(`GCNConv: expected x with ${this.inChannels} channels, got shape [${x.shape.join(', ')}]`);
    const n = x.shape[0];
    const { src, dst, w } = this.norm(edgeIndex, n, x.dtype);
    const h = this.lin.forward(x);
    // sum_j w_ij h_j in one pass over the edges (no [E, out] message tensor)
    let out = edgeWeightedSum(h, w, src, dst, n);
    if (this.bias) out = out.add(this.bias);
    return out;
  }
  extraRepr(): string { return `${this.inChannels}, ${this.outChannels}`; }
}

/**
 * Graph attention (Veličković et al.), as PyG's GATConv: per head, e_ij = LeakyReLU(a_src·Wx_j +
 * a_dst·Wx_i) with slope 0.2, softmax over each target's in-edges (self loops included),
 * dropout on the attention weights in training, heads concatenated or averaged.
 * Parameters: lin.weight [heads*out, in], att_src / att_dst [1, heads, out], bias [heads*out] or [out].
 */
export class GATConv extends Module {
  lin: Linear;
  att_src: Parameter;
  att_dst: Parameter;
  bias: Parameter | null;
  readonly heads: number;
  readonly concat: boolean;
  readonly negativeSlope: number;
  readonly dropout: number;
  readonly addSelfLoops: boolean;
  constructor(readonly inChannels: number, readonly outChannels: number,
    opts: { heads?: number; concat?: boolean; negativeSlope?: number; dropout?: number; addSelfLoops?: boolean; bias?: boolean } = {}) {
    super();
    intArg('GATConv', 'in_channels', inChannels);
    intArg('GATConv', 'out_channels', outChannels);
    this.heads = opts.heads ?? 1;
    intArg('GATConv', 'heads', this.heads);
    if (this.heads < 1) throw new RangeError(`GATConv: heads must be at least 1, got ${this.heads}`);
    this.concat = opts.concat ?? true;
    this.negativeSlope = opts.negativeSlope ?? 0.2;
    this.dropout = opts.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout < 1)) throw new RangeError(`GATConv: dropout must be in [0, 1), got ${this.dropout}`);
    this.addSelfLoops = opts.addSelfLoops ?? true;
    const H = this.heads, C = outChannels;
    this.lin = glorotLinear(inChannels, H * C);
    this.att_src = new Parameter(empty([1, H, C]));
    this.att_dst = new Parameter(empty([1, H, C]));
    init.xavierUniform_(this.att_src);
    init.xavierUniform_(this.att_dst);
    this.bias = opts.bias === false ? null : new Parameter(empty([this.concat ? H * C : C]));
    if (this.bias) init.zeros_(this.bias);
  }
  forward(x: Tensor, edgeIndex: Tensor): Tensor {
    checkNodes('GATConv', x);
    if (x.shape[1] !== this.inChannels) throw new Error(`GATConv: expected x with ${this.inChannels} channels, got shape [${x.shape.join(', ')}]`);
    const n = x.shape[0], H = this.heads, C = this.outChannels;
    const { src: s0, dst: d0 } = this.addSelfLoops ? withSelfLoops('GATConv', edgeIndex, n, 'replace') : checkEdgeIndex('GATConv', edgeIndex, n);
    const src = i64(s0), dst = i64(d0);
    const h = this.lin.forward(x).view([n, H, C]);
    const aSrc = h.mul(this.att_src).sum(-1), aDst = h.mul(this.att_dst).sum(-1);  // [N, H]
    const e = aSrc.indexSelect(0, src).add(aDst.indexSelect(0, dst)).leakyRelu(this.negativeSlope);
    let alpha = segmentSoftmax(e, dst, n);
    if (this.dropout > 0) alpha = F.dropout(alpha, this.dropout, this.training);
    // sum_j alpha_ij^h h_j^h per head in one pass over the edges (no [E, H, C] message tensor)
    let out = edgeWeightedSum(h, alpha, src, dst, n);
    out = this.concat ? out.reshape([n, H * C]) : out.mean(1);
    if (this.bias) out = out.add(this.bias);
    return out;
  }
  extraRepr(): string { return `${this.inChannels}, ${this.outChannels}, heads=${this.heads}`; }
}

/**
 * GraphSAGE (Hamilton et al.), as PyG's SAGEConv: x'_i = lin_l(aggr_j x_j) + lin_r(x_i) with
 * aggr 'mean' (default) or 'max' (nodes without in-edges aggregate to 0).
 * Parameters: lin_l.weight, lin_l.bias, lin_r.weight.
 */
export class SAGEConv extends MessagePassing {
  lin_l: Linear;
  lin_r: Linear | null;
  constructor(readonly inChannels: number, readonly outChannels: number, opts: { aggr?: 'mean' | 'max' | 'sum'; rootWeight?: boolean; bias?: boolean } = {}) {
    super({ aggr: opts.aggr ?? 'mean' });
    intArg('SAGEConv', 'in_channels', inChannels);
    intArg('SAGEConv', 'out_channels', outChannels);
    // PyG's Linear default init is kaiming_uniform(a=sqrt(5)), as torch's Linear
    this.lin_l = new Linear(inChannels, outChannels, { bias: opts.bias ?? true });
    this.lin_r = opts.rootWeight === false ? null : new Linear(inChannels, outChannels, { bias: false });
  }
  forward(x: Tensor, edgeIndex: Tensor): Tensor {
    let out = this.lin_l.forward(this.propagate(edgeIndex, x));
    if (this.lin_r) out = out.add(this.lin_r.forward(x));
    return out;
  }
  extraRepr(): string { return `${this.inChannels}, ${this.outChannels}, aggr=${this.aggr}`; }
}

/**
 * The graph isomorphism layer (Xu et al.), as PyG's GINConv: x'_i = nn((1 + eps) x_i + sum_j x_j).
 * eps is a parameter when trainEps, else a buffer; both are saved under the key `eps`.
 */
export class GINConv extends MessagePassing {
  nn: Module;
  eps!: Tensor;
  constructor(nn: Module, opts: { eps?: number; trainEps?: boolean } = {}) {
    super({ aggr: 'sum' });
    if (!(nn instanceof Module)) throw new TypeError(`GINConv: nn must be a Module, got ${String(nn)}`);
    this.nn = nn;
    const e = empty([1]).fill_(opts.eps ?? 0);
    if (opts.trainEps) this.registerParameter('eps', new Parameter(e));
    else this.registerBuffer('eps', e);
  }
  forward(x: Tensor, edgeIndex: Tensor): Tensor {
    const agg = this.propagate(edgeIndex, x);
    return this.nn.forward(agg.add(x.mul(this.eps.add(1)))) as Tensor;
  }
}
