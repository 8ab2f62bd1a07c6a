// Mounts GraphiQL against this server. Paste your token into the Headers tab once: GraphiQL
// keeps the headers in this browser's local storage, so the token survives a reload. The
// schema (docs explorer, completion) is fetched again as soon as a token is typed.
(function () {
  var PLACEHOLDER = "PASTE-YOUR-TOKEN-HERE";
  var TABS = "graphiql:tabState";
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));

  function token(headersText) {
    try {
      var parsed = JSON.parse(headersText || "{}");
      var value = parsed.Authorization || parsed.authorization || "";
      return value.indexOf(PLACEHOLDER) === -1 ? value : "";
    } catch (error) {
      return "";
    }
  }

  // GraphiQL 3 reopens the stored tab only when the query, variables and headers it is given
  // match that tab; given none, it adds an empty "<untitled>" tab on every reload. So: drop
  // such empty tabs left by earlier reloads, and hand GraphiQL the active tab's own contents.
  function storedTab() {
    try {
      var state = JSON.parse(window.localStorage.getItem(TABS));
      var kept = state.tabs.filter(function (tab) {
        return tab.query !== null || tab.variables !== null || tab.headers !== null;
      });
      if (!kept.length) return null;
      if (kept.length !== state.tabs.length) {
        var active = state.tabs[state.activeTabIndex];
        state.activeTabIndex = Math.max(0, kept.indexOf(active));
        state.tabs = kept;
        window.localStorage.setItem(TABS, JSON.stringify(state));
      }
      return state.tabs[state.activeTabIndex] || null;
    } catch (error) {
      return null;
    }
  }

  function newFetcher() {
    // A new fetcher is how GraphiQL is told to fetch the schema again.
    return GraphiQL.createFetcher({ url: window.location.origin + "/graphql" });
  }

  var tab = storedTab();
  var fetcher = newFetcher();
  var seen = token(tab && tab.headers);
  var settling = 0;
  var props = {
    defaultEditorToolsVisibility: "headers",
    shouldPersistHeaders: true,
    defaultHeaders: JSON.stringify({ Authorization: "Bearer " + PLACEHOLDER }, null, 2),
    defaultQuery:
      "# Switchboard: paste your token in the Headers tab below, then run.\n" +
      "{\n  viewer { name role }\n  connections(first: 10) {\n    totalCount\n" +
      "    nodes { id name provider baseUrl apiKeyHint enabled isDefault }\n  }\n}\n",
    onEditHeaders: function (headersText) {
      // Once typing or pasting has settled, not at every keystroke of a half-typed token.
      window.clearTimeout(settling);
      settling = window.setTimeout(function () {
        var now = token(headersText);
        if (now && now !== seen) {
          seen = now;
          fetcher = newFetcher();
          render();
        }
      }, 600);
    },
  };
  if (tab) {
    props.query = tab.query === null ? undefined : tab.query;
    props.variables = tab.variables === null ? undefined : tab.variables;
    props.headers = tab.headers === null ? undefined : tab.headers;
  }

  function render() {
    root.render(React.createElement(GraphiQL, Object.assign({ fetcher: fetcher }, props)));
  }

  render();
})();
