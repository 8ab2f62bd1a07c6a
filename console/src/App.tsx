import { useEffect, useState } from "preact/hooks";
import { RequestFailed, request, session } from "./api";
import { Connections } from "./ConnectionsPage";
import { graphql, type ResultOf } from "./graphql";
import { Audit } from "./AuditPage";
import { Endpoints } from "./EndpointsPage";
import { Models } from "./ModelsPage";
import { Settings } from "./SettingsPage";
import { Tokens } from "./TokensPage";
import { Workspaces } from "./WorkspacesPage";

const VIEWER = graphql(`
  query ConsoleViewer { viewer { name role } }
`);

type Viewer = ResultOf<typeof VIEWER>["viewer"];

const PAGES = [
  ["#/connections", "Connections", false],
  ["#/models", "Models", false],
  ["#/endpoints", "Endpoints", false],
  ["#/workspaces", "Workspaces", false],
  ["#/usage", "Usage", false],
  ["#/tokens", "Tokens", false],
  ["#/audit", "Audit log", true], // admins only
  ["#/settings", "Settings", true],
] as const;

/** The page is the URL's fragment (#/tokens): links work, and so do back and reload. */
function useHashPage(): string {
  const known = (hash: string) => (PAGES.some(([path]) => path === hash) ? hash : PAGES[0][0]);
  const [page, setPage] = useState(known(location.hash));
  useEffect(() => {
    const follow = () => setPage(known(location.hash));
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  return page;
}

export function App() {
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [notice, setNotice] = useState("");
  const [checking, setChecking] = useState(session.token() !== null);
  const page = useHashPage();

  useEffect(() => {
    session.whenSignedOut((message) => {
      setViewer(null);
      setNotice(message);
    });
    if (session.token() === null) return;
    request(VIEWER)
      .then((data) => setViewer(data.viewer))
      .catch(() => {})
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <p class="loading">Loading…</p>;
  if (viewer === null) {
    const signedIn = (who: Viewer) => {
      setNotice("");
      setViewer(who);
    };
    return <SignIn notice={notice} onSignedIn={signedIn} />;
  }
  if (viewer.role === "CALLER") return <CallerOnly viewer={viewer} />;
  return (
    <div class="shell">
      <header class="top">
        <span class="brand">Switchboard</span>
        <nav aria-label="Console">
          {PAGES.filter(([, , adminOnly]) => !adminOnly || viewer.role === "ADMIN").map(([path, name]) => (
            <a key={path} href={path} aria-current={page === path ? "page" : undefined}>
              {name}
            </a>
          ))}
        </nav>
        <span class="who">
          {viewer.name} ({viewer.role.toLowerCase()})
        </span>
        <button type="button" onClick={() => session.signOut()}>
          Sign out
        </button>
      </header>
      <main>
        {page === "#/usage" ? (
          <UsageLoaded />
        ) : page === "#/workspaces" ? (
          <Workspaces admin={viewer.role === "ADMIN"} />
        ) : page === "#/audit" && viewer.role === "ADMIN" ? (
          <Audit />
        ) : page === "#/endpoints" ? (
          <Endpoints admin={viewer.role === "ADMIN"} />
        ) : page === "#/models" ? (
          <Models admin={viewer.role === "ADMIN"} />
        ) : page === "#/tokens" ? (
          <Tokens admin={viewer.role === "ADMIN"} />
        ) : page === "#/settings" && viewer.role === "ADMIN" ? (
          <Settings />
        ) : (
          <Connections viewer={viewer} />
        )}
      </main>
    </div>
  );
}

/** The usage page and its chart library load when first opened, not with the console. */
function UsageLoaded() {
  const [Page, setPage] = useState<(() => preact.JSX.Element) | null>(null);
  useEffect(() => {
    import("./UsagePage").then((module) => setPage(() => module.Usage));
  }, []);
  return Page ? <Page /> : <p class="loading">Loading…</p>;
}

function SignIn(props: { notice: string; onSignedIn: (viewer: Viewer) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      const data = await request(VIEWER, {}, token.trim());
      session.signIn(token.trim());
      props.onSignedIn(data.viewer);
    } catch (failure) {
      const unauthenticated = failure instanceof RequestFailed && failure.status === 401;
      setError(unauthenticated ? "That token is not valid (unknown, revoked or expired)." : String(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in">
      <h1>Sign in to Switchboard</h1>
      {props.notice && <p role="status">{props.notice}</p>}
      <form onSubmit={submit}>
        <label for="token">Token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          placeholder="swb_…"
          required
        />
        <p class="hint">
          Paste a Switchboard token (the admin token <code>make run</code> printed, or one from{" "}
          <code>python -m app.cli create-token</code>). It is kept for this browser tab only.
        </p>
        {error && <p role="alert">{error}</p>}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function CallerOnly(props: { viewer: Viewer }) {
  const base = `${location.origin}/v1`;
  return (
    <main class="sign-in">
      <h1>This token can only call models</h1>
      <p>
        {props.viewer.name}'s token is a CALLER token: an application's key for the gateway. Use it as
        the API key with base URL <code>{base}</code>; it cannot manage Switchboard.
      </p>
      <button type="button" onClick={() => session.signOut()}>
        Sign out
      </button>
    </main>
  );
}
