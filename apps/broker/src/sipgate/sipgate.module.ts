import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { SipgateApiClient, SipgateOAuthClient } from '#libs/sipgate';
import { BROKER_CONFIG } from '../config/config.module.js';

/** sipgate's login server and REST API (or the sandbox standing in for them), with keep-alive agents. */
@Global()
@Module({
  providers: [
    {
      provide: SipgateOAuthClient,
      inject: [BROKER_CONFIG],
      useFactory: ({ sipgate }: BrokerConfig) =>
        new SipgateOAuthClient({
          loginUrl: sipgate.loginUrl,
          realm: sipgate.realm,
          clientId: sipgate.clientId,
          clientSecret: sipgate.clientSecret,
          timeoutMs: sipgate.httpTimeoutMs,
        }),
    },
    {
      provide: SipgateApiClient,
      inject: [BROKER_CONFIG],
      useFactory: ({ sipgate }: BrokerConfig) =>
        new SipgateApiClient({ apiUrl: sipgate.apiUrl, timeoutMs: sipgate.httpTimeoutMs }),
    },
  ],
  exports: [SipgateOAuthClient, SipgateApiClient],
})
export class SipgateModule implements OnApplicationShutdown {
  constructor(
    @Inject(SipgateOAuthClient) private readonly oauth: SipgateOAuthClient,
    @Inject(SipgateApiClient) private readonly api: SipgateApiClient,
  ) {}

  onApplicationShutdown(): void {
    this.oauth.close();
    this.api.close();
  }
}
