// Every op's samples, one table per family, and their exported form (test/fixtures/samples.json,
// written by scripts/export_samples.ts; scripts/gen_sample_fixtures.py adds torch's outputs).
import { createHash } from 'node:crypto';
import type { SampleTable, ExportedSample } from './sample';
import { exportSample } from './sample';
import { UNARY } from './unary';
import { BINARY } from './binary';
import { VIEW } from './view';
import { CREATION } from './creation';
import { REDUCE } from './reduce';
import { LINALG } from './linalg';
import { INDEX } from './index';
import { CONV } from './conv';
import { FUSED } from './fused';
import { OPTIM } from './optim';

export const SAMPLE_FAMILIES: Record<string, SampleTable> = {
  unary: UNARY, binary: BINARY, view: VIEW, creation: CREATION, reduce: REDUCE, linalg: LINALG, index: INDEX, conv: CONV, fused: FUSED, optim: OPTIM,
};

/** All samples with their values drawn, in a fixed order (family, then op, then sample). */
export function exportAll(): ExportedSample[] {
  const out: ExportedSample[] = [];
  const seen = new Set<string>();
  for (const table of Object.values(SAMPLE_FAMILIES)) {
    for (const [op, samples] of Object.entries(table)) {
      if (seen.has(op)) throw new Error(`samples: op ${op} appears in two families`);
      seen.add(op);
      const names = new Set<string>();
      for (const s of samples) {
        if (names.has(s.name)) throw new Error(`samples: ${op}/${s.name} appears twice`);
        names.add(s.name);
        out.push(exportSample(op, s));
      }
    }
  }
  return out;
}

/** The exported file's text: one sample a line, so a diff shows which samples changed. */
export function samplesJson(): string {
  const lines = exportAll().map((s) => JSON.stringify({ ...s, digest: digestOf(s) }));
  return `{"format": 1, "samples": [\n${lines.join(',\n')}\n]}\n`;
}

/** A short hash of a sample's exported form: torch's outputs carry it, so stale outputs show. */
export const digestOf = (s: ExportedSample): string => createHash('sha1').update(JSON.stringify(s)).digest('hex').slice(0, 12);
