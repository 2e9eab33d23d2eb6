/**
 * The node's dashboard: network, live indicator feed, indicator detail, intelligence (STIX
 * objects with their graph), drafts of reports to review, forecasts, response (requests and
 * enforcement feeds), reputation and governance, over the node's own HTTP API. Routes live in the URL's hash (#/feed,
 * #/indicator/<id>...), so a view can be bookmarked and the node serves one page.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, token } from "./api.js";
import { ErrorNote } from "./format.js";
import { FeedView, type FeedFilters } from "./views/feed.js";
import { GovernanceView } from "./views/governance.js";
import { IndicatorView } from "./views/indicator.js";
import { NetworkView } from "./views/network.js";
import { ReputationView } from "./views/reputation.js";
import { ObjectsView, type ObjectFilters } from "./views/objects.js";
import { ObjectView } from "./views/object.js";
import { ForecastView } from "./views/forecast.js";
import { DraftsView, DraftView } from "./views/drafts.js";
import { ResponseView } from "./views/response.js";
import "./style.css";

type Route =
  | { view: "network" }
  | { view: "feed" }
  | { view: "indicator"; id: string }
  | { view: "objects" }
  | { view: "object"; id: string }
  | { view: "drafts" }
  | { view: "draft"; id: string }
  | { view: "forecast" }
  | { view: "response" }
  | { view: "reputation" }
  | { view: "governance" };

const STIX_ID = /^[a-z0-9-]{1,250}--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function routeOf(hash: string): Route {
  const [, view, arg] = hash.replace(/^#/, "").split("/");
  if (view === "indicator" && arg && /^[0-9a-f]{64}$/.test(arg)) return { view: "indicator", id: arg };
  if (view === "object" && arg && STIX_ID.test(arg)) return { view: "object", id: arg };
  if (view === "draft" && arg && /^draft-[0-9a-f]{16}$/.test(arg)) return { view: "draft", id: arg };
  if (view === "feed" || view === "objects" || view === "drafts" || view === "forecast" || view === "response" || view === "reputation" || view === "governance") return { view };
  return { view: "network" };
}

const NAV: Array<[Route["view"], string]> = [
  ["network", "Network"],
  ["feed", "Indicators"],
  ["objects", "Intelligence"],
  ["drafts", "Drafts"],
  ["forecast", "Forecast"],
  ["response", "Response"],
  ["reputation", "Reputation"],
  ["governance", "Governance"],
];

/** Asks for the API token when the node wants one (bound beyond loopback). */
function Login(props: { refused: boolean; onToken: () => void }) {
  const [value, setValue] = useState("");
  return (
    <form
      class="login"
      data-testid="login"
      onSubmit={(e) => {
        e.preventDefault();
        token.set(value.trim());
        props.onToken();
      }}
    >
      <h2>This node asks for an API token</h2>
      <p>Paste a token from the node's <code>api.tokens</code>. It is kept in this tab only.</p>
      {props.refused && (
        <p class="error" role="alert">
          The node refused that token.
        </p>
      )}
      <input type="password" name="token" autoComplete="off" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      <button type="submit">Sign in</button>
    </form>
  );
}

function App() {
  const [route, setRoute] = useState<Route>(routeOf(location.hash));
  const [auth, setAuth] = useState<"checking" | "ok" | "needed" | "refused">("checking");
  const [org, setOrg] = useState<string>("");
  const [bootError, setBootError] = useState<Error | undefined>(undefined);
  const [filters, setFilters] = useState<FeedFilters>({ type: "", tlp: "", producer: "", minScore: "", tag: "" });
  const [objectFilters, setObjectFilters] = useState<ObjectFilters>({ type: "", text: "", tag: "" });

  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const check = () => {
    api<{ orgId: string }>("/status")
      .then((s) => {
        setOrg(s.orgId);
        setAuth("ok");
        setBootError(undefined);
      })
      .catch((err: Error) => {
        if (err instanceof ApiError && err.status === 401) {
          const hadToken = token.get() !== null;
          token.clear();
          setAuth(hadToken ? "refused" : "needed");
        } else setBootError(err);
      });
  };
  useEffect(check, []);

  if (bootError) return <ErrorNote error={bootError} />;
  if (auth === "checking") return <p class="boot">Connecting to the node…</p>;
  if (auth !== "ok") return <Login refused={auth === "refused"} onToken={check} />;

  const active = route.view === "indicator" ? "feed" : route.view === "object" ? "objects" : route.view === "draft" ? "drafts" : route.view;
  return (
    <>
      <nav>
        <span class="brand">
          CTI exchange · <strong data-testid="org">{org}</strong>
        </span>
        {NAV.map(([view, label]) => (
          <a key={view} href={`#/${view}`} class={active === view ? "active" : ""}>
            {label}
          </a>
        ))}
        {token.get() && (
          <button
            class="link"
            onClick={() => {
              token.clear();
              setAuth("needed");
            }}
          >
            sign out
          </button>
        )}
      </nav>
      <main>
        {route.view === "network" && <NetworkView />}
        {route.view === "feed" && <FeedView filters={filters} setFilters={setFilters} open={(id) => (location.hash = `#/indicator/${id}`)} />}
        {route.view === "indicator" && <IndicatorView id={route.id} />}
        {route.view === "objects" && <ObjectsView filters={objectFilters} setFilters={setObjectFilters} open={(id) => (location.hash = `#/object/${id}`)} />}
        {route.view === "object" && <ObjectView id={route.id} open={(id) => (location.hash = `#/object/${id}`)} />}
        {route.view === "drafts" && <DraftsView open={(id) => (location.hash = `#/draft/${id}`)} />}
        {route.view === "draft" && <DraftView id={route.id} openObject={(id) => (location.hash = `#/object/${id}`)} />}
        {route.view === "forecast" && <ForecastView openIndicator={(id) => (location.hash = `#/indicator/${id}`)} />}
        {route.view === "response" && <ResponseView org={org} />}
        {route.view === "reputation" && <ReputationView />}
        {route.view === "governance" && <GovernanceView />}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
