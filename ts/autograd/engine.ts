// Reverse-mode autograd, shaped like micrograd: ops record a Node when grad is on;
// backward() is a topological sort and one reverse loop. Gradients are computed with
// Tensor ops, so they run on any device and can themselves be differentiated.
import type { Tensor } from '../tensor';
import { ctx, runInChild, isAsyncFunction, isThenable } from '../context';
import { badArg } from '../args';

/** Whether ops record the graph (in the current context: see ts/context.ts). */
export const isGradEnabled = (): boolean => ctx().gradEnabled;
/** Turns recording on or off in the current context (an async scope's own, or the program's). */
export function setGradEnabled(on: boolean): void { ctx().gradEnabled = on; }

function withGrad<T>(op: string, on: boolean, fn: () => T): T {
  if (typeof fn !== 'function') badArg(op, 'fn', 'a function', fn);
  // an async fn runs in a child context that follows its awaits (and only it sees the mode)
  if (isAsyncFunction(fn)) return runInChild({ gradEnabled: on }, fn);
  const c = ctx();
  const prev = c.gradEnabled;
  c.gradEnabled = on;
  let result: T;
  try { result = fn(); } finally { c.gradEnabled = prev; }
  if (isThenable(result)) {
    // the mode was already restored when its continuations run: say so rather than record silently
    Promise.resolve(result).catch(() => {});
    throw new Error(`${op}: fn returned a Promise but is not an async function, so the grad mode cannot follow its awaits; pass an async function (${op === 'no_grad' ? 'noGrad' : 'enableGrad'}(async () => ...))`);
  }
  return result;
}
/**
 * Runs fn without recording (like torch.no_grad). An async fn keeps the mode across its
 * awaits, for it alone: concurrent handlers keep theirs.
 * ```ts
 * const y = noGrad(() => model.forward(x));
 * const z = await noGrad(async () => { const a = await load(); return model.forward(a); });
 * ```
 */
export function noGrad<T>(fn: () => T): T { return withGrad('no_grad', false, fn); }
/** Runs fn with recording on, even inside noGrad (an async fn: across its awaits). */
export function enableGrad<T>(fn: () => T): T { return withGrad('enable_grad', true, fn); }

export type GradFn = (dy: Tensor) => (Tensor | null)[];

/**
 * One recorded op: its inputs (null where no gradient flows), the nodes that produced them
 * when it was recorded (null for leaves), and its local backward. The edges are fixed at
 * recording: an in-place op later gives its tensor a new gradFn, and consumers recorded
 * before it still send their gradients to the old one (as PyTorch's edges do).
 */
export class Node {
  readonly next: (Node | null)[];
  constructor(
    readonly name: string,
    readonly inputs: (Tensor | null)[],
    public backward: GradFn | null,
  ) {
    this.next = inputs.map((t) => t?.gradFn ?? null);
  }
  toString(): string { return `<${this.name}Backward>`; }
}

/** PyTorch's error for a saved tensor that an in-place op changed after it was recorded. */
export function checkVersion(node: string, what: string, t: Tensor, expected: number): void {
  const v = t._version;
  if (v !== expected)
    throw new Error(`backward: one of the variables needed for gradient computation has been modified by an inplace operation: ${node} ${what} is at version ${v}; expected version ${expected}`);
}

/** The nodes reachable from root, each after all the nodes that consume it. */
function topoOrder(root: Node): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: [Node, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {  // iterative DFS: deep graphs (RNNs) must not blow the JS stack
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.next.length) {
      top[1]++;
      const child = node.next[i];
      if (child && !seen.has(child)) { seen.add(child); stack.push([child, 0]); }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order.reverse();
}

export interface BackwardOptions { retainGraph?: boolean; createGraph?: boolean }

/**
 * Accumulates d(root)/d(leaf) into every leaf's .grad (and retained non-leaves).
 * `inputs`, when given, limits accumulation to those tensors and returns their grads
 * instead (autograd.grad).
 */
export function runBackward(root: Tensor, seed: Tensor, opts: BackwardOptions = {}, only?: Tensor[]): (Tensor | null)[] | void {
  const node = root.gradFn;
  const want = only ? new Map(only.map((t, i) => [t, i])) : null;
  const found: (Tensor | null)[] = only ? only.map(() => null) : [];
  const deliver = (t: Tensor, g: Tensor, owned = false) => {
    if (want) {
      const i = want.get(t);
      if (i !== undefined) found[i] = found[i] ? found[i]!.add(g) : g;
      return;
    }
    if (t.isLeaf || t.retainsGrad) t._accumulateGrad(g, owned);
  };
  if (!node) {
    if (!root.requiresGrad) throw new Error('backward: element 0 of tensors does not require grad and does not have a grad_fn');
    deliver(root, seed);
    return only ? found : undefined;
  }
  const run = () => {
    const grads = new Map<Node, Tensor>([[node, seed]]);
    deliver(root, seed);
    for (const n of topoOrder(node)) {
      const dy = grads.get(n);
      grads.delete(n);
      if (!dy) continue;
      if (!n.backward) throw new Error(`backward: trying to backward through the graph a second time (${n.name}); pass { retainGraph: true } the first time`);
      const gs = n.backward(dy);  // checks the versions of the saved tensors it reads
      if (!opts.retainGraph) n.backward = null;  // frees the saved tensors it closed over
      n.inputs.forEach((t, i) => {
        const g0 = gs[i];
        if (!t || !g0) return;
        const g = t._applyHooks(g0);
        const nx = n.next[i];
        // A gradient only this edge holds (not dy passed through, not shared with another
        // input, not a view, not from a hook, not going on to a node) may become .grad as is.
        const owned = !nx && !t._hasHooks && g !== dy && g._base === null && gs.every((o, j) => j === i || o !== g);
        if (!nx || t.retainsGrad || want) deliver(t, g, owned);
        if (nx) {
          const prev = grads.get(nx);
          grads.set(nx, prev ? prev.add(g) : g);
        }
      });
    }
  };
  if (opts.createGraph) run(); else noGradRun(run);
  return only ? found : undefined;
}

function noGradRun(fn: () => void): void { noGrad(fn); }
