/** The fake token endpoint's control API (see bench/fake-sipgate.ts). */

export interface FakeCounters {
  refreshes: number;
  reuses: number;
  unknownTokens: number;
  otherRequests: number;
  logouts: number;
}

export interface RefreshLog {
  length: number;
  /** Connection index of each refresh, in the order they arrived. */
  index: Int32Array;
  /** When it arrived, epoch ms. */
  at: Float64Array;
  /** Life the connection's previous access token still had then, ms (negative: it had expired). */
  headroomMs: Float64Array;
  /** Index into `clients` of the client_id that sent it (one per broker replica). */
  client: Uint8Array;
}

export interface FakeStats extends FakeCounters {
  clients: string[];
  /** Per connection, the generation of the one refresh token the endpoint accepts now. */
  generations: Int32Array;
  log: RefreshLog;
}

interface RawStats extends FakeCounters {
  clients: string[];
  generations: string;
  log: { length: number; index: string; at: string; headroomMs: string; client: string };
}

function decode<T>(base64: string, View: new (buffer: ArrayBuffer) => T): T {
  const bytes = Buffer.from(base64, 'base64');
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return new View(copy);
}

export class FakeSipgate {
  constructor(
    readonly url: string,
    /** Its process, for its CPU time. */
    readonly pid: number,
  ) {}

  async reset(connections: number): Promise<void> {
    const response = await fetch(`${this.url}/__reset?connections=${connections}`, { method: 'POST' });
    if (!response.ok) throw new Error(`resetting the fake token endpoint answered ${response.status}`);
    await response.arrayBuffer();
  }

  async counters(): Promise<FakeCounters & { clients: string[] }> {
    const response = await fetch(`${this.url}/__stats?log=0`);
    if (!response.ok) throw new Error(`the fake token endpoint's stats answered ${response.status}`);
    return (await response.json()) as FakeCounters & { clients: string[] };
  }

  async stats(): Promise<FakeStats> {
    const raw = await this.raw();
    return {
      ...raw,
      generations: decode(raw.generations, Int32Array),
      log: {
        length: raw.log.length,
        index: decode(raw.log.index, Int32Array),
        at: decode(raw.log.at, Float64Array),
        headroomMs: decode(raw.log.headroomMs, Float64Array),
        client: decode(raw.log.client, Uint8Array),
      },
    };
  }

  private async raw(): Promise<RawStats> {
    const response = await fetch(`${this.url}/__stats`);
    if (!response.ok) throw new Error(`the fake token endpoint's stats answered ${response.status}`);
    return (await response.json()) as RawStats;
  }
}
