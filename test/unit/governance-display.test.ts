import { expect } from "chai";
import { decodeCall } from "../../node/src/chain/call-decoding.js";
import { proposalState } from "../../node/src/chain/proposals.js";
import { credibilityCall, reputationParametersCall, voidReportsCall } from "../../node/src/chain/reputation.js";
import { sectorMemberCall } from "../../node/src/chain/sharing-groups.js";

const REPUTATION = "0x00000000000000000000000000000000000000aa";
const GROUPS = "0x00000000000000000000000000000000000000bb";
const known = { reputationAddress: REPUTATION, groupsAddress: GROUPS };
const WAD = 10n ** 18n;

/** What an admin is shown before approving: a Call proposal decoded, and a state that expires when the contract says. */
describe("governance proposals as shown to admins", function () {
  it("decodes a Call proposal to the consortium's contracts into function and arguments, fixed point as decimals, org ids as text", function () {
    const parameters = decodeCall(REPUTATION, reputationParametersCall({ epochLength: 86_400n, priorPositive: WAD, priorNegative: 2n * WAD, forgetting: (8n * WAD) / 10n, maxReportEvidence: 4n * WAD, halfEvidenceCount: 10n }), known);
    expect(parameters).to.deep.include({ contract: "Reputation", function: "setParameters" });
    expect(parameters.args).to.deep.equal({ epochLength: "86400", priorPositive: "1.0", priorNegative: "2.0", forgetting: "0.8", maxReportEvidence: "4.0", halfEvidenceCount: "10" });
    expect(decodeCall(REPUTATION, credibilityCall("liar-org", WAD / 4n), known).summary).to.equal("Reputation.setCredibility(orgId=liar-org, credibility=0.25)");
    expect(decodeCall(REPUTATION, voidReportsCall("liar-org", 41, ["victim-org"]), known).args).to.deep.equal({ reporter: "liar-org", epoch: "41", producers: "[victim-org]" });
    expect(decodeCall(GROUPS, sectorMemberCall(3, "county-clinic", "remove"), known).summary).to.equal("SharingGroups.removeGroupMember(groupId=3, orgId=county-clinic)");
  });

  it("says when it cannot decode a call, and when the target is not the contract whose function it looks like", function () {
    const unknown = decodeCall(REPUTATION, "0xdeadbeef00", known);
    expect(unknown.function).to.equal(undefined);
    expect(unknown.summary).to.match(/not decoded \(selector 0xdeadbeef\)/);
    // The Reputation ABI decodes it, but the target is not the deployment's Reputation contract: marked with "?".
    const elsewhere = decodeCall("0x00000000000000000000000000000000000000cc", credibilityCall("x-org", WAD), known);
    expect(elsewhere.contract).to.equal(undefined);
    expect(elsewhere.summary).to.match(/^Reputation\?\.setCredibility/);
  });

  it("keeps a proposal valid through the whole second its expiry names, as the contract does, and names every state", function () {
    const base = { executed: false, cancelled: false, expiresAtMs: 1_000_000_000, stale: false, approvals: 1n, threshold: 2n };
    expect(proposalState(base, 1_000_000_000)).to.equal("open");
    expect(proposalState(base, 1_000_000_999)).to.equal("open");
    expect(proposalState(base, 1_000_001_000)).to.equal("expired");
    expect(proposalState({ ...base, approvals: 2n }, 0)).to.equal("ready");
    expect(proposalState({ ...base, approvals: 3n }, 0)).to.equal("ready");
    expect(proposalState({ ...base, approvals: 2n, stale: true }, 0)).to.equal("stale");
    expect(proposalState({ ...base, cancelled: true }, 0)).to.equal("cancelled");
    expect(proposalState({ ...base, executed: true, cancelled: true }, 2_000_000_000)).to.equal("executed");
    expect(proposalState({ ...base, cancelled: true }, 2_000_000_000)).to.equal("cancelled");
  });
});
