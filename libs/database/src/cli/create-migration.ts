// `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql from the
// difference between the existing migrations and prisma/schema.prisma, like `prisma migrate dev --create-only`.
import { createMigration } from '../migrations/create-migration.js';
import { databaseForCommand } from './database-url.js';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/i.test(name)) {
  console.error('usage: npm run db:migration -- <name>   (letters, digits, underscores)');
  process.exit(2);
}
const database = await databaseForCommand();
try {
  const dir = await createMigration(database.url, name);
  console.log(dir ? `Wrote ${dir}/migration.sql` : 'The schema matches the migrations: nothing to write.');
} finally {
  await database.stop();
}
process.exit(0);
