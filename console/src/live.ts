// Live views: a subscription over graphql-transport-ws at /graphql that says "something changed,
// reload". The first message is the current state and is not a change; a lost socket reconnects
// with backoff; a refused token signs the console out.
import { print } from "@0no-co/graphql.web";
import type { TadaDocumentNode } from "gql.tada";
import { SESSION_ENDED, session } from "./api";

export function onChange<Result>(document: TadaDocumentNode<Result, Record<string, never>>, changed: () => void): () => void {
  let socket: WebSocket | null = null;
  let stopped = false;
  let delay = 1000;
  let first: string | null = null;

  const send = (message: object) => socket?.send(JSON.stringify(message));
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/graphql`, "graphql-transport-ws");
    socket.onopen = () => send({ type: "connection_init", payload: { Authorization: `Bearer ${session.token() ?? ""}` } });
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data));
      if (message.type === "connection_ack") {
        delay = 1000;
        send({ type: "subscribe", id: "live", payload: { query: print(document) } });
      } else if (message.type === "ping") {
        send({ type: "pong" });
      } else if (message.type === "next") {
        const value = JSON.stringify(message.payload?.data);
        if (first === null) first = value;
        else if (value !== first) changed();
      }
    };
    socket.onclose = (event) => {
      if (stopped) return;
      if (event.code === 4401) {
        session.signOut(SESSION_ENDED);
        return;
      }
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 30_000);
    };
  };
  open();
  return () => {
    stopped = true;
    socket?.close(1000);
  };
}
