export {
  EmbeddedPostgresError,
  runningEmbeddedPostgresUrl,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from './embedded-postgres.js';
export { Prisma } from './generated/client.js';
export type { ApiKey, AuditEvent, Connection, OAuthAttempt, WebhookEvent } from './generated/client.js';
export { ConnectionStatus, ConnectionType, WebhookEventStatus } from './generated/enums.js';
export { createMigration } from './migrations/create-migration.js';
export { applyPendingMigrations, pendingMigrationNames } from './migrations/migrate.js';
export { PrismaService } from './prisma.service.js';
