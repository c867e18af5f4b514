/**
 * The CLI's backend plugins and `chooseBackend`, which every command calls to pick its engine from
 * `--backend auto|wasm|tensorflow|cuda|cpu` (or a comma list tried in order) and logs the decision.
 */
import {
  createBackendRegistry,
  createCpuPlugin,
  describeCapabilities,
  describeSelection,
  selectBackend,
  UnknownBackendError,
  type BackendRegistry,
  type BackendSelection,
} from '@digitlab/backend';
import { createWasmPlugin } from '@digitlab/backend-wasm';
import { UsageError, type Logger } from './cli-support.js';
import { cudaEngine, loadOptionalPlugin, tensorflowEngine } from './optional-engines.js';

/**
 * Every plugin the CLI offers, highest priority first: cuda, tensorflow, wasm, cpu. The native two
 * are optional peers, imported here by package name; a missing one is a stand-in that says how to
 * install it (optional-engines.ts).
 */
export async function createCliBackendRegistry(logger?: Pick<Logger, 'debug'>): Promise<BackendRegistry> {
  return createBackendRegistry([
    await loadOptionalPlugin(cudaEngine),
    await loadOptionalPlugin(tensorflowEngine),
    createWasmPlugin(logger ? { log: logger.debug } : {}),
    createCpuPlugin(),
  ]);
}

/** Options of `chooseBackend`. */
export interface ChooseBackendOptions {
  /** Worker threads for engines that have them (wasm); the plugin picks when undefined. */
  threads?: number;
  /** The decision goes to `info`, each plugin tried to `debug`. */
  logger: Pick<Logger, 'info' | 'debug'>;
  /** Plugins to choose from; defaults to the CLI's list. */
  registry?: BackendRegistry;
}

/**
 * Loads the backend `preference` names (`auto`, one name, or a comma list such as `wasm,cpu`), makes
 * it current, and logs one short sentence ("using wasm (simd, 1 thread); cuda, tensorflow not
 * available: --verbose or digitlab backends says why"); each plugin's full reason goes to `debug`. An unknown name is a
 * UsageError (exit 2); nothing loadable throws NoBackendAvailableError listing every plugin and its fix.
 */
export async function chooseBackend(preference: string | undefined, { threads, logger, registry }: ChooseBackendOptions): Promise<BackendSelection> {
  const names = (preference ?? 'auto')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  try {
    const selection = await selectBackend(names.length > 0 ? names : ['auto'], {
      plugins: registry ?? (await createCliBackendRegistry(logger)),
      loadOptions: threads === undefined ? {} : { threads },
      logger: logger.debug,
    });
    logger.info(describeSelectionBriefly(selection));
    if (selection.skipped.length > 0) logger.debug(describeSelection(selection));
    return selection;
  } catch (error) {
    if (UnknownBackendError.isInstance(error)) throw new UsageError(`--backend: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The backend line every command prints: the engine chosen and, in one clause, what was passed over. */
function describeSelectionBriefly({ chosen, skipped }: BackendSelection): string {
  const capabilities = describeCapabilities(chosen.capabilities);
  const using = `using ${chosen.name}${capabilities ? ` (${capabilities})` : ''}`;
  if (skipped.length === 0) return using;
  return `${using}; ${skipped.map((entry) => entry.name).join(', ')} not available (--verbose or "digitlab backends" says why)`;
}
