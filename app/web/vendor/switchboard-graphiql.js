// Mounts GraphiQL against this server. Paste your token into the Headers tab once;
// GraphiQL keeps it in this browser's local storage.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + "/graphql" });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: true,
      headers: JSON.stringify({ Authorization: "Bearer PASTE-YOUR-TOKEN-HERE" }, null, 2),
      defaultQuery:
        "# Switchboard: paste your token in the Headers tab below, then run.\n" +
        "{\n  viewer { name role }\n  connections(first: 10) {\n    totalCount\n" +
        "    nodes { id name provider baseUrl apiKeyHint enabled isDefault }\n  }\n}\n",
    })
  );
})();
