// `npm run db:migrate`: applies pending migrations, like `prisma migrate deploy`, offline.
import { applyPendingMigrations } from '../migrations/migrate.js';
import { databaseForCommand } from './database-url.js';

const database = await databaseForCommand();
try {
  const applied = await applyPendingMigrations(database.url);
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations.');
} finally {
  await database.stop();
}
process.exit(0); // the schema engine leaves timers behind
