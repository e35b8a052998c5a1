-- AlterTable
ALTER TABLE "connections" ADD COLUMN     "access_token_lifetime_seconds" DOUBLE PRECISION;

-- OAuth rows stored before this column: their last grant's lifetime as the row shows it (the access
-- token was stored when it was obtained). Left NULL, a row would not bound minValidity until its next refresh.
UPDATE "connections"
   SET "access_token_lifetime_seconds" = EXTRACT(EPOCH FROM "access_token_expires_at" - "last_refreshed_at")
 WHERE "type" = 'oauth' AND "access_token_expires_at" > "last_refreshed_at";
