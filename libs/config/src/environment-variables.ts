import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
} from 'class-validator';

const toInteger = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
const httpUrl = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };

/**
 * fetch refuses a URL with userinfo on every request, with an error that repeats the URL whole, and
 * a secret in a URL ends up wherever URLs are shown. A value that is no URL at all passes here:
 * `@IsUrl` reports it.
 */
const WithoutCredentials = (message: string) =>
  ValidateBy({
    name: 'withoutCredentials',
    validator: {
      validate: (value: unknown) => {
        if (!URL.canParse(String(value))) return true;
        const url = new URL(String(value));
        return url.username === '' && url.password === '';
      },
      defaultMessage: () => message,
    },
  });

/** Every variable of the product contract (shared/API.md), validated once at start-up. */
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['production', 'development', 'test'])
  NODE_ENV?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @Matches(/^[A-Za-z0-9.:\-[\]]+$/, { message: 'HOST must be a host name or IP address' })
  HOST?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  DATA_DIR?: string;

  @IsOptional()
  @IsString()
  BROKER_ENCRYPTION_KEYS?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'BROKER_ADMIN_API_KEY must be at least 32 characters' })
  BROKER_ADMIN_API_KEY?: string;

  @IsOptional()
  @IsUrl(httpUrl, { message: 'BROKER_PUBLIC_URL must be an http(s) URL' })
  BROKER_PUBLIC_URL?: string;

  @IsOptional()
  @IsUrl(httpUrl, { message: 'BROKER_WEBHOOK_URL must be an http(s) URL' })
  @WithoutCredentials(
    'BROKER_WEBHOOK_URL must not contain credentials (user:password@); receivers verify X-Broker-Signature instead',
  )
  BROKER_WEBHOOK_URL?: string;

  /** Never echoed: the message names the rule only. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'BROKER_WEBHOOK_SECRET must be at least 32 characters' })
  BROKER_WEBHOOK_SECRET?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(60_000)
  BROKER_WEBHOOK_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1_000)
  BROKER_WEBHOOK_MAX_ATTEMPTS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(60)
  @Max(30 * 86_400)
  BROKER_WEBHOOK_MAX_AGE_SECONDS?: number;

  @IsOptional()
  @IsString()
  @MinLength(1)
  SIPGATE_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  SIPGATE_CLIENT_SECRET?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'SIPGATE_OAUTH_REALM must be a Keycloak realm name' })
  SIPGATE_OAUTH_REALM?: string;

  @IsOptional()
  @IsUrl(httpUrl, { message: 'SIPGATE_LOGIN_URL must be an http(s) URL' })
  SIPGATE_LOGIN_URL?: string;

  @IsOptional()
  @IsUrl(httpUrl, { message: 'SIPGATE_API_URL must be an http(s) URL' })
  SIPGATE_API_URL?: string;

  @IsOptional()
  @Matches(/^[\w:.-]+( [\w:.-]+)*$/, { message: 'SIPGATE_OAUTH_SCOPES must be space-separated scope names' })
  SIPGATE_OAUTH_SCOPES?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(86_400)
  REFRESH_MARGIN_SECONDS?: number;

  @IsOptional()
  @IsIn(['on', 'off'])
  REFRESH_SCHEDULER?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1_000)
  REFRESH_CONCURRENCY?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(50)
  @Max(60_000)
  REFRESH_TICK_MS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(60_000)
  SIPGATE_HTTP_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  SANDBOX_PORT?: number;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  /** Token reads per second and API key, per replica; 0 turns the limit off. May be fractional. */
  @IsOptional()
  @Transform(toInteger)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'TOKEN_RATE_LIMIT_PER_SECOND must be a number' },
  )
  @Min(0)
  @Max(1_000_000)
  TOKEN_RATE_LIMIT_PER_SECOND?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  TOKEN_RATE_LIMIT_BURST?: number;
}
