import autocannon from "autocannon";

export interface LoadResult {
  connections: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and non-2xx answers together. */
  errors: number;
  /** Answers by HTTP status, e.g. {"200": 5371, "503": 1}. */
  statuses: Record<string, number>;
  timeouts: number;
}

/**
 * `connections` concurrent keep-alive connections POSTing for `seconds`; `nextRequest` gives each
 * request's body and API key, so clients and keys rotate.
 */
export async function load(
  url: string,
  connections: number,
  seconds: number,
  nextRequest: () => { body: string; key: string },
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: "POST",
        setupRequest: (request) => {
          const { body, key } = nextRequest();
          return {
            ...request,
            body,
            headers: {
              ...request.headers,
              "content-type": "application/json",
              authorization: `Bearer ${key}`,
            },
          };
        },
      },
    ],
  });
  return {
    connections,
    seconds,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([s, v]) => [s, v.count])),
    timeouts: result.timeouts,
  };
}
