/**
 * The one-read ceiling: parse `{"client_id"}`, make one D1 point read of that client's row in the active
 * feature set (the same table and primary key credit-edge reads), answer it as JSON. Nothing else: no auth,
 * no validation, no model. What credit-edge's single-item requests are compared with.
 */
const POINT_READ = `SELECT v.client_id, v.hash_hi, v.hash_lo, v.packed
  FROM active_feature_sets a JOIN client_vectors v ON v.feature_set_id = a.feature_set_id AND v.client_id = ?
  LIMIT 1`;

function base64(bytes: ArrayBuffer | number[]): string {
  const array = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : Uint8Array.from(bytes);
  let text = "";
  for (let i = 0; i < array.length; i++) text += String.fromCharCode(array[i]!);
  return btoa(text);
}

export default {
  async fetch(request: Request, env: { DB: D1Database }): Promise<Response> {
    const { client_id } = (await request.json()) as { client_id: number };
    const row = await env.DB.prepare(POINT_READ)
      .bind(client_id)
      .first<{ client_id: number; hash_hi: number; hash_lo: number; packed: ArrayBuffer | number[] }>();
    if (!row) return Response.json({ error: "not found" }, { status: 404 });
    return Response.json({ ...row, packed: base64(row.packed) });
  },
} satisfies ExportedHandler<{ DB: D1Database }>;
