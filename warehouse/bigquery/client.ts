import { BigQuery, type BigQueryOptions } from "@google-cloud/bigquery";
import { PassThroughClient } from "google-auth-library";
import type { BigQuerySettings } from "../config.ts";

/**
 * The endpoint of a local BigQuery stand-in, if one is configured: `apiEndpoint`, or the client's own
 * BIGQUERY_EMULATOR_HOST. Only plain http counts: Google's endpoints (and any proxy in front of them) are
 * https, and credentials must never travel over plain http anyway.
 */
function localEndpoint(settings: BigQuerySettings): string | undefined {
  const endpoint = settings.apiEndpoint ?? process.env.BIGQUERY_EMULATOR_HOST;
  return endpoint?.startsWith("http://") ? endpoint : undefined;
}

/**
 * A client for the settings. In production: Google's endpoint and Application Default Credentials.
 *
 * Against a local server, `apiEndpoint` alone is not enough: the client still asks google-auth-library to
 * authorize every request, which looks for ADC and ends at the GCE metadata server, i.e. the network.
 * A PassThroughClient (google-auth-library's client for emulators) authorizes with no headers at all.
 */
export function createBigQueryClient(settings: BigQuerySettings): BigQuery {
  const local = localEndpoint(settings);
  const options: BigQueryOptions = {
    projectId: settings.projectId,
    ...(settings.location ? { location: settings.location } : {}),
    ...(settings.apiEndpoint ? { apiEndpoint: settings.apiEndpoint } : {}),
    ...(local ? { authClient: new PassThroughClient() } : {}),
  };
  return new BigQuery(options);
}
