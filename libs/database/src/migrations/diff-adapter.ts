import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { ColumnTypeEnum, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';

const CHAR_OID = 18;
const TEXT_OID = 25;
const MARKER = '\u0000char';

type FieldDescription = { name: string; dataTypeID: number };
type RawResult = { columnNames: string[]; columnTypes: number[] };

/**
 * The schema engine's diff reads Postgres catalogs whose internal `"char"` columns (OID 18, e.g.
 * `pg_constraint.contype`) adapter-pg 7.10 cannot map, and the engine insists on reading them as its
 * Character type. Those columns are tagged while pg parses the row description (read as text, name
 * marked) and re-typed as Character on the way to the engine. Only the offline create-migration
 * command installs this, for the life of its own process; the broker never does.
 */
function readInternalCharColumns(): <T extends object>(adapter: T) => T {
  type ResultPrototype = { addFields(this: unknown, fields: FieldDescription[]): void };
  const resultPrototype = (pg as unknown as { Result: { prototype: ResultPrototype } }).Result.prototype;
  // oxlint-disable-next-line typescript/unbound-method -- called below with the Result as `this`
  const { addFields } = resultPrototype;
  resultPrototype.addFields = function (fields) {
    for (const field of fields) {
      if (field.dataTypeID === CHAR_OID)
        Object.assign(field, { dataTypeID: TEXT_OID, name: field.name + MARKER });
    }
    addFields.call(this, fields);
  };
  const retype = (result: RawResult) => {
    result.columnNames.forEach((name, i) => {
      if (!name.endsWith(MARKER)) return;
      result.columnNames[i] = name.slice(0, -MARKER.length);
      result.columnTypes[i] = ColumnTypeEnum.Character;
    });
    return result;
  };
  // Adapters and their transactions both answer queryRaw; wrap both, pass everything else through.
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (property === 'queryRaw')
          return async (...args: unknown[]) => retype(await value.apply(object, args));
        if (property === 'startTransaction')
          return async (...args: unknown[]) => wrap(await value.apply(object, args));
        return value.bind(object);
      },
    });
  return wrap;
}

/**
 * A driver adapter for the schema engine's `diff`, which replays the migrations in a throwaway
 * shadow database. adapter-pg's own shadow database inherits a `connectionString` that points back at
 * the real database, and is dropped while its pool still holds a connection; this one gets its own
 * pool, ended before the database is dropped.
 */
export function diffAdapterFactory(config: pg.PoolConfig): SqlMigrationAwareDriverAdapterFactory {
  const wrap = readInternalCharColumns();
  const main = new pg.Pool({ ...config, max: 2 });
  const inner = new PrismaPg(main, { disposeExternalPool: true });
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => wrap(await inner.connect()),
    connectToShadowDb: async () => {
      const database = `prisma_migrate_shadow_db_${randomUUID()}`;
      const admin = new pg.Client(config);
      await admin.connect();
      await admin.query(`CREATE DATABASE "${database}"`);
      const shadowPool = new pg.Pool({ ...config, database, max: 1 });
      const shadow = await new PrismaPg(shadowPool).connect();
      const dispose = async () => {
        await shadowPool.end();
        await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
        await admin.end();
      };
      return wrap(
        new Proxy(shadow, { get: (o, p, r) => (p === 'dispose' ? dispose : Reflect.get(o, p, r)) }),
      );
    },
  };
}
