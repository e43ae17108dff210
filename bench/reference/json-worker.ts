/** The JSON ceiling: read the body, answer constant JSON. The cost of a request through workerd itself. */
export default {
  async fetch(request: Request): Promise<Response> {
    await request.arrayBuffer();
    return Response.json({ status: "ok" });
  },
} satisfies ExportedHandler;
