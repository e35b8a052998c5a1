import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { PrismaService } from '#libs/database';

/** One PrismaService per process, opened before the app starts and closed last on shutdown. */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(private readonly prisma: PrismaService) {}

  static forRoot(databaseUrl: string) {
    return {
      module: DatabaseModule,
      providers: [{ provide: PrismaService, useFactory: () => PrismaService.forUrl(databaseUrl) }],
      exports: [PrismaService],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.close();
  }
}
