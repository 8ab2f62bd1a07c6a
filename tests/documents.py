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


CREATE_ENDPOINT = """mutation($input: CreateEndpointInput!) { createEndpoint(input: $input) {
  endpoint { id name model config connection { id name } } userErrors { field code message } } }"""


CREATE_WORKSPACE = """mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) {
  workspace { id name defaultConnection { name } effectiveConnection { name } } userErrors { field code message } } }"""


async def create_endpoint(admin, **fields) -> dict:
    data = (await admin(CREATE_ENDPOINT, {"input": fields}))["createEndpoint"]
    assert data["userErrors"] == [], data["userErrors"]
    return data["endpoint"]


async def create_workspace(admin, **fields) -> dict:
    data = (await admin(CREATE_WORKSPACE, {"input": fields}))["createWorkspace"]
    assert data["userErrors"] == [], data["userErrors"]
    return data["workspace"]


async def two_connections_with_dependents(admin, fake):
    server = fake("OLLAMA", models=["llama3", "qwen"])
    a = await create(admin, name="a", provider="OLLAMA", baseUrl=server.url, isDefault=True)
    b = await create(admin, name="b", provider="OLLAMA", baseUrl=server.url)
    ep = await create_endpoint(
        admin, name="chat", connectionId=a["id"], model="llama3", config={"temperature": 0.2}
    )
    ws = await create_workspace(admin, name="research", defaultConnectionId=a["id"])
    return a, b, ep, ws


MODELS_KEY = "sk-S3CR3T-models-key-0001"


MODELS = """query($filter: ModelFilter, $first: Int, $after: String) {
  models(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id modelId enabled offerings { upstreamId source connection { name } } } } }"""


REFRESH = """mutation($id: ID) { refreshModels(connectionId: $id) {
  results { ok status message modelCount fetchedAt connection { name modelsError } }
  userErrors { field code message } } }"""


async def list_catalog(admin, **filter_) -> list[dict]:
    return (await admin(MODELS, {"filter": filter_ or None, "first": 100}))["models"]["nodes"]


SET_MODEL = """mutation($id: ID!, $enabled: Boolean!) { setModelEnabled(id: $id, enabled: $enabled) {
  model { modelId enabled } userErrors { field code message } } }"""


PERSONAL_KEY = "sk-S3CR3T-personal-0001"


async def create_personal(member, name="mine", **extra) -> dict:
    return await create(
        member,
        name=name,
        provider="OPENAI_COMPATIBLE",
        baseUrl="https://llm.example.com/v1",
        apiKey=PERSONAL_KEY,
        **extra,
    )


def provider_fields(provider: str, server, key: str, **extra) -> dict:
    """createConnection input for a fake of `provider`, with what that provider needs."""
    fields = {
        "name": f"{provider.lower()}-fake",
        "provider": provider,
        "baseUrl": server.url,
        **extra,
    }
    if provider == "VERTEX_AI":
        fields.update(
            serviceAccountJson=server.service_account_json(),
            config={"projectId": "fake-project", "region": "us-central1"},
        )
    elif provider == "AZURE_OPENAI":
        fields.update(apiKey=key, config={"apiVersion": "2024-10-21"})
    elif provider != "OLLAMA":
        fields["apiKey"] = key
    return fields
