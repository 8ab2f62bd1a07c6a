// GraphQL documents typed from schema.graphql (gql.tada): a schema change that breaks a query
// breaks `npm run build`. Custom scalars travel as JSON: DateTime as an ISO 8601 string, Decimal
// (money) as an exact decimal string.
import { initGraphQLTada } from "gql.tada";
import type { introspection } from "./graphql-env.d.ts";

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string; Decimal: string; JSON: unknown };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from "gql.tada";
export { readFragment } from "gql.tada";
