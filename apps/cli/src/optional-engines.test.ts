import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NoBackendAvailableError, selectBackend } from '@digitlab/backend';
import { createCudaPlugin } from '@digitlab/backend-cuda';
import { createNodePlugin } from '@digitlab/backend-node';
import { afterAll, describe, expect, it } from 'vitest';
import { cudaEngine, importOptionalEngine, installCommand, loadOptionalPlugin, tensorflowEngine, type OptionalEngine } from './optional-engines.js';

const folder = mkdtempSync(join(tmpdir(), 'digitlab-optional-engines-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('optional native engines', () => {
  it('here, where the workspace installs them, the real plugins load by package name, and the stand-in facts match them', async () => {
    for (const [engine, real] of [
      [cudaEngine, createCudaPlugin()],
      [tensorflowEngine, createNodePlugin()],
    ] as const) {
      const plugin = await loadOptionalPlugin(engine as OptionalEngine);
      expect([plugin.name, plugin.tfjsBackendName, plugin.priority, plugin.platforms]).toEqual([real.name, real.tfjsBackendName, real.priority, real.platforms]);
      expect([engine.name, engine.tfjsBackendName, engine.priority]).toEqual([real.name, real.tfjsBackendName, real.priority]);
      // The real plugin reports on its native package, never on the plugin package itself.
      expect((await plugin.detect()).reason).not.toContain(engine.packageName);
    }
  });

  it('a plugin package that does not resolve becomes a stand-in: not installed, with the install command; selecting it fails naming both', async () => {
    // The same engine description under a package name nothing provides: the resolver's real answer.
    const packageName = '@digitlab/backend-not-published';
    const absent: OptionalEngine = { ...tensorflowEngine, packageName, import: () => import(/* @vite-ignore */ packageName) };
    const found = await importOptionalEngine(absent);
    expect(found).toEqual({ missing: { available: false, reason: '@digitlab/backend-not-published not installed (the tensorflow engine is optional)', fix: expect.stringMatching(/^npm install @digitlab\/backend-not-published @tensorflow\/tfjs-node@4\.22\.0$/) } });
    const standIn = await loadOptionalPlugin(absent);
    expect([standIn.name, standIn.priority]).toEqual(['tensorflow', 300]);
    await expect(standIn.load()).rejects.toThrow(/backend "tensorflow": @digitlab\/backend-not-published not installed .*Fix: npm install @digitlab\/backend-not-published/);
    const failure = await selectBackend('tensorflow', { plugins: [standIn] }).catch((error: unknown) => error);
    expect(NoBackendAvailableError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toBe(
      'no available backend found. ERR: [tensorflow] @digitlab/backend-not-published not installed (the tensorflow engine is optional) (fix: npm install @digitlab/backend-not-published @tensorflow/tfjs-node@4.22.0)',
    );
  });

  it('the install command is global beside a global CLI and local in a project', () => {
    const packages = ['@digitlab/backend-node', '@tensorflow/tfjs-node@4.22.0'];
    // npm's global layout: <prefix>/lib/node_modules/@digitlab/cli, no package.json in <prefix>/lib.
    const globalCli = join(folder, 'prefix', 'lib', 'node_modules', '@digitlab', 'cli');
    mkdirSync(globalCli, { recursive: true });
    expect(installCommand(packages, globalCli, folder)).toBe('npm install -g @digitlab/backend-node @tensorflow/tfjs-node@4.22.0');
    // A project, with npm's flat layout and with pnpm's .pnpm store inside node_modules.
    const project = join(folder, 'my app');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{}');
    for (const cli of [join(project, 'node_modules', '@digitlab', 'cli'), join(project, 'node_modules', '.pnpm', '@digitlab+cli@0.1.0', 'node_modules', '@digitlab', 'cli')]) {
      expect(installCommand(packages, cli, project)).toBe('npm install @digitlab/backend-node @tensorflow/tfjs-node@4.22.0');
      expect(installCommand(packages, cli, folder)).toBe(`cd ${JSON.stringify(project)} && npm install @digitlab/backend-node @tensorflow/tfjs-node@4.22.0`);
    }
  });
});
