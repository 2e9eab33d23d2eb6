import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Absent, ErrorNote, Section, TableHead, dateTime, short } from "../format.js";
import { useLoad } from "../hooks.js";
import type { GovernanceOverview } from "../types.js";

/**
 * M-of-N proposals on the registry, each with what it will do. On the node of an admin who gave
 * it their key, open proposals get an approve button and ready ones an execute button; the
 * contract decides. Stale, cancelled and expired proposals have no button: they can never run.
 */
export function GovernanceView() {
  const overview = useLoad((signal) => api<GovernanceOverview>("/governance/proposals", { signal }), [], 15_000);
  const [busy, setBusy] = useState<number | undefined>(undefined);
  const [actionError, setActionError] = useState<Error | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const o = overview.data;

  const act = async (id: number, verb: "approve" | "execute") => {
    setBusy(id);
    setActionError(undefined);
    setDone(undefined);
    try {
      await api(`/governance/proposals/${id}/${verb}`, { method: "POST" });
      setDone(`proposal ${id} ${verb === "approve" ? "approved" : "executed"}`);
      overview.reload();
    } catch (err) {
      setActionError(err as Error);
    } finally {
      setBusy(undefined);
    }
  };

  const canAct = o?.admin?.isAdmin === true;
  return (
    <div class="view">
      <ErrorNote error={overview.error ?? actionError} />
      {done && (
        <p class="done" role="status">
          {done}
        </p>
      )}
      {o && (
        <p data-testid="admin-note">
          {o.threshold} of {o.admins.length} admins approve a change.{" "}
          {o.admin === null
            ? "This node holds no admin key (governance.adminKeyFile): proposals are shown read-only; admins approve with `cti governance approve`."
            : o.admin.isAdmin
              ? `This node acts for admin ${short(o.admin.address, 8)}.`
              : `This node's key ${short(o.admin.address, 8)} is not an admin on the registry: read-only.`}
        </p>
      )}
      <Section title="Proposals">
        {o && o.proposals.length === 0 && <Absent>No proposal on the registry yet.</Absent>}
        {o && o.proposals.length > 0 && (
          <table data-testid="proposals">
            <TableHead columns={["id", "kind", "what it does", "proposer", "approvals", "state", "valid through", ...(canAct ? [""] : [])]} />
            <tbody>
              {o.proposals.map((p) => (
                <tr key={p.id} data-proposal={p.id}>
                  <td>{p.id}</td>
                  <td>{p.kind}</td>
                  {/* Decoded from the proposal's data: a Call shows its contract, function and arguments, so nobody approves blind. */}
                  <td class="small" data-testid="action">
                    {p.action}
                  </td>
                  <td class="mono small">{short(p.proposer, 8)}</td>
                  <td class="num" data-testid="approvals">
                    {p.approvals} / {p.threshold}
                  </td>
                  <td>
                    <span class={`badge state-${p.state}`} data-testid="state">
                      {p.state}
                    </span>
                  </td>
                  <td class="small">{dateTime(Date.parse(p.expiresAt))}</td>
                  {canAct && (
                    <td>
                      {p.state === "open" && !p.approvedByMe && (
                        <button disabled={busy !== undefined} onClick={() => act(p.id, "approve")}>
                          approve
                        </button>
                      )}
                      {p.state === "open" && p.approvedByMe && <span class="small">approved by you</span>}
                      {p.state === "ready" && (
                        <button disabled={busy !== undefined} onClick={() => act(p.id, "execute")}>
                          execute
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
