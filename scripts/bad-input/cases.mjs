/**
 * The cases of the bad-input matrix. Each: `group`, `name`, `run(x)` building its inputs with the
 * case context and returning the CLI arguments, the expected `exit` code (2 usage, 1 failure, 0 for
 * inputs that must work or only warn), `mention` (values the message must quote), `warn` (a
 * warning the output must carry), `nobody` (run as user nobody), `json`, `subset` (in the
 * quick subset the vitest test runs) and `slow` (minutes: run only with --slow).
 */
import { gzipSync } from 'node:zlib';
import { chmod, cp, mkdir, readFile, readdir, rename, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeJpeg, encodePng, digitRgba } from './fixtures.mjs';

export const cases = [];
const c = (group, name, spec) => cases.push({ group, name, ...spec });

const P = 'pretrained:fast-cnn';
const cpu = ['--backend', 'cpu'];
const predict = (...rest) => ['predict', '--model', P, ...cpu, ...rest];
const evaluate = (data, ...rest) => ['evaluate', '--model', P, ...cpu, '--data', data, ...rest];
const train = (...rest) => ['train', ...cpu, '--epochs', '1', '--limit', '64', ...rest];
const finetune = (...rest) => ['finetune', '--model', P, ...cpu, '--data', 'mnist:per-class=5', '--epochs', '1', ...rest];
const flip = (bytes, at) => {
  const copy = Uint8Array.from(bytes);
  copy[at % copy.length] ^= 0xff;
  return copy;
};

// --- Commands and flags -------------------------------------------------------------------------
c('usage', 'no command', { run: () => [], exit: 2, mention: ['usage'], subset: true });
c('usage', 'unknown command', { run: () => ['trian'], exit: 2, mention: ['trian'], subset: true });
c('usage', 'unknown flag', { run: () => train('--epoch', '3'), exit: 2, mention: ['--epoch'], subset: true });
c('usage', 'flag without value', { run: () => ['train', '--epochs'], exit: 2, mention: ['--epochs'] });
for (const [flag, value] of [
  ['--epochs', 'abc'], ['--epochs', '-1'], ['--epochs', '0'], ['--epochs', '1.5'], ['--batch-size', '0'], ['--batch-size', '-5'], ['--batch-size', '2.5'],
  ['--lr', '-0.1'], ['--lr', 'abc'], ['--lr', 'Infinity'], ['--lr', 'NaN'], ['--lr', '0'], ['--momentum', '-1'], ['--weight-decay', '-0.01'],
  ['--warmup', '-1'], ['--label-smoothing', '1.5'], ['--label-smoothing', '-0.1'], ['--ema', '2'], ['--ema', '-0.5'], ['--limit', '0'], ['--limit', '-10'],
  ['--seed', 'abc'], ['--threads', '0'], ['--threads', '-2'], ['--elastic', '34'], ['--elastic', 'a,b'], ['--elastic', '-34,4'],
]) {
  c('train flags', `${flag} ${value}`, { run: () => train(...(flag === '--momentum' ? ['--optimizer', 'sgdm'] : []), flag, value, '--out', 'run'), exit: 2, mention: [flag, value], subset: flag === '--lr' && value === '-0.1' });
}
c('train flags', '--optimizer unknown', { run: () => train('--optimizer', 'adamax', '--out', 'run'), exit: 2, mention: ['adamax'], subset: true });
c('train flags', '--schedule unknown', { run: () => train('--schedule', 'cosine-restarts', '--out', 'run'), exit: 2, mention: ['cosine-restarts'] });
c('train flags', '--model unknown', { run: () => train('--model', 'resnet50', '--out', 'run'), exit: 2, mention: ['resnet50'] });
c('train flags', '--model pretrained: on train', { run: () => train('--model', P, '--out', 'run'), exit: 2, mention: [P] });
c('train flags', '--backend unknown', { run: () => ['train', '--backend', 'quantum', '--out', 'run'], exit: 2, mention: ['quantum'], subset: true });
c('train flags', '--beta1 with sgdm (ignored flag)', { run: () => train('--optimizer', 'sgdm', '--beta1', '0.8', '--out', 'run'), exit: 2, mention: ['--beta1', 'sgdm'], subset: true });
c('train flags', '--beta2 with sgdm (ignored flag)', { run: () => train('--optimizer', 'sgdm', '--beta2', '0.99', '--out', 'run'), exit: 2, mention: ['--beta2', 'sgdm'] });
c('train flags', '--momentum with adam (ignored flag)', { run: () => train('--optimizer', 'adam', '--momentum', '0.5', '--out', 'run'), exit: 2, mention: ['--momentum', 'adam'] });
c('train flags', '--resume a missing folder', { run: () => ['train', '--resume', 'nowhere'], exit: 2, mention: ['nowhere'] });
c('train flags', '--resume a file', { run: async (x) => ['train', '--resume', await x.write('file.txt', 'x')], exit: 2, mention: ['file.txt'] });
c('train flags', '--resume an empty folder', { run: async (x) => ['train', '--resume', await x.mkdir('empty')], exit: 2, mention: ['empty'] });
c('config', '--config missing', { run: () => train('--config', 'missing.json'), exit: 2, mention: ['missing.json'], subset: true });
c('config', '--config not JSON', { run: async (x) => train('--config', await x.write('bad.json', '{ epochs: 3 ')), exit: 2, mention: ['bad.json'] });
c('config', '--config unknown key', { run: async (x) => train('--config', await x.write('c.json', '{"epochz": 3}')), exit: 2, mention: ['epochz'] });
c('config', '--config bad value', { run: async (x) => ['train', ...cpu, '--config', await x.write('c.json', '{"epochs": -3}'), '--out', 'run'], exit: 2, mention: ['--epochs', '-3'] });
c('config', '--config a folder', { run: async (x) => train('--config', await x.mkdir('conf')), exit: 2, mention: ['conf'], subset: true });
c('config', '--config unreadable', { run: async (x) => train('--config', await x.write('c.json', '{"epochs": 1}', 0o000)), exit: 2, mention: ['c.json', 'permission denied'], nobody: true, subset: true });
c('config', '--config an array', { run: async (x) => train('--config', await x.write('c.json', '[1,2]')), exit: 2, mention: ['c.json'] });

// --- --data / --model vocabulary ---------------------------------------------------------------------
for (const [spec, mention] of [
  ['csv:', 'csv:'], ['folder:', 'folder:'], ['mnist:digits=5', 'digits=5'], ['mnist:digits=5,5', '5,5'], ['mnist:digits=a-b', 'a-b'], ['mnist:per-class=0', 'per-class'],
  ['mnist:per-class=-1', 'per-class'], ['mnist:foo=1', 'foo'], ['kaggle:train.csv', 'kaggle'], ['train.csv', 'train.csv'], ['MNIST', 'MNIST'], ['mnist:digits=0-12', '0-12'],
]) {
  c('data spec', `--data ${spec}`, { run: () => evaluate(spec), exit: 2, mention: [mention], subset: spec === 'kaggle:train.csv' });
}
c('data spec', '--data csv: a missing file', { run: () => evaluate('csv:nope.csv'), exit: 2, mention: ['nope.csv'], subset: true });
c('data spec', '--data folder: a missing folder', { run: () => evaluate('folder:nope'), exit: 2, mention: ['nope'] });
c('data spec', '--data folder: a file', { run: async (x) => evaluate(`folder:${await x.write('a.png', 'x')}`), exit: 2, mention: ['a.png'] });
c('data spec', '--data csv: a folder (EISDIR)', { run: async (x) => evaluate(`csv:${await x.mkdir('data.csv')}`), exit: 1, mention: ['data.csv', 'folder'], subset: true });
c('data spec', '--test csv: a folder', { run: async (x) => train('--data', `csv:${x.f.csv}`, '--test', `csv:${await x.mkdir('test.csv')}`, '--out', 'run'), exit: 1, mention: ['test.csv'] });
for (const [value, mention] of [['nope', 'nope'], ['pretrained:resnet', 'resnet'], ['fast-cnn', 'fast-cnn'], ['pretrained:', 'pretrained:']]) {
  c('model spec', `--model ${value}`, { run: (x) => ['predict', '--model', value, ...cpu, x.f.png], exit: 2, mention: [mention], subset: value === 'nope' });
}
c('model spec', 'predict without --model', { run: (x) => ['predict', x.f.png], exit: 2, mention: ['--model'] });
c('model spec', 'predict without an image', { run: () => ['predict', '--model', P], exit: 2, mention: ['image'] });
c('model spec', '--model a file', { run: async (x) => ['predict', '--model', await x.write('model.json', '{}'), ...cpu, x.f.png], exit: 2, mention: ['model.json'] });
c('model spec', '--model a run folder', { run: async (x) => { await x.model('run/model'); return ['predict', '--model', join(x.dir, 'run'), ...cpu, x.f.png]; }, exit: 2, mention: ['run', 'model'] });
c('model spec', 'evaluate --model zoo name', { run: () => ['evaluate', '--model', 'bn-cnn'], exit: 2, mention: ['bn-cnn'] });
c('model spec', 'evaluate --batch-size 0', { run: () => ['evaluate', '--model', P, '--batch-size', '0'], exit: 2, mention: ['--batch-size', '0'] });
c('model spec', 'evaluate --batch-size -3', { run: () => ['evaluate', '--model', P, '--batch-size', '-3'], exit: 2, mention: ['--batch-size', '-3'], subset: true });

// --- Other commands' flags ------------------------------------------------------------------------
c('finetune', 'no --data', { run: () => ['finetune', '--model', P, ...cpu], exit: 2, mention: ['--data'] });
c('finetune', '--strategy unknown', { run: () => finetune('--strategy', 'magic', '--out', 'run'), exit: 2, mention: ['magic'] });
c('finetune', '--rank 0', { run: () => finetune('--rank', '0', '--out', 'run'), exit: 2, mention: ['--rank', '0'] });
c('finetune', '--rank -2', { run: () => finetune('--rank', '-2', '--out', 'run'), exit: 2, mention: ['--rank', '-2'] });
c('finetune', '--rank with full (ignored flag)', { run: () => finetune('--strategy', 'full', '--rank', '8', '--out', 'run'), exit: 2, mention: ['--rank', 'full'], subset: true });
c('finetune', '--bottleneck with lora (ignored flag)', { run: () => finetune('--strategy', 'lora', '--bottleneck', '8', '--out', 'run'), exit: 2, mention: ['--bottleneck', 'lora'] });
c('finetune', '--validation-fraction 1.5', { run: () => finetune('--validation-fraction', '1.5', '--out', 'run'), exit: 2, mention: ['1.5'] });
c('finetune', '--freeze unknown layer', { run: () => finetune('--strategy', 'freeze', '--freeze', 'conv99', '--out', 'run'), exit: 2, mention: ['conv99'] });
c('finetune', '--targets unknown', { run: () => finetune('--targets', 'attention', '--out', 'run'), exit: 2, mention: ['attention'] });
c('finetune', '--model missing folder', { run: () => ['finetune', '--model', 'nope', '--data', 'mnist', '--out', 'run'], exit: 2, mention: ['nope'] });
c('lr-find', '--steps 0', { run: () => ['lr-find', '--model', 'fast-cnn', ...cpu, '--steps', '0'], exit: 2, mention: ['--steps', '0'] });
c('lr-find', '--start above --end', { run: () => ['lr-find', '--model', 'fast-cnn', ...cpu, '--start', '10', '--end', '1'], exit: 2, mention: ['10', '1'] });
c('lr-find', '--start -1', { run: () => ['lr-find', '--model', 'fast-cnn', ...cpu, '--start', '-1'], exit: 2, mention: ['--start', '-1'] });
c('data', '--validation-size -1', { run: () => ['data', '--validation-size', '-1'], exit: 2, mention: ['--validation-size', '-1'] });
c('data', '--validation-size 70000', { run: (x) => ['data', '--directory', x.f.mnist, '--sources', 'directory', '--validation-size', '70000'], exit: 2, mention: ['70000'] });
c('data', '--sources unknown', { run: () => ['data', '--sources', 'ftp'], exit: 2, mention: ['ftp'] });
c('data', '--timeout-ms abc', { run: () => ['data', '--timeout-ms', 'abc'], exit: 2, mention: ['--timeout-ms', 'abc'] });
c('data', '--directory missing', { run: () => ['data', '--directory', 'nowhere', '--sources', 'directory'], exit: 2, mention: ['nowhere'], subset: true });
c('data', '--directory a file', { run: async (x) => ['data', '--directory', await x.write('mnist.zip', 'PK'), '--sources', 'directory'], exit: 2, mention: ['mnist.zip'] });
c('data', '--directory empty', { run: async (x) => ['data', '--directory', await x.mkdir('empty'), '--sources', 'directory'], exit: 1, mention: ['empty'] });
c('bench', '--model unknown', { run: () => ['bench', '--model', 'vgg'], exit: 2, mention: ['vgg'] });
c('bench', '--steps 0', { run: () => ['bench', '--steps', '0'], exit: 2, mention: ['--steps', '0'] });
c('completion', 'unknown shell', { run: () => ['completion', 'tcsh'], exit: 2, mention: ['tcsh'] });
c('report', 'missing run folder', { run: () => ['report', 'nowhere'], exit: 2, mention: ['nowhere'] });
c('json', 'usage error under --json', { run: () => ['train', '--epochs', 'x', '--json'], exit: 2, mention: ['--epochs'], json: true, subset: true });
c('json', 'failure under --json', { run: async (x) => [...evaluate(`csv:${await x.write('e.csv', '')}`), '--json'], exit: 1, mention: ['e.csv'], json: true });

// --- MNIST IDX files (data --directory) --------------------------------------------------------------
const copyOf = async (path, real) => writeFile(path, await readFile(real));
const data = (dir) => ['data', '--directory', dir, '--sources', 'directory', '--validation-size', '1000'];
const idxCases = {
  'truncated to half': async (path, real) => { await writeFile(path, await readFile(real)); const { size } = await stat(path); await truncate(path, Math.floor(size / 2)); },
  'empty': async (path) => writeFile(path, ''),
  'wrong magic': async (path, real) => { const bytes = await readFile(real); bytes[0] = 0x50; bytes[1] = 0x4b; await writeFile(path, bytes); },
  'one flipped byte': async (path, real) => writeFile(path, flip(await readFile(real), 5000)),
  'gzip bomb': async (path) => writeFile(`${path}.gz`, gzipSync(new Uint8Array(64 * 1024 * 1024), { level: 9 })),
  'truncated .gz': async (path, real) => { const gz = gzipSync(await readFile(real)); await writeFile(`${path}.gz`, gz.subarray(0, gz.length >> 1)); },
  'a folder': async (path) => mkdir(path),
  'unreadable': async (path, real) => { await writeFile(path, await readFile(real)); await chmod(path, 0o000); },
  'symlink to /etc/passwd': async (path) => symlink('/etc/passwd', path),
  'absurd dimensions': async (path, real) => { const bytes = await readFile(real); new DataView(bytes.buffer, bytes.byteOffset).setUint32(4, 0xfffffff0, false); await writeFile(path, bytes); },
};
for (const file of ['train-labels-idx1-ubyte', 't10k-images-idx3-ubyte']) {
  for (const [name, change] of Object.entries(idxCases)) {
    c('idx', `${file} ${name}`, {
      run: async (x) => data(await x.mnist({ [file]: change })),
      exit: 1,
      mention: [file, ...(name === 'unreadable' ? ['permission denied'] : []), ...(name === 'gzip bomb' ? ['gzip bomb'] : [])],
      nobody: name === 'unreadable',
      subset: name === 'gzip bomb' || (file.startsWith('t10k') && ['wrong magic', 'a folder'].includes(name)),
    });
  }
}
c('idx', 'images and labels swapped', { run: async (x) => data(await x.mnist({ 't10k-labels-idx1-ubyte': copyOf, 't10k-images-idx3-ubyte': async (path) => symlink(join(x.f.mnist, 't10k-labels-idx1-ubyte'), path) })), exit: 1, mention: ['t10k-images-idx3-ubyte'] });
c('idx', 'a file missing', { run: async (x) => data(await x.mnist({ 'train-labels-idx1-ubyte': null })), exit: 1, mention: ['train-labels-idx1-ubyte'], subset: true });

// --- Kaggle CSV ------------------------------------------------------------------------------------
const csvCase = (name, build, mention, extra = {}) =>
  c('csv', name, { run: async (x) => evaluate(`csv:${await build(x)}`), exit: extra.exit ?? 1, mention: ['data.csv', ...mention], ...extra });
csvCase('empty file', (x) => x.write('data.csv', ''), ['empty'], { subset: true });
csvCase('header only', (x) => x.csv('data.csv', { rows: [] }), ['no'], { exit: 2 });
c('csv', 'no header works (rows only)', { run: async (x) => evaluate(`csv:${await x.csv('data.csv', { header: undefined })}`), exit: 0 });
csvCase('a short row', (x) => x.csv('data.csv', { rows: [x.f.csvRows[0], x.f.csvRows[1].split(',').slice(0, 500).join(',')] }), ['data.csv:3'], { subset: true });
csvCase('a long row', (x) => x.csv('data.csv', { rows: [`${x.f.csvRows[0]},0,0`] }), ['data.csv:2']);
csvCase('a non-numeric pixel', (x) => x.csv('data.csv', { rows: [x.f.csvRows[0].replace(/,0,/, ',x,')] }), ['"x"']);
csvCase('pixel 256', (x) => x.csv('data.csv', { rows: [x.f.csvRows[0].replace(/,0,/, ',256,')] }), ['256']);
csvCase('pixel -1', (x) => x.csv('data.csv', { rows: [x.f.csvRows[0].replace(/,0,/, ',-1,')] }), ['negative']);
csvCase('pixel 1.5', (x) => x.csv('data.csv', { rows: [x.f.csvRows[0].replace(/,0,/, ',1.5,')] }), ['1.5']);
csvCase('label 10', (x) => x.csv('data.csv', { rows: [x.f.csvRows[0].replace(/^\d+/, '10')] }), ['10']);
csvCase('label a', (x) => x.csv('data.csv', { rows: [x.f.csvRows[0].replace(/^\d+/, 'a')] }), ['"a"']);
csvCase('no label column (test.csv layout)', (x) => x.csv('data.csv', { header: x.f.csvHeader.replace(/^label,/, ''), rows: x.f.csvRows.map((row) => row.replace(/^\d+,/, '')) }), ['label']);
csvCase('header of another dataset', (x) => x.csv('data.csv', { header: 'id,name,score' }), ['header']);
csvCase('binary garbage', (x) => x.write('data.csv', new Uint8Array(4096).map((_, i) => (i * 7919) % 256)), []);
csvCase('a PNG renamed .csv', async (x) => x.write('data.csv', await readFile(x.f.png)), []);
csvCase('gzipped CSV', async (x) => x.write('data.csv', gzipSync(await readFile(x.f.csv))), ['gzip'], { subset: true });
csvCase('one line of 20 MB, no newline', (x) => x.write('data.csv', 'label,'.padEnd(20 * 1024 * 1024, '0')), []);
csvCase('unreadable', (x) => x.csv('data.csv', { mode: 0o000 }), ['permission denied'], { nobody: true, subset: true });
csvCase('symlink loop', async (x) => { await x.link('loop.csv', join(x.dir, 'data.csv')); return x.link('data.csv', join(x.dir, 'loop.csv')); }, ['loop']);
c('csv', 'CRLF line endings work', { run: async (x) => evaluate(`csv:${await x.write('data.csv', `${[x.f.csvHeader, ...x.f.csvRows].join('\r\n')}\r\n`)}`), exit: 0 });
c('csv', 'a UTF-8 BOM works', { run: async (x) => evaluate(`csv:${await x.write('data.csv', `\ufeff${[x.f.csvHeader, ...x.f.csvRows].join('\n')}\n`)}`), exit: 0 });
c('csv', 'train on one class', { run: (x) => train('--data', `csv:${x.f.csvOneClass}`, '--out', 'run'), exit: 2, mention: ['one-class.csv', 'class'], subset: true });
c('csv', 'train with --test of other columns', { run: async (x) => train('--data', `csv:${x.f.csv}`, '--test', `csv:${await x.write('t.csv', 'a,b\n1,2\n')}`, '--out', 'run'), exit: 1, mention: ['t.csv'] });

// --- Images (predict) -------------------------------------------------------------------------------
const imageCase = (name, build, spec) => c('image', name, { run: async (x) => predict(await build(x)), ...spec });
imageCase('empty file', (x) => x.write('a.png', ''), { exit: 1, mention: ['a.png', 'empty'], subset: true });
imageCase('truncated PNG', async (x) => x.write('a.png', (await readFile(x.f.png)).subarray(0, 60)), { exit: 1, mention: ['a.png'] });
imageCase('truncated JPEG', async (x) => x.write('a.jpg', (await readFile(x.f.jpeg)).subarray(0, 200)), { exit: 1, mention: ['a.jpg'] });
imageCase('PNG with a flipped byte (CRC)', async (x) => x.write('a.png', flip(await readFile(x.f.png), 40)), { exit: 1, mention: ['a.png'] });
imageCase('text file named .png', (x) => x.write('a.png', 'hello, this is not a picture'), { exit: 1, mention: ['a.png', 'PNG'] });
imageCase('GIF named .png', (x) => x.write('a.png', 'GIF89a\x01\x00\x01\x00\x00\x00\x00;'), { exit: 1, mention: ['a.png'] });
imageCase('JPEG named .png works', async (x) => x.write('a.png', await readFile(x.f.jpeg)), { exit: 0 });
imageCase('white ink on transparent works', (x) => x.f.whiteOnAlpha, { exit: 0, subset: true });
imageCase('black ink on transparent works', (x) => x.f.blackOnAlpha, { exit: 0 });
imageCase('2x1 image warns', (x) => x.f.twoByOne, { exit: 0, warn: /2×1|2x1/, mention: ['2×1'], subset: true });
imageCase('blank image', (x) => x.f.blank, { exit: 1, mention: ['blank.png', 'no digit'] });
imageCase('absurd PNG dimensions', async (x) => { const bytes = Uint8Array.from(await readFile(x.f.png)); new DataView(bytes.buffer).setUint32(16, 100000, false); new DataView(bytes.buffer).setUint32(20, 100000, false); return x.write('a.png', bytes); }, { exit: 1, mention: ['a.png', '100000'], subset: true });
imageCase('21 MB file', (x) => x.write('a.png', new Uint8Array(21 * 1024 * 1024)), { exit: 1, mention: ['a.png'] });
imageCase('missing file', () => 'nope.png', { exit: 1, mention: ['nope.png'] });
imageCase('unreadable file', async (x) => x.write('a.png', await readFile(x.f.png), 0o000), { exit: 1, mention: ['a.png', 'permission denied'], nobody: true });
imageCase('a folder without images', (x) => x.mkdir('empty'), { exit: 2, mention: ['empty'] });
imageCase('a folder with only sub-folders', async (x) => { await x.mkdir('top/sub'); return join(x.dir, 'top'); }, { exit: 2, mention: ['--recursive'] });
imageCase('symlink to /dev/null', (x) => x.link('a.png', '/dev/null'), { exit: 1, mention: ['a.png'] });
imageCase('16-bit grayscale PNG works', (x) => x.write('a.png', encodePng(28, 28, digitRgba(x.f.digit(1)), { colorType: 0, inputColorType: 6, bitDepth: 16 })), { exit: 0 });
imageCase('large photo works', (x) => { const rgba = new Uint8Array(800 * 600 * 4).fill(255); for (let y = 250; y < 350; y++) for (let xx = 380; xx < 420; xx++) rgba.fill(0, 4 * (y * 800 + xx), 4 * (y * 800 + xx) + 3); return x.write('a.jpg', encodeJpeg(800, 600, rgba)); }, { exit: 0 });
c('image', 'one bad among good: answers the rest', { run: async (x) => predict(x.f.png, await x.write('bad.png', 'x'), x.f.jpeg), exit: 1, mention: ['bad.png'] });

// --- Image folders (--data folder:) ---------------------------------------------------------------------
const folderCase = (name, change, spec) => c('folder', name, { run: async (x) => evaluate(`folder:${await x.folder('digits', (path) => change(path, x))}`), ...spec });
folderCase('empty folder', async (path) => { await rm(path, { recursive: true }); await mkdir(path); }, { exit: 1, mention: ['digits'], subset: true });
folderCase('images but no class folders', async (path) => { await rm(path, { recursive: true }); await mkdir(path); await writeFile(join(path, 'a.png'), 'x'); }, { exit: 1, mention: ['digits'] });
folderCase('non-numeric class folders without --labels', async (path) => { for (const d of ['0', '1']) await rename(join(path, d), join(path, `class-${d}`)); }, { exit: 2, mention: ['--labels'] });
folderCase('one corrupt image: skipped and reported', async (path) => writeFile(join(path, '3', 'bad.png'), 'not a png'), { exit: 0, warn: /bad\.png/, mention: ['bad.png'] });
folderCase('one unreadable image: skipped and reported', async (path) => { await writeFile(join(path, '3', 'locked.png'), await readFile(join(path, '3', (await readdir(join(path, '3')))[0]))); await chmod(join(path, '3', 'locked.png'), 0o000); }, { exit: 0, warn: /locked\.png/, mention: ['locked.png', 'permission denied'], nobody: true, subset: true });
folderCase('an unreadable class folder', async (path) => chmod(join(path, '4'), 0o000), { exit: 1, mention: ['4', 'permission denied'], nobody: true });
folderCase('an empty class folder', async (path) => { await rm(join(path, '9'), { recursive: true }); await mkdir(join(path, '9')); }, { exit: 2, mention: ['9'] });
folderCase('class folder 10', async (path) => cp(join(path, '1'), join(path, '10'), { recursive: true }), { exit: 2, mention: ['10'] });
folderCase('a symlink out of the folder', async (path, x) => symlink(x.f.png, join(path, '7', 'linked.png')), { exit: 0 });
folderCase('all images corrupt', async (path) => { for (const d of '0123456789') for (const file of await readdir(join(path, d))) await writeFile(join(path, d, file), 'x'); }, { exit: 1, mention: ['digits'] });
c('folder', 'train on one class folder', { run: async (x) => train('--data', `folder:${await x.folder('digits', async (path) => { for (const d of '012345678') await rm(join(path, d), { recursive: true }); })}`, '--out', 'run'), exit: 2, mention: ['digits', 'class'], subset: true });

// --- Model folders --------------------------------------------------------------------------------------
const modelCase = (name, build, spec) => c('model', name, { run: async (x) => ['predict', '--model', await build(x), ...cpu, x.f.png], exit: 1, ...spec });
const dropFile = (file) => async (x) => { const path = await x.model(); await rm(join(path, file)); return path; };
const writeInModel = (file, content) => async (x) => { const path = await x.model(); await writeFile(join(path, file), content); return path; };
modelCase('empty folder', (x) => x.mkdir('model'), { exit: 2, mention: ['model'], subset: true });
modelCase('no weights.bin', dropFile('weights.bin'), { mention: ['weights.bin'], subset: true });
modelCase('no digitlab.json', dropFile('digitlab.json'), { mention: ['digitlab.json'] });
modelCase('no model.json', dropFile('model.json'), { exit: 2, mention: ['model.json'] });
modelCase('empty weights.bin', writeInModel('weights.bin', ''), { mention: ['weights.bin'] });
modelCase('truncated weights.bin', async (x) => { const path = await x.model(); await truncate(join(path, 'weights.bin'), 1000); return path; }, { mention: ['weights.bin', '1000'] });
modelCase('model.json not JSON', writeInModel('model.json', '{"modelTopology":'), { mention: ['model.json'] });
modelCase('model.json empty', writeInModel('model.json', ''), { mention: ['model.json'] });
modelCase('model.json an array', writeInModel('model.json', '[]'), { mention: ['model.json'] });
modelCase('digitlab.json not JSON', writeInModel('digitlab.json', 'nope'), { mention: ['digitlab.json'] });
modelCase('digitlab.json of another format', writeInModel('digitlab.json', '{"format":"keras"}'), { mention: ['digitlab.json'] });
modelCase('graph model', (x) => x.model('model', { edit: (json) => ({ ...json, format: 'graph-model' }) }), { mention: ['graph'] });
modelCase('no modelTopology', (x) => x.model('model', { edit: (json) => { delete json.modelTopology; } }), { mention: ['modelTopology'] });
modelCase('weightsManifest not an array', (x) => x.model('model', { edit: (json) => { json.weightsManifest = {}; } }), { mention: ['weightsManifest'] });
modelCase('weights path ../', (x) => x.model('model', { edit: (json) => { json.weightsManifest[0].paths = ['../weights.bin']; } }), { mention: ['../weights.bin'], subset: true });
modelCase('weights path absolute', (x) => x.model('model', { edit: (json) => { json.weightsManifest[0].paths = ['/etc/passwd']; } }), { mention: ['/etc/passwd'] });
modelCase('weights path URL', (x) => x.model('model', { edit: (json) => { json.weightsManifest[0].paths = ['https://example.com/w.bin']; } }), { mention: ['https://example.com/w.bin'] });
modelCase('weights symlink out', async (x) => { const path = await x.model(); await rm(join(path, 'weights.bin')); await symlink(join(x.f.model, 'weights.bin'), join(path, 'weights.bin')); return path; }, { mention: ['weights.bin', 'outside'] });
modelCase('weights.bin a folder', async (x) => { const path = await x.model(); await rm(join(path, 'weights.bin')); await mkdir(join(path, 'weights.bin')); return path; }, { mention: ['weights.bin'] });
modelCase('model.json a folder', async (x) => { const path = await x.model(); await rm(join(path, 'model.json')); await mkdir(join(path, 'model.json')); return path; }, { mention: ['model.json'] });
modelCase('units: 500000', (x) => x.model('model', { edit: (json) => JSON.stringify(json).replace(/"units":\s*\d+/, '"units":500000') }), { mention: ['500000'], subset: true, timeoutMs: 20_000 });
modelCase('filters: 4096', (x) => x.model('model', { edit: (json) => JSON.stringify(json).replace(/"filters":\s*\d+/, '"filters":4096') }), { mention: ['4096'] });
modelCase('input shape 100000x100000', (x) => x.model('model', { edit: (json) => JSON.stringify(json).replace(/"batch_input_shape":\s*\[null,\s*28,\s*28,\s*1\]/, '"batch_input_shape":[null,100000,100000,1]') }), { mention: ['100000'] });
modelCase('weight shape changed', (x) => x.model('model', { edit: (json) => { json.weightsManifest[0].weights[0].shape = json.weightsManifest[0].weights[0].shape.map((d, i, all) => (i === all.length - 1 ? d * 2 : d)); } }), { mention: ['model.json'] });
modelCase('weight renamed', (x) => x.model('model', { edit: (json) => { json.weightsManifest[0].weights[0].name = 'nothing/kernel'; } }), { mention: ['model.json'] });
modelCase('weight listed twice', (x) => x.model('model', { edit: (json) => { json.weightsManifest[0].weights.push(json.weightsManifest[0].weights[0]); } }), { mention: ['model.json'] });
modelCase('weight dtype string', (x) => x.model('model', { edit: (json) => { json.weightsManifest[0].weights[0].dtype = 'string'; } }), { mention: ['model.json'] });
modelCase('NaN weights', async (x) => { const path = await x.model(); const bytes = await readFile(join(path, 'weights.bin')); new DataView(bytes.buffer, bytes.byteOffset).setFloat32(0, Number.NaN, true); await writeFile(join(path, 'weights.bin'), bytes); return path; }, { mention: ['NaN'], subset: true });
modelCase('unknown layer class', (x) => x.model('model', { edit: (json) => JSON.stringify(json).replace('"class_name":"Conv2D"', '"class_name":"QuantumConv"') }), { mention: ['QuantumConv'] });
modelCase('labels count mismatch', (x) => x.model('model', { meta: (json) => { json.labels = ['a', 'b']; } }), { mention: ['digitlab.json'] });
modelCase('metadata input shape mismatch', (x) => x.model('model', { meta: (json) => { json.input.shape = [32, 32, 1]; } }), { mention: ['digitlab.json'] });
modelCase('unreadable model.json', async (x) => { const path = await x.model(); await chmod(join(path, 'model.json'), 0o000); return path; }, { mention: ['model.json', 'permission denied'], nobody: true, subset: true });
modelCase('unreadable weights.bin', async (x) => { const path = await x.model(); await chmod(join(path, 'weights.bin'), 0o000); return path; }, { mention: ['weights.bin', 'permission denied'], nobody: true, subset: true });
modelCase('unreadable folder', async (x) => { const path = await x.model(); await chmod(path, 0o000); return path; }, { mention: ['model', 'permission denied'], nobody: true });
modelCase('model of another input shape (14x14)', (x) => x.f.smallInputModel, { exit: 2, mention: ['14'], subset: true });
c('model', 'ensemble with different classes', { run: (x) => ['predict', '--model', P, '--model', x.f.fiveClassModel, ...cpu, x.f.png], exit: 2, mention: ['labels'], subset: true });
c('model', 'evaluate a model of another input shape', { run: (x) => ['evaluate', '--model', x.f.smallInputModel, ...cpu, '--data', `csv:${x.f.csv}`], exit: 2, mention: ['14'] });
c('model', 'evaluate an ensemble with different classes', { run: (x) => ['evaluate', '--model', P, '--model', x.f.fiveClassModel, ...cpu, '--data', `csv:${x.f.csv}`], exit: 2, mention: ['labels'] });
c('model', 'finetune from a damaged folder', { run: async (x) => ['finetune', '--model', await dropFile('weights.bin')(x), ...cpu, '--data', `csv:${x.f.csv}`, '--out', 'run'], exit: 1, mention: ['weights.bin'] });
c('model', 'explain with a damaged folder', { run: async (x) => ['explain', '--model', await writeInModel('model.json', '{')(x), ...cpu, x.f.png], exit: 1, mention: ['model.json'] });

// --- Resources -------------------------------------------------------------------------------------------
c('resources', 'evaluate --batch-size 30000 on wasm works', { run: () => ['evaluate', '--model', P, '--backend', 'wasm', '--batch-size', '30000', '--data', 'mnist'], exit: 0, timeoutMs: 120_000 });
c('resources', 'train --batch-size 30000 on wasm', { run: () => ['train', '--backend', 'wasm', '--model', 'fast-cnn', '--batch-size', '30000', '--epochs', '1', '--limit', '30000', '--out', 'run'], exit: 1, mention: ['--batch-size'], timeoutMs: 240_000, slow: true });
