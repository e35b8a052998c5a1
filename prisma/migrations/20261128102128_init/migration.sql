-- CreateEnum
CREATE TYPE "ConnectionType" AS ENUM ('oauth', 'pat');

-- CreateEnum
CREATE TYPE "ConnectionStatus" AS ENUM ('active', 'reauth_required');

-- CreateTable
CREATE TABLE "connections" (
    "id" UUID NOT NULL,
    "type" "ConnectionType" NOT NULL,
    "status" "ConnectionStatus" NOT NULL DEFAULT 'active',
    "label" TEXT,
    "sipgate_account_id" TEXT NOT NULL,
    "sipgate_user_id" TEXT NOT NULL,
    "scopes" TEXT[],
    "access_token_ciphertext" BYTEA,
    "access_token_expires_at" TIMESTAMPTZ(3),
    "refresh_token_ciphertext" BYTEA,
    "refresh_token_expires_at" TIMESTAMPTZ(3),
    "last_refreshed_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "refresh_due_at" TIMESTAMPTZ(3),
    "failure_count" INTEGER NOT NULL DEFAULT 0,
    "lease_token" UUID,
    "lease_expires_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "scopes" TEXT[],
    "connection_ids" UUID[],
    "key_hash" BYTEA NOT NULL,
    "key_prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "oauth_attempts" (
    "id" UUID NOT NULL,
    "state_hash" BYTEA NOT NULL,
    "code_verifier_ciphertext" BYTEA NOT NULL,
    "label" TEXT,
    "scopes" TEXT[],
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "oauth_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "connections_refresh_due_idx" ON "connections"("refresh_due_at");

-- CreateIndex
CREATE INDEX "connections_created_idx" ON "connections"("created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "connections_sipgate_identity_key" ON "connections"("sipgate_account_id", "sipgate_user_id", "type");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE UNIQUE INDEX "oauth_attempts_state_hash_key" ON "oauth_attempts"("state_hash");
