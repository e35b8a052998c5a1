// jest loads global setup outside its module system, so the TypeScript helper is imported via tsx.
// tsx only runs this plain helper (no decorators), never Nest code; `--conditions=source` (set by
// `npm test`) makes its `#libs/*` imports resolve to the TypeScript sources rather than dist/.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  process.env.TZ = 'UTC';
  const { startTestPostgres } = await tsImport('../../libs/testing/src/test-postgres.ts', import.meta.url);
  globalThis.__testPostgres = await startTestPostgres();
}
