import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

const require = createRequire(import.meta.url);

/**
 * The engine arms timers (connection idle timeouts) that outlive every command and would keep a
 * process that has finished migrating alive; unref'd, they still fire but no longer hold it open.
 */
function withUnrefTimers(imports: WebAssembly.ModuleImports): WebAssembly.ModuleImports {
  const patched = { ...imports };
  for (const name of Object.keys(imports).filter((n) => n.startsWith('__wbg_setTimeout_'))) {
    patched[name] = (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref();
  }
  return patched;
}

let bindings: Promise<typeof import('@prisma/schema-engine-wasm/schema_engine_bg')> | undefined;

/**
 * Loads Prisma's WebAssembly schema engine. The package's own entry imports the `.wasm` file as an
 * ES module, which Node does not support, so the module is instantiated by hand. This engine runs
 * fully offline, unlike the CLI, which downloads a native engine on every command.
 */
function loadBindings(): Promise<typeof import('@prisma/schema-engine-wasm/schema_engine_bg')> {
  bindings ??= (async () => {
    // Without this registry an engine panic surfaces as a TypeError instead of its message.
    const globals = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown };
    globals.PRISMA_WASM_PANIC_REGISTRY ??= { set_message: () => undefined };
    const glue = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    const wasmPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/\.js$/, '.wasm');
    const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
      './schema_engine_bg.js': withUnrefTimers(glue),
    });
    const exports = instance.exports as { __wbindgen_start: () => void };
    glue.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
    return glue;
  })();
  return bindings;
}

/**
 * Runs `work` with a schema engine on the given driver adapter (e.g. `new PrismaPg(pool)`). The
 * engine never ends the pool, so the pool stays the caller's to close.
 */
export async function withSchemaEngine<T>(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  datamodel: { path: string; content: string },
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = await loadBindings();
  const factory = bindMigrationAwareSqlAdapterFactory(adapterFactory);
  const engine = await SchemaEngine.new(
    { datamodels: [[datamodel.path, datamodel.content]] },
    () => undefined,
    factory,
  );
  try {
    return await work(engine);
  } finally {
    engine.free();
  }
}
