import type { DocumentDeps } from './deps';
import { expireDueTasks } from './expire-tasks';

export type ArtifactTarget = { requestId: string; taskId: string } | { userSessionId: string };

/**
 * Redeems an artifact for the portal: it must belong to the service, be unused and younger than its
 * lifetime, and its task must still be waiting (not disabled, expired or in a deleted request). A
 * second use fails, as does a late one.
 */
export async function consumeArtifact(
  deps: DocumentDeps,
  service: string,
  artifact: string,
): Promise<ArtifactTarget | undefined> {
  expireDueTasks(deps);
  // Durable before it answers: a used artifact must stay used after a crash.
  return deps.store.commit(() => {
    const row = deps.store.artifact(artifact);
    const now = deps.clock.now().toISOString();
    if (!row || row.service !== service || row.usedAt !== null || row.expiresAt <= now) return undefined;
    if (!deps.store.useArtifact(artifact, now)) return undefined;
    if (row.userSessionId) return { userSessionId: row.userSessionId };
    if (!row.requestId || !row.taskId) return undefined;
    const request = deps.store.request(service, row.requestId);
    const task = request && !request.deletedAt ? deps.store.task(request.id, row.taskId) : undefined;
    if (task?.status !== 'created') return undefined;
    return { requestId: row.requestId, taskId: row.taskId };
  });
}
