// Usage: requests, tokens, errors and latency over time, grouped by connection, model, endpoint
// or user, for one date range; totals per group with what they cost; each budget as a bar; the
// latest gateway calls. One request (and one for the budgets).
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { request } from "./api";
import { onChange } from "./live";
import { graphql, type ResultOf } from "./graphql";
import { BudgetBar, dollars, useBudgets } from "./Spend";

const USAGE_CHANGED = graphql(`
  subscription ConsoleUsageChanged { usageChanged }
`);

const USAGE = graphql(`
  query ConsoleUsage($series: [UsageDimension!]!, $totals: [UsageDimension!]!, $filter: UsageFilter!) {
    series: usage(groupBy: $series, filter: $filter) {
      hour day connectionName endpointName userName model requests errors inputTokens outputTokens
    }
    overall: usage(groupBy: [HOUR], filter: $filter) { hour requests latencyP50Ms latencyP95Ms }
    totals: usage(groupBy: $totals, filter: $filter) {
      connectionName endpointName userName model requests errors inputTokens outputTokens latencyP95Ms
      costUsd unpricedRequests
    }
    spend: usage(groupBy: [], filter: $filter) { costUsd unpricedRequests }
    gatewayCalls(filter: $filter, first: 20) {
      nodes { id at model status latencyMs inputTokens outputTokens costUsd }
    }
  }
`);

type Data = ResultOf<typeof USAGE>;
type Dimension = "CONNECTION" | "MODEL" | "ENDPOINT" | "USER";
type Bucket = Data["totals"][number];

const DIMENSIONS: [Dimension, string][] = [
  ["CONNECTION", "Connection"],
  ["MODEL", "Model"],
  ["ENDPOINT", "Endpoint"],
  ["USER", "User"],
];
const COLOURS = ["#1d5fd6", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d"];

function keyOf(bucket: Partial<Bucket>, by: Dimension): string {
  const value = { CONNECTION: bucket.connectionName, MODEL: bucket.model, ENDPOINT: bucket.endpointName, USER: bucket.userName }[by];
  return value ?? "(none)";
}

function local(date: Date): string {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

export function Usage() {
  const now = new Date();
  const [from, setFrom] = useState(local(new Date(now.getTime() - 24 * 3600_000)));
  const [to, setTo] = useState(""); // empty: up to now
  const [by, setBy] = useState<Dimension>("CONNECTION");
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState("");

  const budgets = useBudgets();
  const [changes, setChanges] = useState(0); // a gateway call recorded, seen live
  useEffect(() => onChange(USAGE_CHANGED, () => setChanges((n) => n + 1)), []);

  useEffect(() => {
    const filter = { from: new Date(from).toISOString(), to: to ? new Date(to).toISOString() : null };
    request(USAGE, { series: ["HOUR", by], totals: [by], filter }).then(
      (answer) => {
        setData(answer);
        setError("");
      },
      (failure) => setError(String(failure)),
    );
  }, [from, to, by, changes]);

  const hours = data ? [...new Set(data.series.map((b) => b.hour ?? ""))].filter(Boolean).sort() : [];
  const groups = data ? [...new Set(data.series.map((b) => keyOf(b, by)))].sort() : [];
  const x = hours.map((h) => new Date(h).getTime() / 1000);
  const per = (value: (b: Data["series"][number]) => number) =>
    groups.map((group) =>
      hours.map((hour) =>
        (data?.series ?? []).filter((b) => b.hour === hour && keyOf(b, by) === group).reduce((n, b) => n + value(b), 0),
      ),
    );
  const overall = new Map((data?.overall ?? []).map((b) => [b.hour ?? "", b]));
  const span: [number, number] = [new Date(from).getTime() / 1000, (to ? new Date(to).getTime() : Date.now()) / 1000];

  return (
    <section aria-labelledby="usage-heading">
      <h1 id="usage-heading">Usage</h1>
      <div class="toolbar">
        <label for="usage-from">From</label>
        <input id="usage-from" type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        <label for="usage-to">To</label>
        <input id="usage-to" type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        <label for="usage-by">Group by</label>
        <select id="usage-by" value={by} onChange={(e) => setBy(e.currentTarget.value as Dimension)}>
          {DIMENSIONS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {error && <p role="alert">{error}</p>}
      {budgets.length > 0 && (
        <section aria-labelledby="budgets-heading">
          <h2 id="budgets-heading">Budgets</h2>
          {budgets.map((b) => (
            <BudgetBar key={b.id} budget={b} />
          ))}
        </section>
      )}
      {data && (
        <>
          <p role="status" aria-label="Spend">
            Spend in this range: {dollars(data.spend[0]?.costUsd ?? "0")}
            {(data.spend[0]?.unpricedRequests ?? 0) > 0 && ` (${data.spend[0]?.unpricedRequests} unpriced call(s) not counted)`}
          </p>
          <div class="charts">
            <Chart title="Requests" span={span} x={x} series={per((b) => b.requests)} names={groups} />
            <Chart title="Tokens" span={span} x={x} series={per((b) => b.inputTokens + b.outputTokens)} names={groups} />
            <Chart title="Errors" span={span} x={x} series={per((b) => b.errors)} names={groups} />
            <Chart
              title="Latency (ms)"
              span={span}
              x={x}
              series={[hours.map((h) => overall.get(h)?.latencyP50Ms ?? 0), hours.map((h) => overall.get(h)?.latencyP95Ms ?? 0)]}
              names={["p50", "p95"]}
            />
          </div>
          <table>
            <caption>Totals by {by.toLowerCase()}</caption>
            <thead>
              <tr>
                <th scope="col">{DIMENSIONS.find(([d]) => d === by)?.[1]}</th>
                <th scope="col">Requests</th>
                <th scope="col">Errors</th>
                <th scope="col">Input tokens</th>
                <th scope="col">Output tokens</th>
                <th scope="col">p95 latency</th>
                <th scope="col">Cost</th>
                <th scope="col">Unpriced calls</th>
              </tr>
            </thead>
            <tbody>
              {data.totals.map((b) => (
                <tr key={keyOf(b, by)}>
                  <th scope="row">{keyOf(b, by)}</th>
                  <td>{b.requests}</td>
                  <td>{b.errors}</td>
                  <td>{b.inputTokens}</td>
                  <td>{b.outputTokens}</td>
                  <td>{b.latencyP95Ms === null ? "" : `${Math.round(b.latencyP95Ms)} ms`}</td>
                  <td>{b.costUsd === null ? "unpriced" : dollars(b.costUsd)}</td>
                  <td>{b.unpricedRequests}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table>
            <caption>Latest gateway calls</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Model</th>
                <th scope="col">Status</th>
                <th scope="col">Latency</th>
                <th scope="col">Tokens in / out</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {data.gatewayCalls.nodes.map((call) => (
                <tr key={call.id}>
                  <td>{new Date(call.at).toLocaleString()}</td>
                  <th scope="row">{call.model}</th>
                  <td>{call.status}</td>
                  <td>{call.latencyMs} ms</td>
                  <td>
                    {call.inputTokens} / {call.outputTokens}
                  </td>
                  <td>{call.costUsd === null ? "unpriced" : dollars(call.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** One uPlot chart; the totals table below carries the same numbers for screen readers. */
function Chart(props: { title: string; x: number[]; span: [number, number]; series: number[][]; names: string[] }) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const width = Math.max(280, Math.min(560, element.clientWidth || 560));
    const plot = new uPlot(
      {
        width,
        height: 200,
        series: [{}, ...props.names.map((name, i) => ({ label: name, stroke: COLOURS[i % COLOURS.length], width: 2 }))],
        axes: [{}, { size: 50 }],
        scales: { x: { time: true, range: () => props.span } },
        legend: { show: true },
      },
      [props.x, ...props.series] as uPlot.AlignedData,
      element,
    );
    return () => plot.destroy();
  }, [props.x, props.series, props.names, props.span]);
  const total = props.series.flat().reduce((a, b) => a + b, 0);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={holder} role="img" aria-label={`${props.title} over time: ${props.names.length} series, ${Math.round(total)} in all`} />
    </figure>
  );
}
