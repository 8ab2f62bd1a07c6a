// The organisation's switches, and which encryption keys protect how many secrets (read-only:
// keys are managed with `python -m app.cli keys`).
import { useEffect, useState } from "preact/hooks";
import { Switch } from "./controls";
import { request } from "./api";
import { graphql, type ResultOf } from "./graphql";

const SETTINGS = graphql(`
  query ConsoleSettings {
    settings { allowDirectConnections allowSecretReveal }
    encryptionKeys { keyId primary retired inKeyring secrets }
  }
`);

const UPDATE = graphql(`
  mutation ConsoleUpdateSettings($input: UpdateSettingsInput!) {
    updateSettings(input: $input) {
      settings { allowDirectConnections allowSecretReveal }
      userErrors { message }
    }
  }
`);

type Data = ResultOf<typeof SETTINGS>;
type Setting = keyof Data["settings"];

const SWITCHES: [Setting, string, string][] = [
  [
    "allowDirectConnections",
    "Members may add personal connections",
    "Off hides and stops using members' personal connections, without deleting them.",
  ],
  ["allowSecretReveal", "Admins may reveal stored keys", "Every reveal is audited."],
];

export function Settings() {
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState("");

  useEffect(() => {
    request(SETTINGS).then(setData, (failure) => setError(String(failure)));
  }, []);

  async function flip(name: Setting) {
    if (!data) return;
    const { updateSettings: done } = await request(UPDATE, { input: { [name]: !data.settings[name] } });
    setError(done.userErrors.map((e) => e.message).join("; "));
    if (done.settings) setData({ ...data, settings: done.settings });
  }

  return (
    <section aria-labelledby="settings-heading">
      <h1 id="settings-heading">Settings</h1>
      {error && <p role="alert">{error}</p>}
      {data && (
        <>
          <ul class="rows">
            {SWITCHES.map(([name, label, hint]) => (
              <li class="row" key={name}>
                <div>
                  <strong id={`${name}-label`}>{label}</strong>
                  <p class="hint">{hint}</p>
                </div>
                <div class="controls">
                  <Switch on={data.settings[name]} labelledBy={`${name}-label`} onFlip={() => flip(name)} />
                </div>
              </li>
            ))}
          </ul>
          <table>
            <caption>Encryption keys</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Protects</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {data.encryptionKeys.map((key) => (
                <tr key={key.keyId}>
                  <th scope="row">{key.keyId}</th>
                  <td>{key.secrets} secret(s)</td>
                  <td>
                    {[
                      key.primary && "primary",
                      key.retired && "retired",
                      !key.inKeyring && !key.retired && "missing from the keyring",
                    ]
                      .filter(Boolean)
                      .join(", ") || "readable"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="hint">
            Keys are added, re-wrapped and retired with <code>python -m app.cli keys</code>.
          </p>
        </>
      )}
    </section>
  );
}
