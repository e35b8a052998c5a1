import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI (`prisma generate`; `prisma migrate deploy` where the network allows).
// The broker itself migrates through libs/database's offline schema engine.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/broker' },
});
