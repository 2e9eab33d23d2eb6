import { createServer, type Server } from "node:http";

/**
 * A JSON-RPC endpoint that can go down: forwards to the real one, or, while `down`, drops every
 * request's connection, as a dead RPC node or a cut link would. Counts what reaches it.
 */
export async function startRpcProxy(target: string): Promise<{ url: string; setDown(down: boolean): void; requests: { up: number; down: number }; close(): Promise<void> }> {
  let down = false;
  const requests = { up: 0, down: 0 };
  const server: Server = createServer((req, res) => {
    if (down) {
      requests.down++;
      req.socket.destroy();
      return;
    }
    requests.up++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.concat(chunks) })
        .then(async (r) => {
          res.writeHead(r.status, { "content-type": "application/json" });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => req.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    setDown(value) {
      down = value;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
