import type { DocumentDeps } from './deps';
import type { EventType } from './wire-types';

/** Appends one entry to a task's history (getRequestHistory). Call inside the transaction that changes state. */
export function recordEvent(
  deps: DocumentDeps,
  service: string,
  requestId: string,
  taskId: string,
  type: EventType,
  data?: string,
  at: Date = deps.clock.now(),
): void {
  deps.store.insertEvent({
    service,
    requestId,
    taskId,
    type,
    time: at.toISOString(),
    data: data ?? null,
  });
}
