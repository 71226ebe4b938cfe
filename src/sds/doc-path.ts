/** The service name in a `/doc/{service}/…` path, or undefined for other paths. */
export function docPathService(url: string | undefined): string | undefined {
  const m = /^\/doc\/([^/?#]+)/.exec(url ?? '');
  return m ? decodeURIComponent(m[1] as string) : undefined;
}
