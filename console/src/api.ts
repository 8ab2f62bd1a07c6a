// Every request the console makes: POST /graphql with the signed-in token. The token lives in
// sessionStorage only (never a URL or localStorage), and a 401 anywhere signs the console out.
import { print } from "@0no-co/graphql.web";
import type { TadaDocumentNode } from "gql.tada";

const TOKEN_KEY = "switchboard.token";
export const SESSION_ENDED = "Your session ended: the token is no longer valid. Sign in again.";

export interface UserError {
  field: string[] | null;
  code: string;
  message: string;
}

/** A request that failed as a whole: the server's message, never a stack or a secret. */
export class RequestFailed extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}

type SignedOut = (message: string) => void;
let onSignedOut: SignedOut = () => {};

export const session = {
  token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  signIn(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  signOut(message = ""): void {
    sessionStorage.removeItem(TOKEN_KEY);
    onSignedOut(message);
  },
  whenSignedOut(handler: SignedOut): void {
    onSignedOut = handler;
  },
};

export async function request<Result, Variables>(
  document: TadaDocumentNode<Result, Variables>,
  variables?: Variables,
  token: string | null = session.token(),
): Promise<Result> {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token ?? ""}` },
    body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
  });
  const body = await response.json().catch(() => ({}));
  const first = body?.errors?.[0];
  if (response.status === 401) {
    session.signOut(SESSION_ENDED);
    throw new RequestFailed(first?.message ?? "Not signed in.", "UNAUTHENTICATED", 401);
  }
  if (first) {
    throw new RequestFailed(first.message, first.extensions?.code ?? "ERROR", response.status);
  }
  return body.data as Result;
}
