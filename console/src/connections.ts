// The connections page's one request, and the row actions (each answers with the row as it is
// now, so the page updates that row without asking again).
import { graphql, type ResultOf } from "./graphql";

export const ROW = graphql(`
  fragment ConnectionRow on LLMConnection {
    id name provider baseUrl apiKeyHint enabled isDefault version
    dependentCount lastUsedAt callsLast24Hours
    owner { name }
    lastVerification { status ok message checkedAt }
    health { state consecutiveFailures cooldownUntil lastError }
  }
`);

export const PAGE = graphql(
  `
  query ConsoleConnections($first: Int!, $after: String, $search: String) {
    providers { provider displayName }
    settings { allowSecretReveal allowDirectConnections }
    connections(first: $first, after: $after, filter: { search: $search }, orderBy: null) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...ConnectionRow }
    }
  }
`,
  [ROW],
);

export const PAYLOAD = graphql(
  `
  fragment RowPayload on ConnectionPayload {
    connection { ...ConnectionRow }
    verification { status ok message checkedAt }
    userErrors { field code message }
  }
`,
  [ROW],
);

export const SET_ENABLED = graphql(
  `
  mutation ConsoleSetEnabled($id: ID!, $enabled: Boolean!) {
    setConnectionEnabled(id: $id, enabled: $enabled) { ...RowPayload }
  }
`,
  [PAYLOAD],
);

export const SET_DEFAULT = graphql(
  `
  mutation ConsoleSetDefault($id: ID!) {
    setDefaultConnection(id: $id) { ...RowPayload }
  }
`,
  [PAYLOAD],
);

export const VERIFY = graphql(
  `
  mutation ConsoleVerify($id: ID!) {
    verifyConnection(id: $id) { ...RowPayload }
  }
`,
  [PAYLOAD],
);

export type Page = ResultOf<typeof PAGE>;

export const REVEAL = graphql(`
  mutation ConsoleReveal($id: ID!) {
    revealConnectionSecret(id: $id) { apiKey userErrors { message } }
  }
`);

export const CONNECTIONS_CHANGED = graphql(`
  subscription ConsoleConnectionsChanged { connectionsChanged }
`);
