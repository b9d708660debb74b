// A decoder-only GPT (nanoGPT's layout and state-dict keys): token and learned position
// embeddings, pre-norm blocks of causal self-attention and a GELU MLP, a final LayerNorm and
// an lm head tied to the token embedding; a key/value cache and sampling (top-k, top-p).
import { Tensor } from '../tensor';
import { arange, rand, tensor } from '../creation';
import { cat } from '../functional';
import { noGrad } from '../autograd/engine';
import { tidy, keep } from '../memory';
import { tensorArg, intArg, numberArg, optionsArg, showValue } from '../args';
import { Module, Linear, LayerNorm, Embedding, Dropout, ModuleList, functional as F, init } from '../nn/index';

export interface GPTConfig {
  vocabSize: number;
  /** The longest sequence: the position table's size. */
  blockSize: number;
  nLayer?: number;
  nHead?: number;
  nEmbd?: number;
  dropout?: number;
}

/**
 * Keys and values of every layer for the positions seen so far, so each new token costs one
 * position of attention instead of the whole prefix. Holds at most `maxLen` positions.
 * ```ts
 * const cache = new models.KVCache(gpt.config.blockSize);
 * gpt.forward(prompt, { cache }); gpt.forward(nextToken, { cache });   // cache.length grows
 * ```
 */
export class KVCache {
  /** Per layer: [B, H, length, headDim] keys and values (kept past tidy scopes). */
  readonly layers: ({ k: Tensor; v: Tensor } | null)[] = [];
  length = 0;
  constructor(readonly maxLen: number) { intArg('KVCache', 'maxLen', maxLen, 1); }
  /** Appends layer `i`'s new keys and values; returns the whole [B, H, S, hd] pair to attend to. */
  append(i: number, k: Tensor, v: Tensor): [Tensor, Tensor] {
    const old = this.layers[i];
    const S = (old ? old.k.shape[2] : 0) + k.shape[2];
    if (S > this.maxLen) throw new Error(`KVCache: ${S} positions would overflow the cache of ${this.maxLen} (reset() it or make a larger one)`);
    if (old && (old.k.shape[0] !== k.shape[0])) throw new Error(`KVCache: the batch size changed from ${old.k.shape[0]} to ${k.shape[0]}`);
    const kk = keep(old ? cat([old.k, k], 2) : k.clone()), vv = keep(old ? cat([old.v, v], 2) : v.clone());
    if (old) { old.k.dispose(); old.v.dispose(); }
    this.layers[i] = { k: kk, v: vv };
    return [kk, vv];
  }
  /** Empties the cache (frees its tensors). */
  reset(): void {
    for (const l of this.layers) if (l) { l.k.dispose(); l.v.dispose(); }
    this.layers.length = 0;
    this.length = 0;
  }
  dispose(): void { this.reset(); }
}

/** Multi-head causal self-attention: `c_attn` projects to q, k, v at once, `c_proj` back. */
export class CausalSelfAttention extends Module {
  c_attn: Linear;
  c_proj: Linear;
  attn_dropout: number;
  resid_dropout: Dropout;
  constructor(readonly nEmbd: number, readonly nHead: number, dropout = 0) {
    super();
    this.c_attn = new Linear(nEmbd, 3 * nEmbd);
    this.c_proj = new Linear(nEmbd, nEmbd);
    this.attn_dropout = dropout;
    this.resid_dropout = new Dropout(dropout);
  }
  forward(x: Tensor, cache?: { cache: KVCache; layer: number; offset: number }): Tensor {
    const [B, T, C] = x.shape, H = this.nHead, hd = C / H;
    const heads = (t: Tensor): Tensor => t.reshape([B, T, H, hd]).transpose(1, 2);   // [B, H, T, hd]
    const qkv = this.c_attn.forward(x);
    const q = heads(qkv.narrow(2, 0, C));
    let k = heads(qkv.narrow(2, C, C)), v = heads(qkv.narrow(2, 2 * C, C));
    const p = this.training ? this.attn_dropout : 0;
    let y: Tensor;
    if (cache) {
      [k, v] = cache.cache.append(cache.layer, k, v);
      // query t sits at position offset + t and sees keys 0..offset + t (SDPA's isCausal is top-left aligned)
      const S = k.shape[2];
      const mask = T === 1 ? null : noGrad(() => arange(S, undefined, 1, { dtype: 'int64' }).unsqueeze(0)
        .le(arange(T, undefined, 1, { dtype: 'int64' }).add(cache.offset).unsqueeze(1)));
      y = F.scaledDotProductAttention(q, k, v, { attnMask: mask, dropoutP: p });
    } else {
      y = F.scaledDotProductAttention(q, k, v, { isCausal: true, dropoutP: p });
    }
    return this.resid_dropout.forward(this.c_proj.forward(y.transpose(1, 2).reshape([B, T, C])));
  }
}

/** The block's feed-forward network: `c_fc` to 4 nEmbd, exact GELU, `c_proj` back. */
export class MLP extends Module {
  c_fc: Linear;
  c_proj: Linear;
  dropout: Dropout;
  constructor(nEmbd: number, dropout = 0) {
    super();
    this.c_fc = new Linear(nEmbd, 4 * nEmbd);
    this.c_proj = new Linear(4 * nEmbd, nEmbd);
    this.dropout = new Dropout(dropout);
  }
  forward(x: Tensor): Tensor { return this.dropout.forward(this.c_proj.forward(this.c_fc.forward(x).gelu())); }
}

/** x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
export class Block extends Module {
  ln_1: LayerNorm; attn: CausalSelfAttention; ln_2: LayerNorm; mlp: MLP;
  constructor(nEmbd: number, nHead: number, dropout = 0) {
    super();
    this.ln_1 = new LayerNorm(nEmbd);
    this.attn = new CausalSelfAttention(nEmbd, nHead, dropout);
    this.ln_2 = new LayerNorm(nEmbd);
    this.mlp = new MLP(nEmbd, dropout);
  }
  forward(x: Tensor, cache?: { cache: KVCache; layer: number; offset: number }): Tensor {
    x = x.add(this.attn.forward(this.ln_1.forward(x), cache));
    return x.add(this.mlp.forward(this.ln_2.forward(x)));
  }
}

export interface GenerateOptions {
  maxNewTokens: number;
  /** Divides the logits; 0 picks the most likely token (greedy). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (nucleus sampling). */
  topP?: number;
  /** Use the KV cache (default true); false recomputes the whole prefix each token. */
  useCache?: boolean;
}

/**
 * Logits outside the k largest of the last dim set to -inf (HF's TopKLogitsWarper: ties with
 * the k-th value stay). k above the vocabulary keeps everything.
 */
export function topKFilter(logits: Tensor, k: number): Tensor {
  tensorArg('topKFilter', 'logits', logits);
  intArg('topKFilter', 'k', k, 1);
  const V = logits.shape[logits.ndim - 1];
  if (k >= V) return logits;
  const kth = logits.topk(k, { dim: -1 }).values.narrow(-1, k - 1, 1);
  return logits.maskedFill(logits.lt(kth), -Infinity);
}

/**
 * Nucleus filtering (HF's TopPLogitsWarper): sorted ascending, the tokens whose cumulative
 * probability stays at or below 1 - p are set to -inf; the most likely token always stays.
 */
export function topPFilter(logits: Tensor, p: number): Tensor {
  tensorArg('topPFilter', 'logits', logits);
  numberArg('topPFilter', 'p', p, 0);
  if (!(p > 0 && p <= 1)) throw new Error(`topPFilter: p must be in (0, 1], got ${p}`);
  if (p === 1) return logits;
  const { values, indices } = logits.sort({ dim: -1 });
  const V = logits.shape[logits.ndim - 1];
  const cum = values.softmax(-1).cumsum(-1);
  // removal flags in sorted order as 0/1, the last (largest) always kept, scattered back to vocabulary order
  const dropSorted = cum.le(1 - p).to(logits.dtype).narrow(-1, 0, V - 1);
  const flags = cat([dropSorted, dropSorted.narrow(-1, 0, 1).mul(0)], -1);
  const drop = flags.mul(0).scatter(-1, indices, flags).gt(0.5);
  return logits.maskedFill(drop, -Infinity);
}

/**
 * GPT (nanoGPT's model): `wte`, `wpe`, blocks `h.0 ...`, `ln_f`; the lm head is `wte.weight`
 * itself (weight tying, so the state dict has no separate head). forward(ids [B, T] int64)
 * gives logits [B, T, vocabSize]; with `{ cache }` the ids continue the cached positions.
 * Initialization as nanoGPT: normal(0, 0.02) weights, zero biases, residual projections
 * normal(0, 0.02 / sqrt(2 nLayer)).
 * ```ts
 * const gpt = new models.GPT({ vocabSize: 65, blockSize: 64, nLayer: 2, nHead: 4, nEmbd: 64 });
 * const out = gpt.generate(tensor([[1, 2, 3]], { dtype: 'int64' }), { maxNewTokens: 20, topK: 10 });
 * ```
 */
export class GPT extends Module {
  wte: Embedding;
  wpe: Embedding;
  drop: Dropout;
  h: ModuleList;
  ln_f: LayerNorm;
  readonly config: Required<GPTConfig>;
  constructor(cfg: GPTConfig) {
    super();
    const op = 'GPT';
    const o = optionsArg(op, cfg);
    const c: Required<GPTConfig> = {
      vocabSize: intArg(op, 'vocabSize', o.vocabSize, 1), blockSize: intArg(op, 'blockSize', o.blockSize, 1),
      nLayer: intArg(op, 'nLayer', o.nLayer ?? 4, 1), nHead: intArg(op, 'nHead', o.nHead ?? 4, 1),
      nEmbd: intArg(op, 'nEmbd', o.nEmbd ?? 128, 1), dropout: numberArg(op, 'dropout', o.dropout ?? 0, 0),
    };
    if (c.nEmbd % c.nHead !== 0) throw new Error(`${op}: nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead})`);
    if (c.dropout > 1) throw new Error(`${op}: dropout must be between 0 and 1, got ${c.dropout}`);
    this.config = c;
    this.wte = new Embedding(c.vocabSize, c.nEmbd);
    this.wpe = new Embedding(c.blockSize, c.nEmbd);
    this.drop = new Dropout(c.dropout);
    this.h = new ModuleList(Array.from({ length: c.nLayer }, () => new Block(c.nEmbd, c.nHead, c.dropout)));
    this.ln_f = new LayerNorm(c.nEmbd);
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith('c_proj.weight')) init.normal_(p, 0, 0.02 / Math.sqrt(2 * c.nLayer));
      else if (name.startsWith('ln') || name.includes('.ln_')) continue;
      else if (name.endsWith('.bias')) init.zeros_(p);
      else init.normal_(p, 0, 0.02);
    }
  }
  forward(ids: Tensor, fo: { cache?: KVCache | null } = {}): Tensor {
    const op = 'GPT';
    tensorArg(op, 'ids', ids);
    const o = optionsArg(op, fo);
    if (ids.ndim !== 2) throw new Error(`${op}: ids must be [batch, time], got [${ids.shape.join(', ')}]`);
    if (ids.dtype !== 'int64' && ids.dtype !== 'int32') throw new Error(`${op}: ids must be int64 or int32, got ${ids.dtype}`);
    const cache = o.cache ?? null;
    if (cache !== null && !(cache instanceof KVCache)) throw new Error(`${op}: cache must be a KVCache, got ${showValue(cache)}`);
    const T = ids.shape[1], offset = cache ? cache.length : 0;
    if (T === 0) throw new Error(`${op}: ids must hold at least one position`);
    if (offset + T > this.config.blockSize)
      throw new Error(`${op}: position ${offset + T - 1} is past the position table (blockSize ${this.config.blockSize}; ${offset} cached + ${T} new)`);
    if (cache && offset + T > cache.maxLen) throw new Error(`KVCache: ${offset + T} positions would overflow the cache of ${cache.maxLen}`);
    const pos = arange(offset, offset + T, 1, { dtype: 'int64' });
    let x = this.drop.forward(this.wte.forward(ids).add(this.wpe.forward(pos)));
    let i = 0;
    for (const b of this.h) x = (b as Block).forward(x, cache ? { cache, layer: i++, offset } : undefined);
    if (cache) cache.length = offset + T;
    return F.linear(this.ln_f.forward(x), this.wte.weight);
  }
  /**
   * Appends `maxNewTokens` sampled tokens to ids [B, T] and returns [B, T + maxNewTokens].
   * Draws come from myelin's global generator, so manualSeed(s) repeats a generation.
   * Prompt plus new tokens must fit the position table.
   */
  generate(ids: Tensor, opts: GenerateOptions): Tensor {
    const op = 'GPT.generate';
    tensorArg(op, 'ids', ids);
    const o = optionsArg(op, opts);
    const n = intArg(op, 'maxNewTokens', o.maxNewTokens, 0);
    const temp = numberArg(op, 'temperature', o.temperature ?? 1, 0);
    if (o.topK !== undefined) intArg(op, 'topK', o.topK, 1);
    if (o.topP !== undefined && !(typeof o.topP === 'number' && o.topP > 0 && o.topP <= 1)) throw new Error(`${op}: topP must be in (0, 1], got ${showValue(o.topP)}`);
    if (ids.ndim !== 2) throw new Error(`${op}: ids must be [batch, time], got [${ids.shape.join(', ')}]`);
    if (ids.shape[1] + n > this.config.blockSize)
      throw new Error(`${op}: ${ids.shape[1]} prompt + ${n} new tokens exceed the position table (blockSize ${this.config.blockSize})`);
    const useCache = o.useCache ?? true;
    const wasTraining = this.training;
    this.eval();
    const cache = useCache ? new KVCache(this.config.blockSize) : null;
    try {
      return noGrad(() => {
        let seq = ids.clone(), next = ids;
        for (let s = 0; s < n; s++) {
          const tok: Tensor = tidy(() => {
            const logits = this.forward(cache ? next : seq, { cache });
            let last = logits.select(1, logits.shape[1] - 1);   // [B, V]
            if (temp === 0) return last.argmax(-1, { keepdim: true });
            last = last.div(temp);
            if (o.topK !== undefined) last = topKFilter(last, o.topK);
            if (o.topP !== undefined) last = topPFilter(last, o.topP);
            // inverse CDF: the number of cumulative probabilities below u is the drawn index
            const cdf = last.softmax(-1).cumsum(-1);
            const V = cdf.shape[1];
            const u = rand([cdf.shape[0], 1], { dtype: cdf.dtype }).mul(cdf.narrow(1, V - 1, 1));
            return cdf.lt(u).sum(-1, { keepdim: true }).clamp(0, V - 1).to('int64');
          });
          const grown = cat([seq, tok], 1);
          seq.dispose();
          if (next !== ids) next.dispose();
          seq = grown; next = tok;
        }
        if (next !== ids) next.dispose();
        return seq;
      });
    } finally {
      cache?.dispose();
      this.train(wasTraining);
    }
  }
}

/** Ids as an int64 [1, T] tensor (a helper for prompts). */
export const promptIds = (ids: number[]): Tensor => tensor(ids, { dtype: 'int64' }).reshape([1, ids.length]);
