// Graphs available offline: Zachary's karate club (edge list in the source), k-nearest-neighbour
// graphs (MNIST's 10,000 test images), and MNIST digits as pixel graphs for graph classification.
import { Tensor } from '../tensor';
import { tensor, eye } from '../creation';
import { tidy, keep } from '../memory';
import { noGrad } from '../autograd/index';
import { loadMnist } from '../data/mnist';
import { edgeTensor } from './utils';
import type { Data } from './batch';

/**
 * The 78 friendships among the 34 members of a university karate club, from W. W. Zachary,
 * "An Information Flow Model for Conflict and Fission in Small Groups", Journal of
 * Anthropological Research 33(4):452-473, 1977 (the graph networkx.karate_club_graph() holds).
 */
export const KARATE_EDGES: readonly (readonly [number, number])[] = [
  [0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [0, 6], [0, 7], [0, 8], [0, 10], [0, 11], [0, 12], [0, 13], [0, 17], [0, 19],
  [0, 21], [0, 31], [1, 2], [1, 3], [1, 7], [1, 13], [1, 17], [1, 19], [1, 21], [1, 30], [2, 3], [2, 7], [2, 8], [2, 9],
  [2, 13], [2, 27], [2, 28], [2, 32], [3, 7], [3, 12], [3, 13], [4, 6], [4, 10], [5, 6], [5, 10], [5, 16], [6, 16], [8, 30],
  [8, 32], [8, 33], [9, 33], [13, 33], [14, 32], [14, 33], [15, 32], [15, 33], [18, 32], [18, 33], [19, 33], [20, 32],
  [20, 33], [22, 32], [22, 33], [23, 25], [23, 27], [23, 29], [23, 32], [23, 33], [24, 25], [24, 27], [24, 31], [25, 31],
  [26, 29], [26, 33], [27, 33], [28, 31], [28, 33], [29, 32], [29, 33], [30, 32], [30, 33], [31, 32], [31, 33], [32, 33],
];
/** The club each member joined after the split (0: Mr. Hi's, 1: the Officer's), networkx's 'club' attribute. */
export const KARATE_CLUB_LABELS: readonly number[] = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
];
/**
 * Four communities found by modularity-based clustering (Brandes et al., "On Modularity
 * Clustering", IEEE TKDE 2008), the classes of the GCN demo (PyG's KarateClub y). Communities
 * 1 and 3 lie within Mr. Hi's club, 0 and 2 (mostly) within the Officer's: KARATE_COMMUNITY_CLUB.
 */
export const KARATE_COMMUNITIES: readonly number[] = [
  1, 1, 1, 1, 3, 3, 3, 1, 0, 1, 3, 1, 1, 1, 0, 0, 3, 1, 0, 1, 0, 1, 0, 0, 2, 2, 0, 0, 2, 0, 0, 2, 0, 0,
];
export const KARATE_COMMUNITY_CLUB: readonly number[] = [1, 0, 1, 0];
/** The four labelled members of the GCN demo (one per community, PyG's KarateClub train_mask). */
export const KARATE_TRAIN_NODES: readonly number[] = [0, 4, 8, 24];

/**
 * The karate club as a graph: x the identity (featureless, as in Kipf & Welling), both edge
 * directions, y the community (4 classes), club the club joined (2 classes).
 */
export function karateClub(): Data & { y: Tensor; club: Tensor; trainNodes: Tensor } {
  const src: bigint[] = [], dst: bigint[] = [];
  for (const [a, b] of KARATE_EDGES) { src.push(BigInt(a), BigInt(b)); dst.push(BigInt(b), BigInt(a)); }
  return {
    x: eye(34),
    edgeIndex: edgeTensor(src, dst),
    y: tensor(BigInt64Array.from(KARATE_COMMUNITIES.map(BigInt)), { dtype: 'int64' }),
    club: tensor(BigInt64Array.from(KARATE_CLUB_LABELS.map(BigInt)), { dtype: 'int64' }),
    trainNodes: tensor(BigInt64Array.from(KARATE_TRAIN_NODES.map(BigInt)), { dtype: 'int64' }),
  };
}

/**
 * The k-nearest-neighbour graph of the rows of x [N, D] (Euclidean, self excluded), made
 * undirected: an edge both ways wherever either end is among the other's k nearest. Rows are
 * compared a block at a time so memory stays at block × N.
 */
export function knnGraph(x: Tensor, k: number, opts: { block?: number } = {}): Tensor {
  if (!(x instanceof Tensor) || x.ndim !== 2) throw new Error(`knnGraph: x must be a [N, D] Tensor, got ${x instanceof Tensor ? `shape [${x.shape.join(', ')}]` : String(x)}`);
  const n = x.shape[0];
  if (!Number.isInteger(k) || k < 1 || k >= n) throw new RangeError(`knnGraph: k must be an integer in [1, ${n - 1}], got ${k}`);
  const block = opts.block ?? 1000;
  const nbr = new BigInt64Array(n * (k + 1));
  noGrad(() => tidy(() => {
    const sq = x.square().sum(1);  // |x_j|^2; |x_i|^2 is constant per row and drops out of the ranking
    for (let s = 0; s < n; s += block) {
      tidy(() => {
        const rows = x.narrow(0, s, Math.min(block, n - s));
        const d = sq.unsqueeze(0).sub(rows.matmul(x.t()).mul(2));
        const { indices } = d.topk(k + 1, { dim: 1, largest: false });
        nbr.set(indices.contiguous().data() as BigInt64Array, s * (k + 1));
      });
    }
  }));
  // drop self (it is normally the nearest, but ties with duplicates may put it anywhere)
  const seen = new Set<number>(), src: bigint[] = [], dst: bigint[] = [];
  const add = (a: number, b: number) => {
    const key = a * n + b;
    if (a === b || seen.has(key)) return;
    seen.add(key); src.push(BigInt(a)); dst.push(BigInt(b));
  };
  for (let i = 0; i < n; i++) {
    let taken = 0;
    for (let t = 0; t <= k && taken < k; t++) {
      const j = Number(nbr[i * (k + 1) + t]);
      if (j === i) continue;
      add(j, i); add(i, j);
      taken++;
    }
  }
  return edgeTensor(src, dst);
}

/** MNIST test images as a kNN graph: x [N, 784] in [0, 1], y the digits, edgeIndex the kNN graph. */
export function mnistKnnGraph(opts: { limit?: number; k?: number } = {}): Data & { y: Tensor } {
  const limit = opts.limit ?? 10000, k = opts.k ?? 10;
  const { images, labels } = loadMnist({ split: 'test' });
  const x = keep(images.reshape([images.shape[0], 784]).narrow(0, 0, limit).contiguous());
  const y = keep(labels.narrow(0, 0, limit).contiguous());
  images.dispose(); labels.dispose();
  return { x, y, edgeIndex: knnGraph(x, k) };
}

/**
 * MNIST digits as graphs: pixels above `threshold` are nodes (features: intensity, row/27,
 * col/27), joined to their 8 neighbours that are nodes too. The label is the digit.
 */
export function imageGraphs(split: 'train' | 'test', opts: { limit?: number; threshold?: number } = {}): Data[] {
  const limit = opts.limit ?? 1000, thr = opts.threshold ?? 0.4;
  const { images, labels } = loadMnist({ split });
  const px = images.data() as Float32Array, lb = labels.data() as BigInt64Array;
  images.dispose(); labels.dispose();
  const out: Data[] = [];
  for (let g = 0; g < Math.min(limit, lb.length); g++) {
    const id = new Int32Array(784).fill(-1), feat: number[] = [];
    let n = 0;
    for (let p = 0; p < 784; p++) {
      const v = px[g * 784 + p];
      if (v > thr) { id[p] = n++; feat.push(v, Math.floor(p / 28) / 27, (p % 28) / 27); }
    }
    const src: bigint[] = [], dst: bigint[] = [];
    for (let p = 0; p < 784; p++) {
      if (id[p] < 0) continue;
      const r = Math.floor(p / 28), c = p % 28;
      for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) {
        const rr = r + dr, cc = c + dc;
        if ((dr || dc) && rr >= 0 && rr < 28 && cc >= 0 && cc < 28 && id[rr * 28 + cc] >= 0) {
          src.push(BigInt(id[rr * 28 + cc])); dst.push(BigInt(id[p]));
        }
      }
    }
    out.push({ x: tensor(Float32Array.from(feat), { shape: [n, 3] }), edgeIndex: edgeTensor(src, dst), y: tensor([lb[g]], { dtype: 'int64' }) });
  }
  return out;
}
