import { type DynamicModule, Global, Inject, Module } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';

export const BROKER_CONFIG = Symbol('BROKER_CONFIG');

/** Injects the configuration validated once by `loadBrokerConfig` in main.ts. */
export const InjectConfig = () => Inject(BROKER_CONFIG);

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: BrokerConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: BROKER_CONFIG, useValue: config }],
      exports: [BROKER_CONFIG],
    };
  }
}
