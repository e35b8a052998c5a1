import { Injectable } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { InjectConfig } from '../config/config.module.js';
import { DatabaseAvailability } from './database-availability.js';
import { leaseMsFor, type LeaseStanding, takeoverDeadline } from './lease-rule.js';

/**
 * This process's side of the lease rule (lease-rule.ts): which refreshes it holds itself, and
 * whether it has had the database long enough to take over expired leases. RefreshRepository asks
 * it for every statement that may take a row, so no caller can leave it out.
 */
@Injectable()
export class TakeoverGuard {
  private readonly held = new Set<string>();
  private readonly graceMs: number;

  constructor(
    @InjectConfig() config: BrokerConfig,
    private readonly database: DatabaseAvailability,
  ) {
    this.graceMs = leaseMsFor(config);
  }

  /**
   * From the moment a claim is in hand until its outcome is stored or given up (before that, the
   * fresh lease keeps every claim off the row). A connection is held at most once: every claim this
   * process makes skips held connections.
   */
  hold(connectionId: string): void {
    this.held.add(connectionId);
  }

  release(connectionId: string): void {
    this.held.delete(connectionId);
  }

  standing(): LeaseStanding {
    return {
      takeoverUntil: this.database.upFor(this.graceMs) ? takeoverDeadline(this.database.clockOffsetMs) : null,
      held: [...this.held],
    };
  }
}
