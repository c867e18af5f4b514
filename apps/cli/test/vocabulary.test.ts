/**
 * One vocabulary, end to end: the built `digitlab` binary with every `--model` form (a folder,
 * pretrained:NAME from packages/models/pretrained, a zoo name) and every `--data` form (mnist, a
 * real CSV, a real folder of PNGs) on each command that takes them; the folder guards; the label
 * contract (a `10` class is scored through the model's labels); exit code 2 for each usage error;
 * `--help`, `--version` and the backend line. Data: real MNIST test digits written as files.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DigitDataset } from '@digitlab/datasets/node';
import { pretrainedPath } from '@digitlab/models/node';
import { realTestSet } from '../../../packages/datasets/src/__fixtures__/real-mnist.js';
import { digitPixels, transposed, writeDigitCsv, writeDigitFolder, writeDigitPng } from './support/digit-files.js';

const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(repository, 'apps', 'cli', 'dist', 'bin.js');
const execute = promisify(execFile);
let root: string;
let mnist: DigitDataset;
let digits: string; // test images 0-199 in 0..9 folders
let csv: string; // test images 200-499 as a Kaggle CSV
let eleven: string; // digits 0..9 and a "10" class of quarter-turned ones
const fastCnn = pretrainedPath('fast-cnn');

/** Runs the CLI on one wasm thread (the machine is shared); resolves with the exit code and both streams. */
async function digitlab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execute(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, DIGITLAB_LOG_LEVEL: 'info' }, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
const json = <T = Record<string, unknown>>(result: { stdout: string }) => JSON.parse(result.stdout) as T;
const wasm = ['--backend', 'wasm', '--threads', '1'];

beforeAll(async () => {
  execFileSync('npx', ['tsc', '--build', 'apps/cli'], { cwd: repository, stdio: 'inherit' });
  root = await mkdtemp(join(tmpdir(), 'digitlab-vocabulary-'));
  mnist = await realTestSet();
  digits = join(root, 'digits');
  await writeDigitFolder(digits, mnist, 0, 200);
  csv = join(root, 'test.csv');
  await writeDigitCsv(csv, mnist, 200, 500);
  eleven = join(root, 'eleven');
  await writeDigitFolder(eleven, mnist, 0, 200);
  await mkdir(join(eleven, '10'));
  for (let index = 0, written = 0; written < 20; index++) {
    if (mnist.labels[index] !== 1) continue;
    await writeDigitPng(join(eleven, '10', `${index}.png`), transposed(digitPixels(mnist, index)));
    written += 1;
  }
}, 300_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('--model and --data in evaluate and predict', () => {
  it('evaluate takes pretrained:NAME, a model folder, and csv:/folder: data', async () => {
    const pretrained = await digitlab('evaluate', '--model', 'pretrained:fast-cnn', '--data', `folder:${digits}`, ...wasm, '--json');
    expect(pretrained.code, pretrained.stderr).toBe(0);
    const scored = json<{ size: number; accuracy: number; labels: string[]; data: string; models: string[] }>(pretrained);
    expect(scored).toMatchObject({ size: 200, labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], data: `folder:${digits}`, models: ['pretrained:fast-cnn'] });
    expect(scored.accuracy).toBeGreaterThan(0.95);

    const folder = await digitlab('evaluate', '--model', fastCnn, '--data', `csv:${csv}`, ...wasm, '--json');
    expect(folder.code, folder.stderr).toBe(0);
    expect(json<{ size: number; accuracy: number }>(folder)).toMatchObject({ size: 300 });
    expect(json<{ accuracy: number }>(folder).accuracy).toBeGreaterThan(0.95);

    const ensemble = await digitlab('evaluate', '--model', 'pretrained:fast-cnn', '--model', 'pretrained:bn-cnn', '--data', `csv:${csv}`, ...wasm, '--json');
    expect(ensemble.code, ensemble.stderr).toBe(0);
    expect(json<{ members: unknown[]; accuracy: number }>(ensemble).members).toHaveLength(2);
  });

  it('predict takes pretrained:NAME and a folder of images (--recursive for class folders), answering each image', async () => {
    const flat = await digitlab('predict', '--model', 'pretrained:fast-cnn', digits, ...wasm);
    expect(flat.code).toBe(2);
    expect(flat.stderr).toMatch(/holds no PNG or JPEG file\. It has 10 sub-folders: pass --recursive to read them/);

    const walked = await digitlab('predict', '--model', 'pretrained:fast-cnn', digits, '--recursive', ...wasm, '--json');
    expect(walked.code, walked.stderr).toBe(0);
    const { predictions } = json<{ predictions: Array<{ file: string; digit: string }> }>(walked);
    expect(predictions).toHaveLength(200);
    const right = predictions.filter((p) => p.digit === dirname(p.file).split('/').pop()).length;
    expect(right / 200).toBeGreaterThan(0.95);

    const one = await digitlab('predict', '--model', fastCnn, join(digits, '7', '0.png'), ...wasm, '--json');
    expect(one.code, one.stderr).toBe(0);
    expect(json<{ predictions: Array<{ digit: string }> }>(one).predictions[0]!.digit).toBe('7');
  });
});

describe('--model and --data in train, finetune and lr-find', () => {
  it('train takes a zoo name with folder: data and csv: test data, and records the labels', async () => {
    const out = join(root, 'train-folder');
    const result = await digitlab('train', '--model', 'mlp', '--data', `folder:${digits}`, '--test', `csv:${csv}`, '--epochs', '1', '--batch-size', '32', ...wasm, '--out', out, '--json');
    expect(result.code, result.stderr).toBe(0);
    const output = json<{ labels: string[]; config: Record<string, unknown>; test: { accuracy: number } }>(result);
    expect(output.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(output.config).toMatchObject({ model: 'mlp', data: `folder:${digits}`, test: `csv:${csv}` });
    expect(output.test.accuracy).toBeGreaterThan(0.1);
    const metadata = JSON.parse(await readFile(join(out, 'model', 'digitlab.json'), 'utf8')) as { labels: string[] };
    expect(metadata.labels).toEqual(output.labels);
    // Shared with other users: folders 0755, files 0644 under the usual umask.
    expect((await stat(out)).mode & 0o777).toBe(0o755 & ~process.umask());
    expect((await stat(join(out, 'model'))).mode & 0o777).toBe(0o755 & ~process.umask());
    expect((await stat(join(out, 'model', 'model.json'))).mode & 0o777).toBe(0o644 & ~process.umask());

    const csvRun = await digitlab('train', '--model', 'mlp', '--data', `csv:${csv}`, '--epochs', '1', ...wasm, '--out', join(root, 'train-csv'), '--json');
    expect(csvRun.code, csvRun.stderr).toBe(0);
    expect(json<{ test: unknown }>(csvRun).test).toBeNull();

    for (const model of ['pretrained:fast-cnn', fastCnn]) {
      const refused = await digitlab('train', '--model', model, '--data', `csv:${csv}`, ...wasm);
      expect(refused.code, model).toBe(2);
      expect(refused.stderr).toMatch(/takes a zoo name|unknown model/);
    }
  });

  it('finetune takes pretrained:NAME and a folder; lr-find takes a zoo name, pretrained:NAME and a folder', async () => {
    const fromPretrained = await digitlab('finetune', '--model', 'pretrained:fast-cnn', '--data', `csv:${csv}`, '--strategy', 'linear-probe', '--epochs', '1', ...wasm, '--out', join(root, 'ft-pretrained'), '--json');
    expect(fromPretrained.code, fromPretrained.stderr).toBe(0);
    const fromFolder = await digitlab('finetune', '--model', fastCnn, '--data', `folder:${digits}`, '--strategy', 'linear-probe', '--epochs', '1', ...wasm, '--out', join(root, 'ft-folder'), '--json');
    expect(fromFolder.code, fromFolder.stderr).toBe(0);
    // Same labels as the base: the head is kept, and nothing is said about a new one.
    expect(fromFolder.stderr).not.toMatch(/new \d+-class head/);
    for (const model of ['mlp', 'pretrained:fast-cnn', fastCnn]) {
      const found = await digitlab('lr-find', '--model', model, '--data', `folder:${digits}`, '--steps', '10', '--batch-size', '16', ...wasm, '--json');
      expect(found.code, `${model}: ${found.stderr}`).toBe(0);
      expect(json<{ model: string }>(found).model).toBe(model);
    }
    const zoo = await digitlab('finetune', '--model', 'fast-cnn', '--data', `csv:${csv}`, ...wasm);
    expect(zoo.code).toBe(2);
    expect(zoo.stderr).toMatch(/Pass pretrained:fast-cnn for the shipped weights/);
  });
});

describe('labels are a contract', () => {
  it('a "10" class gets a new head announced first; evaluate and ensembles read outputs through the labels', async () => {
    const out = join(root, 'ft-eleven');
    const tuned = await digitlab('finetune', '--model', 'pretrained:fast-cnn', '--data', `folder:${eleven}`, '--strategy', 'linear-probe', '--epochs', '10', '--batch-size', '16', '--lr', '0.01', ...wasm, '--out', out);
    expect(tuned.code, tuned.stderr).toBe(0);
    const announced = tuned.stderr.indexOf('a new 11-class head replaces its head');
    expect(announced).toBeGreaterThan(-1);
    expect(announced).toBeLessThan(tuned.stderr.indexOf('epoch 1/10'));
    const metadata = JSON.parse(await readFile(join(out, 'model', 'digitlab.json'), 'utf8')) as { labels: string[] };
    expect(metadata.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);

    const scored = await digitlab('evaluate', '--model', join(out, 'model'), '--data', `csv:${csv}`, ...wasm, '--json');
    expect(scored.code, scored.stderr).toBe(0);
    const result = json<{ accuracy: number; labels: string[]; confusionMatrix: number[][] }>(scored);
    expect(result.labels).toEqual(metadata.labels);
    // Through the labels the model is still a good digit classifier (output k is not digit k here only for "10").
    expect(result.accuracy).toBeGreaterThan(0.85);
    expect(result.confusionMatrix).toHaveLength(11);
    expect(result.confusionMatrix[10]!.reduce((a, b) => a + b, 0)).toBe(0); // no "10" in MNIST

    const mixed = await digitlab('evaluate', '--model', join(out, 'model'), '--model', 'pretrained:fast-cnn', '--data', `csv:${csv}`, ...wasm);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/cannot be ensembled: their outputs mean different classes\. .* has labels \[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10\]; pretrained:fast-cnn has labels \[0, 1, 2, 3, 4, 5, 6, 7, 8, 9\]/);

    const unknownClass = await digitlab('evaluate', '--model', 'pretrained:fast-cnn', '--data', `folder:${eleven}`, ...wasm);
    expect(unknownClass.code).toBe(2);
    expect(unknownClass.stderr).toMatch(/has class "10" that the model does not know/);
  });
});

describe('finetune run folders', () => {
  it('writes the same run folder as train (0755/0644) and resumes a killed run from checkpoints/last', async () => {
    const out = join(root, 'ft-run');
    const args = ['finetune', '--model', 'pretrained:fast-cnn', '--data', `csv:${csv}`, '--strategy', 'lora', '--epochs', '8', '--batch-size', '16', ...wasm, '--out', out, '--json'];
    // Epoch-end checkpoints only here (runs-safe.test.ts covers the every-N-steps ones), so the kill lands after a whole epoch.
    args.push('--checkpoint-every-steps', '1000000');
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const state = join(out, 'checkpoints', 'last', 'trainer-state.json');
    while (!existsSync(state) && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGKILL');
    await exited;
    // The checkpoint is written before the epoch's metrics line, so a kill in between leaves no metrics.jsonl yet.
    const metricsFile = join(out, 'metrics.jsonl');
    const metricsBefore = existsSync(metricsFile) ? (await readFile(metricsFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { type: string }) : [];
    expect(metricsBefore.some((line) => line.type === 'eval')).toBe(false); // killed before the end
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ command: 'finetune', model: 'pretrained:fast-cnn', data: `csv:${csv}`, epochs: 8, strategy: { kind: 'lora' } });

    const changed = await digitlab('finetune', '--resume', out, '--epochs', '2');
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/drop --epochs/);
    const resumed = await digitlab('finetune', '--resume', out, ...wasm, '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming from checkpoints\/last/);
    const output = json<{ runDirectory: string; epochs: Array<{ epoch: number }>; test?: unknown }>(resumed);
    expect(output.runDirectory).toBe(out);
    expect(output.epochs.at(-1)!.epoch).toBe(8);
    expect(output.epochs[0]!.epoch).toBeGreaterThan(1); // continued, not restarted
    expect((await readdir(out)).sort()).toEqual(['checkpoints', 'config.json', 'metrics.jsonl', 'model']);
    expect((await readdir(join(out, 'checkpoints'))).filter((name) => !name.startsWith('.'))).toContain('last');
    const lines = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { type: string; epoch?: number });
    // Each epoch exactly once: a line the killed run logged for an epoch its checkpoint did not hold was dropped on resume.
    expect(lines.filter((line) => line.type === 'epoch').map((line) => line.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(lines.filter((line) => line.type === 'eval')).toHaveLength(1); // validation (csv data has no test)
    for (const folder of [out, join(out, 'checkpoints'), join(out, 'checkpoints', 'last'), join(out, 'model')]) expect((await stat(folder)).mode & 0o777, folder).toBe(0o755 & ~process.umask());
    for (const file of [join(out, 'config.json'), join(out, 'metrics.jsonl'), join(out, 'model', 'weights.bin')]) expect((await stat(file)).mode & 0o777, file).toBe(0o644 & ~process.umask());
  });
});

describe('folder guards', () => {
  it('stops on a folder one level too high, names non-digit classes, an empty class, and warns on few images', async () => {
    const high = join(root, 'high');
    await writeDigitFolder(join(high, 'train'), mnist, 0, 30);
    await writeDigitFolder(join(high, 'test'), mnist, 30, 60);
    const tooHigh = await digitlab('finetune', '--model', 'pretrained:fast-cnn', '--data', `folder:${high}`, ...wasm);
    expect(tooHigh.code).toBe(2);
    expect(tooHigh.stderr).toMatch(/its sub-folders \[test, train\] are not digit classes \(0-9\)\..*folder is one level too high; pass folder:.*high\/test\..*--labels test,train/);

    const named = join(root, 'named');
    const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    await writeDigitFolder(named, mnist, 0, 120, (label) => names[label]!);
    const noLabels = await digitlab('train', '--model', 'mlp', '--data', `folder:${named}`, ...wasm);
    expect(noLabels.code).toBe(2);
    expect(noLabels.stderr).toMatch(/are not digit classes.*--labels/);
    const withLabels = await digitlab('train', '--model', 'mlp', '--data', `folder:${named}`, '--labels', names.join(','), '--epochs', '1', ...wasm, '--out', join(root, 'named-run'), '--json');
    expect(withLabels.code, withLabels.stderr).toBe(0);
    expect(json<{ labels: string[] }>(withLabels).labels).toEqual(names);

    const hollow = join(root, 'hollow');
    await writeDigitFolder(hollow, mnist, 0, 60);
    await mkdir(join(hollow, '3-more'));
    await mkdir(join(hollow, '10'));
    const empty = await digitlab('train', '--model', 'mlp', '--data', `folder:${hollow}`, ...wasm);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/are not digit classes/);
    await rm(join(hollow, '3-more'), { recursive: true });
    const emptyClass = await digitlab('train', '--model', 'mlp', '--data', `folder:${hollow}`, ...wasm);
    expect(emptyClass.code).toBe(2);
    expect(emptyClass.stderr).toMatch(/class folder ".*hollow\/10" holds no PNG or JPEG image/);

    // The first 100 test digits: about ten per class, some classes fewer.
    const fewFolder = join(root, 'few');
    const fewCounts = await writeDigitFolder(fewFolder, mnist, 0, 100);
    const small = Object.entries(fewCounts).filter(([, count]) => count < 10);
    expect(small.length).toBeGreaterThan(0);
    const few = await digitlab('lr-find', '--model', 'mlp', '--data', `folder:${fewFolder}`, '--steps', '5', ...wasm);
    expect(few.code, few.stderr).toBe(0);
    for (const [name, count] of small) expect(few.stderr).toContain(`class "${name}" has only ${count} image${count === 1 ? '' : 's'} in folder:${fewFolder}`);
    for (const [name, count] of Object.entries(fewCounts).filter(([, n]) => n >= 10)) expect(few.stderr, `${name}: ${count}`).not.toContain(`class "${name}" has only`);
  });
});

describe('usage errors exit 2, decided from error codes', () => {
  it('exits 2 for each usage error with a message that names the fix', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['finetune', '--model', 'pretrained:fast-cnn', '--data', `csv:${csv}`, '--strategy', 'freeze', '--freeze', 'conv7'], /Unknown layer or group "conv7" in freeze/],
      [['finetune', '--model', 'pretrained:fast-cnn', '--data', `csv:${csv}`, '--rank', '0'], /--rank must be an integer >= 1, got "0"/],
      [['finetune', '--model', 'pretrained:fast-cnn', '--data', `csv:${csv}`, '--strategy', 'full', '--rank', '4'], /--rank applies to --strategy lora or adalora only/],
      [['finetune', '--model', 'pretrained:fast-cnn', '--from', 'pretrained:fast-cnn', '--data', `csv:${csv}`], /give one of them, not both/],
      [['train', '--optimizer', 'sgdm', '--beta1', '0.9'], /--beta1 applies to --optimizer adam or adamw only/],
      [['train', '--lr', '-0.1'], /--lr must be a number >= 0, got "-0.1"/],
      [['train', '--seed', '-3'], /--seed must be an integer >= 0, got "-3"/],
      [['train', '--data', 'mnist', '--test', `csv:${csv}`], /--test is for CSV or folder data/],
      [['train', '--data', 'kaggle:x.csv'], /--data "kaggle:x.csv": unknown source "kaggle"/],
      [['evaluate', '--model', 'pretrained:nope'], /no pretrained model "nope"/],
      [['evaluate', '--model', join(root, 'missing')], /does not exist\. Pass a model folder/],
      [['evaluate', '--model', root], /is not a model folder \(no model\.json\)/],
      [['data', '--sources', 'nowhere'], /unknown source "nowhere"/],
      [['nope'], /unknown command "nope"/],
    ];
    for (const [args, message] of cases) {
      const takesBackend = !['data', 'nope'].includes(args[0]!);
      const result = await digitlab(...args, ...(takesBackend ? ['--backend', 'cpu'] : []));
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr).not.toMatch(/argument is ambiguous|\n\s+at /);
    }
  });
});

describe('help, version and the backend line', () => {
  it('--help says what each command does and shows three invocations; --version lists the package and tfjs versions', async () => {
    const help = await digitlab('--help');
    expect(help.code).toBe(0);
    for (const command of ['train', 'evaluate', 'predict', 'finetune', 'lr-find', 'backends', 'bench', 'data']) expect(help.stdout).toMatch(new RegExp(`^  ${command} +\\w.{20,}$`, 'm'));
    expect(help.stdout.split('\n').filter((line) => line.startsWith('  digitlab '))).toHaveLength(3);
    const version = await digitlab('--version');
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^digitlab \d+\.\d+\.\d+/);
    expect(version.stdout).toMatch(/@tensorflow\/tfjs-core +4\.22\.0/);
    expect(version.stdout).toMatch(/@digitlab\/models +\d+\.\d+\.\d+/);
  });

  it('prints the backend decision as one short sentence; --verbose adds each skipped plugin\'s reason', async () => {
    const quiet = await digitlab('predict', '--model', 'pretrained:fast-cnn', join(digits, '7', '0.png'), '--backend', 'cuda,wasm', '--threads', '1');
    expect(quiet.code, quiet.stderr).toBe(0);
    const line = quiet.stderr.split('\n').find((text) => text.startsWith('using '))!;
    expect(line).toMatch(/^using wasm \(.*\); cuda not available \(--verbose or "digitlab backends" says why\)$/);
    expect(quiet.stderr).not.toMatch(/cuda skipped:/);
    const verbose = await digitlab('predict', '--model', 'pretrained:fast-cnn', join(digits, '7', '0.png'), '--backend', 'cuda,wasm', '--threads', '1', '--verbose');
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stderr).toMatch(/cuda skipped: /);
  });
});
