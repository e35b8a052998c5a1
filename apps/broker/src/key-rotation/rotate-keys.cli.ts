// `npm run keys:rotate`: re-encrypts every stored secret under the first key of
// BROKER_ENCRYPTION_KEYS, while brokers keep running. Loads the configuration exactly as the broker
// does; needs no running broker. Exit code 0: done, every other key can be removed; 1: rows remain
// (see the output); 2: bad configuration or arguments.
import { parseArgs } from 'node:util';
import { ConfigError, loadBrokerConfig } from '#libs/config';
import { leaseMsFor } from '../refresh/lease-rule.js';
import { rotateKeys, type RotationProgress, type RotationReport } from './rotate-keys.js';
import { rotationDatabase } from './rotation-database.js';

function options(): { batchSize: number; maxPasses: number } {
  const { values } = parseArgs({
    options: { 'batch-size': { type: 'string', default: '200' }, passes: { type: 'string', default: '5' } },
  });
  const batchSize = Number(values['batch-size']);
  const maxPasses = Number(values.passes);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    throw new ConfigError(['--batch-size must be an integer from 1 to 10000']);
  if (!Number.isInteger(maxPasses) || maxPasses < 1 || maxPasses > 100)
    throw new ConfigError(['--passes must be an integer from 1 to 100']);
  return { batchSize, maxPasses };
}

const line = (p: RotationProgress) =>
  `${p.table}: ${p.reEncrypted}/${p.pending} re-encrypted` +
  (p.skipped ? `, ${p.skipped} skipped for now (being refreshed or changed meanwhile)` : '') +
  (p.unreadable ? `, ${p.unreadable} unreadable` : '');

function summary(report: RotationReport): string[] {
  const lines = report.tables.flatMap((table) => [
    `${table.table}: ${table.remaining} row(s) still under another key`,
    ...table.unreadableRows.map((row) => `  ${row.id}: ${row.reason}`),
  ]);
  return report.complete
    ? [
        ...lines,
        `Done: every secret is encrypted under '${report.primaryKeyId}'. The other keys can be removed.`,
      ]
    : [
        ...lines,
        `Not finished: run again once refreshes have settled. Keep the old keys until a run reports done.`,
        `(Rows that keep coming back: is every broker configured with '${report.primaryKeyId}' first?)`,
      ];
}

async function main(): Promise<number> {
  let run: { batchSize: number; maxPasses: number };
  let config: ReturnType<typeof loadBrokerConfig>['config'];
  try {
    run = options();
    ({ config } = loadBrokerConfig());
  } catch (error) {
    if (!(error instanceof ConfigError) && !(error instanceof TypeError)) throw error;
    console.error(error.message);
    return 2;
  }
  const keyIds = config.encryptionKeys.keyIds;
  console.log(`Re-encrypting under '${keyIds[0]}' (keyring: ${keyIds.join(', ')})`);
  const database = await rotationDatabase(config);
  try {
    const report = await rotateKeys({
      databaseUrl: database.url,
      keyring: config.encryptionKeys,
      takeoverGraceMs: leaseMsFor(config),
      ...run,
      onProgress: (progress) => console.log(line(progress)),
    });
    for (const text of summary(report)) console.log(text);
    return report.complete ? 0 : 1;
  } finally {
    await database.stop();
  }
}

process.exit(await main());
