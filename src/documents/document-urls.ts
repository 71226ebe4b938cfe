/** The addresses a client downloads a task's documents from (CONTRACT.md §4.1). */
export function orderDocumentUrl(
  publicBaseUrl: string,
  service: string,
  requestId: string,
  taskId: string,
  documentId: string,
  which: 'original' | 'sdo',
): string {
  const parts = [service, 'order', requestId, taskId, documentId, which].map(encodeURIComponent);
  return `${publicBaseUrl}/doc/${parts.join('/')}`;
}

/** The address of an archived document (CONTRACT.md §3): also what `result-uri` names once archived. */
export function archiveDocumentUrl(publicBaseUrl: string, service: string, archiveId: string): string {
  return `${publicBaseUrl}/doc/${encodeURIComponent(service)}/archive/${encodeURIComponent(archiveId)}`;
}
