import type { DocumentDeps } from './deps';

/**
 * A single-sign-on artifact for the portal URL (`&artifact=`): random, single use, valid for
 * `artifactTtlMs` (30 seconds, as Signicat's). Call inside the caller's transaction.
 */
export function issueArtifact(
  deps: DocumentDeps,
  service: string,
  target: { requestId: string; taskId: string } | { userSessionId: string },
): string {
  const artifact = deps.ids.artifact();
  const now = deps.clock.now();
  deps.store.purgeArtifacts(now.toISOString());
  deps.store.insertArtifact({
    artifact,
    service,
    requestId: 'requestId' in target ? target.requestId : null,
    taskId: 'taskId' in target ? target.taskId : null,
    userSessionId: 'userSessionId' in target ? target.userSessionId : null,
    expiresAt: new Date(now.getTime() + deps.artifactTtlMs).toISOString(),
    usedAt: null,
  });
  return artifact;
}
