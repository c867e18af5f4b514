/**
 * `digitlab backends [--json] [--load]` — every backend plugin, available or not, with its reason,
 * fix, priority, platforms and capabilities. Without `--load` nothing is imported (capabilities are
 * what can be known cheaply: WebAssembly SIMD, the GPU the driver lists); with `--load` each
 * available plugin is loaded in turn and reports its real capabilities.
 */
import { currentPlatform, describeCapabilities, detectAll, type LoadedBackend, type PluginReport } from '@digitlab/backend';
import { createCliBackendRegistry } from '../backends.js';
import { createLogger, parseCommandArgs, runCommand, writeJson } from '../cli-support.js';
import { cudaEngine, importOptionalEngine } from '../optional-engines.js';

/** The `--help` text (also read by `digitlab completion` for the flags). */
export const usage = `usage: digitlab backends [--json] [--load]

Lists every backend plugin with whether it can run here, why not, and the command that fixes it.
  --load   load each available backend and report its real capabilities (slower)
  --json   print one JSON object on stdout
`;

/** One row of the listing. */
export interface BackendRow {
  name: string;
  tfjsBackendName: string;
  priority: number;
  platforms: readonly string[];
  available: boolean;
  reason: string;
  fix?: string;
  /** Known without loading, or reported by load() with `--load`. */
  capabilities: Record<string, string | number | boolean>;
  /** Set with `--load`: whether load() succeeded, and its error otherwise. */
  loaded?: boolean;
  loadError?: string;
}

/** Runs `digitlab backends`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('backends', argv, usage, async ({ json }) => {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, load: { type: 'boolean' } });
    const logger = createLogger();
    const registry = await createCliBackendRegistry(logger);
    const reports = await detectAll(registry);
    const rows = await Promise.all(reports.map(toRow));
    if (values.load === true) await loadEach(rows, (name) => registry.get(name).load());
    const autoChoice = rows.find((row) => row.available && row.loaded !== false)?.name ?? null;
    if (json) writeJson({ platform: currentPlatform(), auto: autoChoice, backends: rows });
    else process.stdout.write(renderTable(rows, autoChoice));
    return 0;
  });
}

async function toRow(report: PluginReport): Promise<BackendRow> {
  return {
    name: report.name,
    tfjsBackendName: report.tfjsBackendName,
    priority: report.priority,
    platforms: report.platforms,
    available: report.detection.available,
    reason: report.detection.reason,
    ...(report.detection.fix ? { fix: report.detection.fix } : {}),
    capabilities: await capabilitiesWithoutLoading(report.name),
  };
}

/** What each engine can do, found without importing it (the GPUs come from the cuda plugin package, when installed). */
async function capabilitiesWithoutLoading(name: string): Promise<Record<string, string | number | boolean>> {
  switch (name) {
    case 'wasm':
      return { simd: hasWasmSimd() };
    case 'cuda': {
      const cuda = await importOptionalEngine(cudaEngine);
      const gpus = 'module' in cuda ? cuda.module.listNvidiaGpus() : [];
      return gpus.length > 0 ? { device: gpus.join(', ') } : {};
    }
    case 'tensorflow':
      return { device: 'cpu' };
    case 'cpu':
      return { threads: 1 };
    default:
      return {};
  }
}

/**
 * Whether this runtime validates a WebAssembly module using SIMD: the same probe tfjs-backend-wasm
 * runs for its `WASM_HAS_SIMD_SUPPORT` flag (v128.const, i8x16.splat... in a 30-byte module).
 */
function hasWasmSimd(): boolean {
  try {
    return WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]));
  } catch {
    return false;
  }
}

/** Loads each available plugin in priority order; tfjs-node and tfjs-node-gpu share one tfjs backend name, so only the first of them loads. */
async function loadEach(rows: BackendRow[], load: (name: string) => Promise<LoadedBackend>): Promise<void> {
  const loadedTfjsNames = new Set<string>();
  for (const row of rows) {
    if (!row.available) continue;
    if (loadedTfjsNames.has(row.tfjsBackendName) && row.tfjsBackendName !== row.name) {
      Object.assign(row, { loaded: false, loadError: `not loaded: another plugin already registered the tfjs backend "${row.tfjsBackendName}" in this process` });
      continue;
    }
    try {
      const loaded = await load(row.name);
      loadedTfjsNames.add(loaded.tfjsBackendName);
      Object.assign(row, { loaded: true, capabilities: loaded.capabilities });
    } catch (error) {
      Object.assign(row, { loaded: false, loadError: (error as Error).message });
    }
  }
}

function renderTable(rows: BackendRow[], autoChoice: string | null): string {
  const header = ['backend', 'available', 'priority', 'platforms', 'capabilities', 'reason'];
  const body = rows.map((row) => [
    row.name,
    row.available ? (row.loaded === false ? 'load failed' : 'yes') : 'no',
    String(row.priority),
    row.platforms.join(','),
    describeCapabilities(row.capabilities) || '-',
    row.loadError ?? row.reason,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  const fixes = rows.filter((row) => !row.available && row.fix).map((row) => `  ${row.name}: ${row.fix}`);
  return [
    line(header),
    ...body.map(line),
    '',
    `auto picks: ${autoChoice ?? 'nothing (see the reasons above)'}`,
    ...(fixes.length > 0 ? ['to enable:', ...fixes] : []),
    '',
  ].join('\n');
}
