/**
 * Fault injection: every bad value of every LAB_ variable is one error naming the
 * variable, checked when a run starts even if every result is on disk; relative data
 * folders mean the folder where the process was started.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { EnvError, labEnv } from '../../lib/core/env';
import { backendInfo, initBackend } from '../../lib/core/tf';
import { runExperiment } from '../../lib/experiments/runner';
import { twoTableExperiment } from '../fixtures/counting-experiment';
import { runChild, runFolder, tmpDir } from './helpers';

const VARS = ['LAB_SCALE', 'LAB_BACKEND', 'LAB_WORKERS', 'LAB_RECOMPUTE', 'LAB_DATA_DIR'];

/** Run `f` with some LAB_ variables set (the others unset), restoring them after. */
async function withEnv<T>(vars: Record<string, string>, f: () => Promise<T> | T): Promise<T> {
  const saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
  for (const k of VARS) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return await f();
  } finally {
    for (const k of VARS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

describe('faults: environment variables', () => {
  const bad: [string, string, RegExp][] = [
    ['LAB_WORKERS', ' 2', /^LAB_WORKERS: expected a whole number from 1 to 1024 written in digits, got " 2"$/],
    ['LAB_WORKERS', '0x2', /^LAB_WORKERS: .* got "0x2"$/],
    ['LAB_WORKERS', '1e0', /^LAB_WORKERS: .* got "1e0"$/],
    ['LAB_WORKERS', '2.0', /^LAB_WORKERS: .* got "2\.0"$/],
    ['LAB_WORKERS', '0', /^LAB_WORKERS: .* got "0"$/],
    ['LAB_WORKERS', '-1', /^LAB_WORKERS: .* got "-1"$/],
    ['LAB_WORKERS', '02', /^LAB_WORKERS: .* got "02"$/],
    ['LAB_WORKERS', '99999999999999999999', /^LAB_WORKERS: .* got "99999999999999999999"$/],
    ['LAB_WORKERS', 'NaN', /^LAB_WORKERS: .* got "NaN"$/],
    ['LAB_RECOMPUTE', 'maybe', /^LAB_RECOMPUTE: expected one of 1, true, yes, on, 0, false, no, off, got "maybe"$/],
    ['LAB_RECOMPUTE', ' 1', /^LAB_RECOMPUTE: .* got " 1"$/],
    ['LAB_BACKEND', 'gpu', /^LAB_BACKEND: expected one of tensorflow, wasm, cpu, got "gpu"$/],
    ['LAB_BACKEND', 'WASM', /^LAB_BACKEND: .* got "WASM"$/],
    ['LAB_SCALE', 'fast', /^LAB_SCALE: expected one of quick, paper, got "fast"$/],
  ];
  for (const [name, value, message] of bad) {
    it(`${name}=${JSON.stringify(value)}: one error naming the variable`, () => {
      assert.throws(() => labEnv({ [name]: value }), (e: Error) => e instanceof EnvError && e.variable === name && message.test(e.message));
    });
  }

  it('LAB_RECOMPUTE accepts 1/true/yes/on and 0/false/no/off in any case; empty means unset', () => {
    for (const v of ['1', 'true', 'TRUE', 'yes', 'On']) assert.strictEqual(labEnv({ LAB_RECOMPUTE: v }).recompute, true, v);
    for (const v of ['0', 'false', 'No', 'off', '']) assert.strictEqual(labEnv({ LAB_RECOMPUTE: v }).recompute, false, v);
    assert.strictEqual(labEnv({ LAB_WORKERS: '' }).workers, undefined);
    assert.strictEqual(labEnv({ LAB_WORKERS: '1024' }).workers, 1024);
  });

  it('LAB_DATA_DIR: relative to the given working directory; a file, or a path through a file, is an error naming it', () => {
    const base = tmpDir();
    assert.strictEqual(labEnv({ LAB_DATA_DIR: 'sub/data' }, base).dataDir.dir, path.join(base, 'sub', 'data'));
    assert.strictEqual(labEnv({ LAB_DATA_DIR: '../x' }, base).dataDir.dir, path.join(path.dirname(base), 'x'));
    const file = path.join(base, 'file');
    fs.writeFileSync(file, '');
    assert.throws(() => labEnv({ LAB_DATA_DIR: file }), new RegExp(`EnvError: LAB_DATA_DIR: expected a folder, but ${file} is a file, got "${file}"$`));
    assert.throws(() => labEnv({ LAB_DATA_DIR: path.join(file, 'data') }), /EnvError: LAB_DATA_DIR: expected a folder, but .*file (is a file|runs through a file)/);
    assert.throws(() => labEnv({ LAB_DATA_DIR: 'a\0b' }), /EnvError: LAB_DATA_DIR: expected a folder path, got "a\\u0000b"$/);
  });

  it('bad variables stop a run at its start even when every seed is on disk', async () => {
    const dataDir = tmpDir();
    const run = () => runExperiment(twoTableExperiment, {}, { seeds: 2, workers: 1, dataDir, log: () => undefined });
    await withEnv({}, run);
    for (const [name, value, message] of bad.filter(([n]) => n !== 'LAB_SCALE')) {
      await assert.rejects(withEnv({ [name]: value }, run), (e: Error) => e instanceof EnvError && message.test(e.message), `${name}=${value}`);
    }
    const file = path.join(dataDir, 'a-file');
    fs.writeFileSync(file, '');
    await assert.rejects(withEnv({ LAB_DATA_DIR: file }, run), /^EnvError: LAB_DATA_DIR: expected a folder, but .*a-file is a file/);
    await assert.rejects(runExperiment(twoTableExperiment, {}, { seeds: 1, dataDir: path.join(file, 'sub'), log: () => undefined }),
      /run options: "dataDir": expected a folder, but .*a-file is a file/);
  });

  it('LAB_RECOMPUTE=true recomputes a cached run (it used to need "1")', async () => {
    const dataDir = tmpDir();
    const run = () => runExperiment(twoTableExperiment, {}, { seeds: 2, workers: 1, dataDir, log: () => undefined });
    await withEnv({}, run);
    assert.deepStrictEqual((await withEnv({ LAB_RECOMPUTE: 'true' }, run)).computed, [0, 1]);
    assert.deepStrictEqual((await withEnv({ LAB_RECOMPUTE: 'off' }, run)).computed, []);
  });

  it('LAB_BACKEND is checked by initBackend with the variable named', async () => {
    await assert.rejects(withEnv({ LAB_BACKEND: 'gpu' }, () => initBackend()), /^EnvError: LAB_BACKEND: expected one of tensorflow, wasm, cpu, got "gpu"$/);
  });

  it('a relative LAB_DATA_DIR writes under the directory the process started in', async function () {
    this.timeout(60_000);
    const cwd = tmpDir();
    const r = await runChild({ experiment: 'two-tables', options: { seeds: 1, workers: 1 } }, { LAB_DATA_DIR: 'rel-data', LAB_BACKEND: backendInfo()!.name }, cwd);
    assert.strictEqual(r.code, 0, r.out);
    assert.ok(fs.existsSync(path.join(runFolder(path.join(cwd, 'rel-data'), 'two-tables'), 'seed-0.json')));
  });
});
