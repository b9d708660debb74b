// The live training dashboard: a fastify server with one page (uPlot charts served from the
// npm package) fed by server-sent events; fit's progress hook (ts/train/progress.ts) sends
// loss, accuracy, samples/s and lr (throttled) and, after each epoch, its log and the sample
// images' predictions (the page lays out the grid). Optionally appends every point to
// <runDir>/metrics.jsonl for `myelin plot`.
import * as fs from 'fs';
import * as path from 'path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ServerResponse } from 'http';
import { showValue } from '../args';
import { noGrad } from '../autograd/engine';
import { tidy } from '../memory';
import type { Tensor } from '../tensor';
import type { Module } from '../nn/module';
import { setProgressHook, type Progress } from '../train/progress';
import { encodePng } from './tensorboard';
import { DASHBOARD_HTML } from './pages';

export interface DashboardOptions {
  port?: number; host?: string;
  /** Where metrics.jsonl goes (none when absent). */
  runDir?: string;
  /** Images [N, C, H, W] and labels shown with the model's predictions after each epoch. */
  samples?: { x: Tensor; y: number[] };
  /** Least milliseconds between two batch points sent (default 250): keeps the page's cost off training. */
  intervalMs?: number;
}

/** uPlot's browser files, found through its package (so the page needs nothing from the internet). */
export function uplotFile(name: 'uPlot.iife.min.js' | 'uPlot.min.css'): string {
  return path.join(path.dirname(require.resolve('uplot/package.json')), 'dist', name);
}

/** A running dashboard: its URL, the number of points sent, and close(). */
export class Dashboard {
  readonly app: FastifyInstance;
  url = '';
  /** Every message sent so far (a page that connects late gets them all first). */
  readonly history: string[] = [];
  private clients = new Set<ServerResponse>();
  private step = 0;
  private lastSent = 0;
  private log: number | null = null;
  private sampleImages: string[] | undefined;

  private constructor(private readonly o: DashboardOptions) {
    this.app = Fastify({ logger: false });
    this.app.get('/', (_req, reply) => { reply.type('text/html').send(DASHBOARD_HTML); });
    this.app.get('/uplot.js', (_req, reply) => { reply.type('application/javascript').send(fs.createReadStream(uplotFile('uPlot.iife.min.js'))); });
    this.app.get('/uplot.css', (_req, reply) => { reply.type('text/css').send(fs.createReadStream(uplotFile('uPlot.min.css'))); });
    this.app.get('/events', (req, reply) => {
      reply.hijack();  // a raw, never-ending text/event-stream response
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': connected\n\n');  // sends the headers now, so the page's EventSource opens before the first point
      res.socket?.unref();  // an open page does not keep a finished command alive
      for (const m of this.history) res.write(m);
      this.clients.add(res);
      req.raw.on('close', () => this.clients.delete(res));
    });
  }

  /** Starts the server (port 0: any free port) and hooks every fit from now on. */
  static async start(o: DashboardOptions = {}): Promise<Dashboard> {
    if (o === null || typeof o !== 'object') throw new Error(`dashboard: options must be an object, got ${showValue(o)}`);
    const port = o.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`dashboard: port must be an integer from 0 to 65535, got ${showValue(o.port)}`);
    const d = new Dashboard(o);
    if (o.runDir !== undefined) {
      try {
        fs.mkdirSync(o.runDir, { recursive: true });
        d.log = fs.openSync(path.join(o.runDir, 'metrics.jsonl'), 'a');
      } catch (e) { throw new Error(`dashboard: cannot write metrics.jsonl in ${o.runDir}: ${(e as Error).message}`); }
    }
    try {
      d.url = await d.app.listen({ port, host: o.host ?? '127.0.0.1' });
    } catch (e) { throw new Error(`dashboard: cannot listen on port ${port}: ${(e as Error).message}`); }
    setProgressHook((p) => d.wrap(p));
    return d;
  }

  /** Sends one event to every page and keeps it for pages that connect later. */
  send(type: string, data: object): void {
    const m = `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    this.history.push(m);
    for (const c of this.clients) c.write(m);
  }

  /** A progress that reports to `inner` and to the page. */
  wrap(inner: Progress): Progress {
    let model: Module | null = null, optimizer: { paramGroups?: Array<{ lr?: number }> } | null = null, epoch = 0, epochs = 0, batches = 0;
    const every = this.o.intervalMs ?? 250;
    const lr = () => optimizer?.paramGroups?.[0]?.lr;
    return {
      start: (e, n, total) => { epoch = e; epochs = n; batches = total; inner.start(e, n, total); },
      update: (done, v) => {
        this.step++;
        inner.update(done, v);
        const now = performance.now();
        if (now - this.lastSent < every) return;
        this.lastSent = now;
        const point = { step: this.step, epoch: epoch - 1 + (batches > 0 ? done / batches : 0), loss: v.loss, acc: v.acc, samplesPerSecond: v.rate, lr: lr(), epochs };
        this.send('batch', point);
        if (this.log !== null) fs.writeSync(this.log, `${JSON.stringify(point)}\n`);
      },
      stop: (line) => inner.stop(line),
      attach: (m, opt) => { model = m as Module; optimizer = opt as typeof optimizer; inner.attach?.(m, opt); },
      epochEnd: (log) => {
        inner.epochEnd?.(log);
        const entry = { ...(log as object), step: this.step, lr: lr() };
        this.send('epoch', entry);
        if (this.log !== null) fs.writeSync(this.log, `${JSON.stringify(entry)}\n`);
        if (model && this.o.samples) this.sendSamples(model);
      },
    };
  }

  /** The model's predictions on the sample images: the images go once (PNG data URLs, pixels min-max
   * scaled out of MNIST's normalization), then each epoch only the labels; the page lays out the grid. */
  private sendSamples(model: Module): void {
    const { x, y } = this.o.samples!;
    const was = model.training;
    model.eval();
    let pred: number[];
    try {
      pred = noGrad(() => tidy(() => Array.from((model.forward(x) as Tensor).argmax(1).data() as ArrayLike<number | bigint>, Number)));
    } finally { model.train(was); }
    this.sampleImages ??= tidy(() => {
      const img = x.sub(x.min()).div(x.max().sub(x.min()));
      return Array.from({ length: x.shape[0] }, (_, i) => `data:image/png;base64,${encodePng('dashboard', img.select(0, i)).png.toString('base64')}`);
    });
    this.send('samples', { images: this.sampleImages, predicted: pred, actual: y, correct: pred.filter((p, i) => p === y[i]).length, total: y.length });
  }

  /** Stops the server, ends the pages' streams and removes the hook. */
  async close(): Promise<void> {
    setProgressHook(null);
    for (const c of this.clients) c.end();
    this.clients.clear();
    if (this.log !== null) { fs.closeSync(this.log); this.log = null; }
    await this.app.close();
  }
}
