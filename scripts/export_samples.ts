// Writes test/fixtures/samples.json: every op sample of test/samples/*.ts with its seeded
// values drawn. Run: npx vite-node scripts/export_samples.ts (no Python, no addon needed).
// Then scripts/gen_sample_fixtures.py (Python, torch) adds torch's outputs; CI checks this
// file is current (git diff after re-running the export).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { samplesJson } from '../test/samples/all';

const path = join(__dirname, '..', 'test', 'fixtures', 'samples.json');
const text = samplesJson();
writeFileSync(path, text);
console.log(`wrote ${path}: ${text.split('\n').length - 3} samples`);
