export { createEmptyDatabase, createTestDatabase, type TestDatabase } from './test-database.js';
export { startTestPostgres } from './test-postgres.js';
export { freePort } from './free-port.js';
