/** Where a Temporal frontend is and how to reach it: a local dev server, a cluster, or Temporal Cloud. */
export interface TemporalEndpoint {
  address: string;
  tls?: boolean;
  /** Temporal Cloud API key; the SDK sends it as `Authorization: Bearer`. */
  apiKey?: string;
}

/** The connection options both the client's Connection and the worker's NativeConnection take. */
export function temporalConnectionOptions(t: TemporalEndpoint): {
  address: string;
  tls?: true;
  apiKey?: string;
} {
  return {
    address: t.address,
    ...(t.tls || t.apiKey ? { tls: true as const } : {}),
    ...(t.apiKey ? { apiKey: t.apiKey } : {}),
  };
}
