import { describe, expect, it } from 'vitest';
import { absentPlugin } from './__fixtures__/test-plugins.js';
import { createCpuPlugin } from './cpu-plugin.js';
import { InvalidPluginError, UnknownBackendError } from './errors.js';
import type { BackendPlugin } from './plugin.js';
import { createBackendRegistry } from './registry.js';

describe('createBackendRegistry', () => {
  it('lists plugins highest priority first, ties in registration order', () => {
    const registry = createBackendRegistry([createCpuPlugin(), absentPlugin('first-tie', 5), absentPlugin('top', 9)]);
    registry.register(absentPlugin('second-tie', 5));
    expect(registry.list().map((plugin) => plugin.name)).toEqual(['top', 'first-tie', 'second-tie', 'cpu']);
    expect(registry.has('cpu')).toBe(true);
    expect(registry.has('webgl')).toBe(false);
    expect(registry.get('top').priority).toBe(9);
  });

  it('get() of an unknown name lists the valid ones', () => {
    const registry = createBackendRegistry([createCpuPlugin(), absentPlugin('native', 3)]);
    expect(() => registry.get('webgl')).toThrow(UnknownBackendError);
    expect(() => registry.get('webgl')).toThrow('Unknown backend: "webgl". Should be one of: auto, native, cpu');
  });

  it('rejects a duplicate name and an unknown specification version', () => {
    const registry = createBackendRegistry([createCpuPlugin()]);
    expect(() => registry.register(createCpuPlugin())).toThrow(/a backend plugin named "cpu" is already registered/);
    const future = { ...createCpuPlugin(), name: 'future', specificationVersion: 'v2' } as unknown as BackendPlugin;
    expect(() => registry.register(future)).toThrow(InvalidPluginError);
    expect(() => registry.register(future)).toThrow('implements specification "v2". Should be one of: v1');
  });
});
