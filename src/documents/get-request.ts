import type { ServiceAccount } from '../auth/service-registry';
import type { DocumentDeps } from './deps';
import { loadRequest } from './load-request';
import { requestView } from './request-view';
import type { Request } from './wire-types';

/** getRequest: the request as stored, documents with their own subtype and data. */
export async function getRequest(
  deps: DocumentDeps,
  service: ServiceAccount,
  requestId: string | undefined,
): Promise<{ request: Request }> {
  const row = loadRequest(deps, service.name, requestId);
  return { request: await requestView(deps, row) };
}
