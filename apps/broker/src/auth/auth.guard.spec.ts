import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Controller, type ExecutionContext, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthorizedError } from '../problems/auth-errors.js';
import type { ApiKeyAuthenticator } from './api-key-authenticator.js';
import { AuthGuard } from './auth.guard.js';
import { principalOf } from './current-principal.decorator.js';
import type { Principal } from './principal.js';
import { Public } from './public.decorator.js';
import { RequireScope } from './require-scope.decorator.js';

const A = '6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b';
const B = '0b7b4a2e-5c39-4a8e-9d4e-2f1a6c3e8b10';

const keys: Record<string, Principal> = {
  admin: { keyId: 'admin', scopes: ['admin'], connectionIds: null },
  reader: { keyId: 'reader', scopes: ['tokens:read'], connectionIds: null },
  readerOfA: { keyId: 'reader-a', scopes: ['tokens:read'], connectionIds: [A] },
};

const lookUp = (key: string) => {
  const principal = keys[key];
  if (!principal) throw new UnauthorizedError('unknown', 'invalid_token');
  return principal;
};
/** Keys whose principal the fake authenticator has "cached": answered without a promise. */
const cachedKeys = new Set<string>();
const authenticator = {
  authenticate: async (key: string) => lookUp(key),
  authenticateCached: (key: string) => (cachedKeys.has(key) ? lookUp(key) : undefined),
} as ApiKeyAuthenticator;

// Routes only as metadata carriers: the guard reads decorators from handler and class.
@Controller('v1/connections')
class TestConnectionsController {
  @Get(':id/token')
  @RequireScope('tokens:read')
  token() {}

  @Get('mine')
  @RequireScope('tokens:read', { connectionParam: null })
  mine() {}

  @Get('by-name/:name')
  @RequireScope('tokens:read')
  withoutIdParam() {}

  @Get(':id')
  undecorated() {}

  @Get('open')
  @Public()
  open() {}
}

@Public()
@Controller('health')
class TestPublicController {
  live() {}
}

function context(
  handler: string,
  key: string | undefined,
  params: Record<string, string> = {},
  klass: object = TestConnectionsController,
) {
  const request = { headers: key === undefined ? {} : { authorization: `Bearer ${key}` }, params };
  const prototype = (klass as { prototype: Record<string, () => void> }).prototype;
  const execution = {
    getHandler: () => prototype[handler],
    getClass: () => klass,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { execution, request };
}

const guard = new AuthGuard(new Reflector(), authenticator);
/** The guard's answer as a promise, whether it came synchronously (cached key) or not. */
const activate = async (execution: ExecutionContext) => guard.canActivate(execution);
const attempt = (handler: string, key: string | undefined, params?: Record<string, string>) =>
  activate(context(handler, key, params).execution);

describe('AuthGuard', () => {
  it('lets public routes and controllers through without a key', async () => {
    await expect(attempt('open', undefined)).resolves.toBe(true);
    await expect(activate(context('live', undefined, {}, TestPublicController).execution)).resolves.toBe(
      true,
    );
  });

  it('requires a known key everywhere else', async () => {
    await expect(attempt('token', undefined, { id: A })).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(attempt('token', 'nobody', { id: A })).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('attaches the principal for @CurrentPrincipal()', async () => {
    const { execution, request } = context('token', 'reader', { id: A });
    await activate(execution);
    expect(principalOf(request)).toBe(keys.reader);
  });

  it('lets admin do everything and treats undecorated routes as admin-only', async () => {
    await expect(attempt('token', 'admin', { id: B })).resolves.toBe(true);
    await expect(attempt('undecorated', 'admin', { id: B })).resolves.toBe(true);
    await expect(attempt('undecorated', 'reader', { id: B })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('limits a key with connection ids to those connections', async () => {
    await expect(attempt('token', 'readerOfA', { id: A })).resolves.toBe(true);
    await expect(attempt('token', 'readerOfA', { id: A.toUpperCase() })).resolves.toBe(true);
    await expect(attempt('token', 'readerOfA', { id: B })).rejects.toThrow(ForbiddenError);
    await expect(attempt('token', 'reader', { id: B })).resolves.toBe(true);
  });

  it('refuses a limited key on a route that names no connection, unless the route opts out', async () => {
    await expect(attempt('withoutIdParam', 'readerOfA', { name: 'x' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(attempt('mine', 'readerOfA')).resolves.toBe(true);
  });

  describe('with the key cached by the authenticator', () => {
    beforeEach(() => {
      for (const key of Object.keys(keys)) cachedKeys.add(key);
    });
    afterEach(() => cachedKeys.clear());

    it('answers without a promise, with the same checks', () => {
      const { execution, request } = context('token', 'readerOfA', { id: A });
      expect(guard.canActivate(execution)).toBe(true);
      expect(principalOf(request)).toBe(keys.readerOfA);
      expect(() => guard.canActivate(context('token', 'readerOfA', { id: B }).execution)).toThrow(
        ForbiddenError,
      );
      expect(() => guard.canActivate(context('undecorated', 'reader', { id: B }).execution)).toThrow(
        ForbiddenError,
      );
      expect(guard.canActivate(context('open', undefined).execution)).toBe(true);
    });

    it('keeps the requirement of each controller apart when they share an inherited handler', () => {
      class Base {
        shared() {}
      }
      @RequireScope('tokens:read', { connectionParam: null })
      class ReaderRoutes extends Base {}
      class AdminRoutes extends Base {}
      const on = (klass: object, key: string) =>
        guard.canActivate(context('shared', key, {}, klass).execution);
      expect(on(ReaderRoutes, 'reader')).toBe(true);
      expect(() => on(AdminRoutes, 'reader')).toThrow(ForbiddenError);
      expect(on(ReaderRoutes, 'reader')).toBe(true);
    });
  });
});
