// `myelin demo mnist --model FILE`: a page to draw a digit on (pages.ts) whose strokes are sent
// to POST /predict and classified server-side by the saved recipe model; /samples shows the PNGs
// of a run directory (a generative model's samples) as a grid.
import * as fs from 'fs';
import * as path from 'path';
import Fastify, { type FastifyInstance } from 'fastify';
import { showValue } from '../args';
import { tensor } from '../creation';
import { tidy } from '../memory';
import type { Module } from '../nn/module';
import { MNIST_MEAN, MNIST_STD } from '../train/recipes';
import { classify, loadRecipeModel, type Prediction } from '../train/cli_io';
import { DEMO_HTML, samplesHtml } from './pages';

export interface DemoOptions { model: string; recipe?: string; port?: number; host?: string; runDir?: string }

/** Classifies 784 gray levels in [0, 1] (a 28x28 drawing, row-major) with an MNIST recipe model. */
export function predictDigit(model: Module, pixels: unknown): Prediction {
  if (!Array.isArray(pixels) || pixels.length !== 784 || !pixels.every((v) => typeof v === 'number' && v >= 0 && v <= 1))
    throw new Error(`demo: pixels must be 784 numbers in [0, 1] (a 28x28 image), got ${showValue(pixels)}`);
  return tidy(() => classify(model, tensor(pixels).reshape([1, 1, 28, 28]).sub(MNIST_MEAN).div(MNIST_STD))[0]);
}

/** Starts the demo server; resolves once it listens (port 0: any free port). */
export async function startDemo(o: DemoOptions): Promise<{ url: string; app: FastifyInstance; close: () => Promise<void> }> {
  if (o === null || typeof o !== 'object' || typeof o.model !== 'string' || o.model === '') throw new Error(`demo: --model <file.safetensors> is required, got ${showValue(o?.model)}`);
  const recipe = o.recipe ?? 'mnist-mlp';
  if (!recipe.startsWith('mnist-')) throw new Error(`demo: recipe '${recipe}' is not an MNIST recipe (mnist-mlp, mnist-cnn, mnist-resnet)`);
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`demo: port must be an integer from 0 to 65535, got ${showValue(o.port)}`);
  if (o.runDir !== undefined && !fs.existsSync(o.runDir)) throw new Error(`demo: --run-dir ${o.runDir} does not exist`);
  const model = loadRecipeModel(o.model, recipe);
  const app = Fastify({ logger: false, bodyLimit: 1 << 16 });
  app.get('/', (_req, reply) => { reply.type('text/html').send(DEMO_HTML); });
  app.post('/predict', (req, reply) => {
    try {
      reply.send(predictDigit(model, (req.body as { pixels?: unknown } | null)?.pixels));
    } catch (e) { reply.code(400).send({ error: (e as Error).message }); }
  });
  const pngs = () => (o.runDir ? fs.readdirSync(o.runDir).filter((f) => f.toLowerCase().endsWith('.png')).sort() : []);
  app.get('/samples', (_req, reply) => { reply.type('text/html').send(samplesHtml(pngs(), o.runDir)); });
  app.get('/samples/:name', (req, reply) => {
    const name = (req.params as { name: string }).name;
    // only the listed files: no path leaves the run directory
    if (!pngs().includes(name)) { reply.code(404).send({ error: `no sample ${name}` }); return; }
    reply.type('image/png').send(fs.readFileSync(path.join(o.runDir!, name)));
  });
  let url: string;
  try { url = await app.listen({ port, host: o.host ?? '127.0.0.1' }); } catch (e) { throw new Error(`demo: cannot listen on port ${port}: ${(e as Error).message}`); }
  return { url, app, close: () => app.close() };
}
