import { Global, Module } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { SecretCipher } from '#libs/crypto';
import { BROKER_CONFIG } from '../config/config.module.js';

/** The one SecretCipher, over BROKER_ENCRYPTION_KEYS; only repositories use it. */
@Global()
@Module({
  providers: [
    {
      provide: SecretCipher,
      inject: [BROKER_CONFIG],
      useFactory: (c: BrokerConfig) => new SecretCipher(c.encryptionKeys),
    },
  ],
  exports: [SecretCipher],
})
export class CryptoModule {}
