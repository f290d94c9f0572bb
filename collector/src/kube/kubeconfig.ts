import { KubeConfig } from '@kubernetes/client-node';

export interface UrlKubeConfigOptions {
  /** Bearer token sent with every request. Default 'test-token' (the test server accepts any). */
  token?: string;
  /** Default namespace of the context. */
  namespace?: string;
  /**
   * Skip TLS verification. Default true: client-node refuses plain `http://` servers without it, and
   * this helper is for local test servers and `--server`-style overrides, not for production clusters.
   */
  skipTLSVerify?: boolean;
}

/** A KubeConfig with one context pointing at `url` with a bearer token, instead of a kubeconfig file. */
export function kubeConfigForUrl(url: string, options: UrlKubeConfigOptions = {}): KubeConfig {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`API server URL must be http or https, got ${JSON.stringify(url)}`);
  }
  // client-node appends request paths to `server` verbatim, so a trailing slash would give `//api/...`.
  const server = url.replace(/\/+$/, '');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'cluster', server, skipTLSVerify: options.skipTLSVerify ?? true }],
    users: [{ name: 'user', token: options.token ?? 'test-token' }],
    contexts: [{ name: 'context', cluster: 'cluster', user: 'user', namespace: options.namespace }],
    currentContext: 'context',
  });
  return kubeConfig;
}
