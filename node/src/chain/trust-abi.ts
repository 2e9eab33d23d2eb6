/**
 * The Reputation and AuditTrail ABIs the node uses, checked against the compiled contracts by a
 * test, with their errors so that a refused transaction names its reason.
 */

const PARAMETERS = "tuple(uint64 epochLength, uint256 priorPositive, uint256 priorNegative, uint256 forgetting)";
const SUBMITTED = "tuple(uint32 confirmations, uint32 falsePositives, bool exists, uint256 weight)";
const ANCHOR = "tuple(bytes32 root, uint64 firstSequence, uint64 lastSequence, uint64 anchoredAt, uint64 blockNumber)";

export const REPUTATION_ABI = [
  "function submitReports(tuple(bytes32 producer, uint32 confirmations, uint32 falsePositives)[] reports)",
  `function setParameters(${PARAMETERS} parameters)`,
  `function parameters() view returns (${PARAMETERS})`,
  "function currentEpoch() view returns (uint64)",
  "function epochEndsAt() view returns (uint64)",
  "function reputationOf(bytes32 orgId) view returns (uint256 reputation, uint256 positive, uint256 negative)",
  `function submittedReport(bytes32 reporter, bytes32 producer, uint64 epoch) view returns (${SUBMITTED})`,
  "event ReportSubmitted(uint64 indexed epoch, bytes32 indexed reporter, bytes32 indexed producer, uint32 confirmations, uint32 falsePositives, uint256 weight, bool amended)",
  "event EvidenceSettled(bytes32 indexed producer, uint64 indexed epoch, uint256 positive, uint256 negative, uint256 reputation)",
  "event ParametersChanged(uint64 fromEpoch, uint64 epochLength, uint256 priorPositive, uint256 priorNegative, uint256 forgetting)",
  "error ReputationNotActiveMember(address account)",
  "error ReputationNotGovernance(address account)",
  "error ReputationSelfReport(bytes32 orgId)",
  "error ReputationUnknownMember(bytes32 orgId)",
  "error ReputationDuplicateReport(bytes32 producer)",
  "error ReputationCountTooLarge(bytes32 producer, uint256 count, uint256 limit)",
  "error ReputationInvalidReportCount(uint256 count, uint256 limit)",
  "error ReputationInvalidParameters(string field)",
] as const;

export const AUDIT_TRAIL_ABI = [
  "function anchor(bytes32 root, uint64 firstSequence, uint64 lastSequence) returns (uint256)",
  "function anchorCount(bytes32 orgId) view returns (uint256)",
  `function getAnchor(bytes32 orgId, uint256 index) view returns (${ANCHOR})`,
  `function anchorOf(bytes32 orgId, uint64 sequence) view returns (uint256 index, ${ANCHOR} anchor)`,
  "function nextSequence(bytes32 orgId) view returns (uint64)",
  "event BatchesAnchored(bytes32 indexed orgId, uint256 indexed index, bytes32 root, uint64 firstSequence, uint64 lastSequence)",
  "error AuditTrailNotMember(address account)",
  "error AuditTrailEmptyRoot()",
  "error AuditTrailSequenceGap(bytes32 orgId, uint64 expected, uint64 firstSequence)",
  "error AuditTrailInvalidRange(uint64 firstSequence, uint64 lastSequence)",
  "error AuditTrailUnknownAnchor(bytes32 orgId, uint256 index)",
  "error AuditTrailSequenceNotAnchored(bytes32 orgId, uint64 sequence)",
] as const;

type Tx = Promise<import("ethers").ContractTransactionResponse>;

export interface RawParameters {
  epochLength: bigint;
  priorPositive: bigint;
  priorNegative: bigint;
  forgetting: bigint;
}

export interface RawAnchor {
  root: string;
  firstSequence: bigint;
  lastSequence: bigint;
  anchoredAt: bigint;
  blockNumber: bigint;
}

type At = { blockTag?: number };

export interface ReputationMethods {
  submitReports(reports: Array<{ producer: string; confirmations: number; falsePositives: number }>): Tx;
  parameters(at?: At): Promise<RawParameters>;
  currentEpoch(at?: At): Promise<bigint>;
  epochEndsAt(at?: At): Promise<bigint>;
  reputationOf(orgId: string, at?: At): Promise<[bigint, bigint, bigint]>;
  submittedReport(reporter: string, producer: string, epoch: number): Promise<{ confirmations: bigint; falsePositives: bigint; weight: bigint; exists: boolean }>;
}

export interface AuditTrailMethods {
  anchor(root: string, firstSequence: number, lastSequence: number): Tx;
  getAnchor(orgId: string, index: number): Promise<RawAnchor>;
  anchorOf(orgId: string, sequence: number): Promise<[bigint, RawAnchor]>;
  nextSequence(orgId: string): Promise<bigint>;
}
