/** One Postgres channel carries every kind of change; subscribers filter by `kind`. */
export const CHANGE_CHANNEL = 'broker_changes';

export const CHANGE_KINDS = ['api_key', 'connection'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** "Row `id` of `kind` changed": receivers re-read what they cached, the notice carries no data. */
export interface ChangeNotice {
  kind: ChangeKind;
  id: string;
}

export function encodeNotice(notice: ChangeNotice): string {
  return JSON.stringify({ kind: notice.kind, id: notice.id });
}

/** Anything else on the channel (another version's format, a manual NOTIFY) is ignored, not trusted. */
export function decodeNotice(payload: string | undefined): ChangeNotice | undefined {
  if (!payload) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { kind, id } = value as Record<string, unknown>;
  if (!CHANGE_KINDS.includes(kind as ChangeKind) || typeof id !== 'string' || !id) return undefined;
  return { kind: kind as ChangeKind, id };
}
