"""GraphQL documents the API tests share, written as a client would write them."""

CONNECTION_FIELDS = """
  id name description provider authMethod baseUrl config apiKeyHint
  customHeaders { name valueHint } prefixId modelIds tags enabled isDefault
  owner { name } createdAt updatedAt credentialsUpdatedAt version
"""

CREATE = f"""
mutation Create($input: CreateConnectionInput!) {{
  createConnection(input: $input) {{
    connection {{ {CONNECTION_FIELDS} }}
    userErrors {{ field code message }}
  }}
}}"""

UPDATE = f"""
mutation Update($id: ID!, $input: UpdateConnectionInput!) {{
  updateConnection(id: $id, input: $input) {{
    connection {{ {CONNECTION_FIELDS} }}
    userErrors {{ field code message }}
  }}
}}"""

SET_DEFAULT = """
mutation SetDefault($id: ID!) {
  setDefaultConnection(id: $id) { connection { id isDefault version } userErrors { field code message } }
}"""

SET_ENABLED = """
mutation SetEnabled($id: ID!, $enabled: Boolean!) {
  setConnectionEnabled(id: $id, enabled: $enabled) {
    connection { id enabled version } userErrors { field code message }
  }
}"""

DELETE = """
mutation Delete($id: ID!) {
  deleteConnection(id: $id) { deletedId userErrors { field code message } }
}"""

LIST = """
query List($filter: ConnectionFilter, $orderBy: ConnectionOrder, $first: Int, $after: String,
           $last: Int, $before: String) {
  connections(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last,
              before: $before) {
    totalCount
    edges { cursor node { id name provider enabled isDefault tags } }
    nodes { name }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

GET = f"""
query Get($id: ID, $name: String) {{ connection(id: $id, name: $name) {{ {CONNECTION_FIELDS} }} }}
"""


async def create(client, **fields):
    """Create a connection and return it; fail the test on userErrors."""
    data = await client(CREATE, {"input": fields})
    payload = data["createConnection"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["connection"]
