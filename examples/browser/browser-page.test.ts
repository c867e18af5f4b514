// examples/browser/ as a user would ship it: main.ts bundled for the browser, index.html beside it,
// tfjs's wasm files and @digitlab/pretrained's weights served from the same origin, in Chromium.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodePng, renderDigit } from '../../packages/datasets/src/__fixtures__/render-digit.js';
import { realTestSet } from '../../packages/datasets/src/__fixtures__/real-mnist.js';
import { bundleForBrowser } from '../../test-support/browser/bundle.js';
import { openBrowser, openPage, type Browser, type ObservedPage } from '../../test-support/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../test-support/browser/static-server.js';

const require = createRequire(import.meta.url);
const packageFolder = (name: string) => dirname(require.resolve(`${name}/package.json`));
const here = fileURLToPath(new URL('.', import.meta.url));

let site: string;
let server: StaticServer;
let browser: Browser;
let observed: ObservedPage;

beforeAll(async () => {
  site = await mkdtemp(join(tmpdir(), 'digitlab-browser-example-'));
  await bundleForBrowser({ entry: join(here, 'main.ts'), outfile: join(site, 'main.js') });
  await copyFile(join(here, 'index.html'), join(site, 'index.html'));
  server = await startStaticServer({
    mounts: { '/': site, '/wasm/': join(packageFolder('@tensorflow/tfjs-backend-wasm'), 'dist'), '/pretrained/': packageFolder('@digitlab/pretrained') },
  });
  browser = await openBrowser();
  observed = await openPage(browser, server.origin);
  await observed.page.goto(`${server.origin}/index.html`);
  await observed.page.waitForFunction(() => document.querySelector('#answer')?.textContent === 'Draw a digit.', undefined, { timeout: 60_000 });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(site, { recursive: true, force: true });
});

/** Waits for the page's answer about `what` and returns it. */
async function answerAbout(what: string): Promise<string> {
  const handle = await observed.page.waitForFunction(
    (prefix) => {
      const text = document.querySelector('#answer')?.textContent ?? '';
      return text.startsWith(prefix) ? text : undefined;
    },
    `${what}: `,
    { timeout: 30_000 },
  );
  return (await handle.jsonValue()) as string;
}

it('names the digit in a picked image: the first MNIST test image of each class, photographed dark on light', async () => {
  const testSet = await realTestSet();
  const answers: string[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const index = testSet.labels.indexOf(digit);
    const pixels = testSet.images.subarray(index * 784, (index + 1) * 784);
    const name = `mnist-test-${index}.png`;
    const png = encodePng(renderDigit(pixels, { width: 120, height: 100, scale: 3, left: 30, top: 8, style: 'dark-on-light' }));
    await observed.page.setInputFiles('#image', { name, mimeType: 'image/png', buffer: Buffer.from(png) });
    answers.push(await answerAbout(name));
  }
  console.log(answers.join('\n'));
  expect(answers.map((answer) => Number(/: (\d), /.exec(answer)?.[1]))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(observed.errors).toEqual([]);
  expect(observed.offOrigin).toEqual([]);
  expect(server.requests).toEqual(expect.arrayContaining(['/pretrained/fast-cnn/model.json', '/pretrained/fast-cnn/weights.bin', '/pretrained/fast-cnn/digitlab.json']));
});

it('names a digit drawn on the canvas with the mouse: one vertical stroke is a 1', async () => {
  const { page } = observed;
  await page.click('#clear');
  const box = (await page.locator('canvas').boundingBox())!;
  await page.mouse.move(box.x + 140, box.y + 40);
  await page.mouse.down();
  await page.mouse.move(box.x + 145, box.y + 240, { steps: 20 });
  await page.mouse.up();
  expect(await answerAbout('the drawing')).toMatch(/^the drawing: 1, \d+\.\d% sure$/);
  expect(observed.errors).toEqual([]);
});
