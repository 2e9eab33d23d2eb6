/**
 * The Reputation and AuditTrail ABIs the node uses, checked against the compiled contracts by a
 * test, with their errors so that a refused transaction names its reason.
 */

const PARAMETERS = "tuple(uint64 epochLength, uint256 priorPositive, uint256 priorNegative, uint256 forgetting, uint256 maxReportEvidence, uint64 halfEvidenceCount)";
const SUBMITTED = "tuple(uint32 confirmations, uint32 falsePositives, uint96 positive, uint96 negative, uint64 credibility, bool exists, bool voided)";
const ANCHOR =
  "tuple(bytes32 root, uint64 firstSequence, uint64 lastSequence, uint64 anchoredAt, uint64 blockNumber, uint64 indicatorCount, uint64 sightingCount, uint64 cumulativeIndicators, uint64 cumulativeSightings)";

export const REPUTATION_ABI = [
  "function submitReports(tuple(bytes32 producer, uint32 confirmations, uint32 falsePositives)[] reports)",
  "function voidReports(bytes32 reporter, uint64 epoch, bytes32[] producers)",
  "function discountReports(bytes32 reporter, uint64 epoch, bytes32[] producers)",
  "function setCredibility(bytes32 orgId, uint256 credibility)",
  `function setParameters(${PARAMETERS} parameters)`,
  `function parameters() view returns (${PARAMETERS})`,
  "function currentEpoch() view returns (uint64)",
  "function epochEndsAt() view returns (uint64)",
  "function reputationOf(bytes32 orgId) view returns (uint256 reputation, uint256 positive, uint256 negative)",
  "function credibilityOf(bytes32 orgId) view returns (uint256)",
  `function submittedReport(bytes32 reporter, bytes32 producer, uint64 epoch) view returns (${SUBMITTED})`,
  "function forgettingAt(uint64 epoch) view returns (uint256)",
  "event ReportSubmitted(uint64 indexed epoch, bytes32 indexed reporter, bytes32 indexed producer, uint32 confirmations, uint32 falsePositives, uint256 positive, uint256 negative, bool amended)",
  "event ReportCapped(uint64 indexed epoch, bytes32 indexed reporter, bytes32 indexed producer, uint32 claimedConfirmations, uint32 claimedFalsePositives, uint64 cap)",
  "event ReportVoided(uint64 indexed epoch, bytes32 indexed reporter, bytes32 indexed producer, uint256 positive, uint256 negative, bool byGovernance)",
  "event CredibilityChanged(bytes32 indexed orgId, uint256 credibility)",
  "event EvidenceSettled(bytes32 indexed producer, uint64 indexed epoch, uint256 positive, uint256 negative, uint256 reputation)",
  "event ParametersChanged(uint64 fromEpoch, uint64 epochLength, uint256 priorPositive, uint256 priorNegative, uint256 forgetting, uint256 maxReportEvidence, uint64 halfEvidenceCount)",
  "error ReputationNotActiveMember(address account)",
  "error ReputationNotGovernance(address account)",
  "error ReputationSelfReport(bytes32 orgId)",
  "error ReputationUnknownMember(bytes32 orgId)",
  "error ReputationDuplicateReport(bytes32 producer)",
  "error ReputationUnsortedReports(uint256 index)",
  "error ReputationCountTooLarge(bytes32 producer, uint256 count, uint256 limit)",
  "error ReputationInvalidReportCount(uint256 count, uint256 limit)",
  "error ReputationInvalidParameters(string field)",
  "error ReputationInvalidCredibility(uint256 credibility)",
  "error ReputationReportVoided(bytes32 reporter, bytes32 producer, uint64 epoch)",
  "error ReputationReporterStillActive(bytes32 reporter)",
  "error ReputationNotSuspendedInEpoch(bytes32 reporter, uint64 epoch)",
  "error ReputationEpochUnknown(uint64 timestamp)",
  "error ReputationZeroAddress(string field)",
] as const;

export const AUDIT_TRAIL_ABI = [
  "function anchor(bytes32 root, uint64 firstSequence, uint64 lastSequence, uint64 indicatorCount, uint64 sightingCount) returns (uint256)",
  "function anchorCount(bytes32 orgId) view returns (uint256)",
  `function getAnchor(bytes32 orgId, uint256 index) view returns (${ANCHOR})`,
  `function anchorOf(bytes32 orgId, uint64 sequence) view returns (uint256 index, ${ANCHOR} anchor)`,
  "function nextSequence(bytes32 orgId) view returns (uint64)",
  "function anchoredVolume(bytes32 orgId) view returns (uint64 indicators, uint64 sightings)",
  "function sightingsAnchoredSince(bytes32 orgId, uint64 since) view returns (uint64)",
  "event BatchesAnchored(bytes32 indexed orgId, uint256 indexed index, bytes32 root, uint64 firstSequence, uint64 lastSequence, uint64 indicatorCount, uint64 sightingCount)",
  "error AuditTrailNotMember(address account)",
  "error AuditTrailEmptyRoot()",
  "error AuditTrailSequenceGap(bytes32 orgId, uint64 expected, uint64 firstSequence)",
  "error AuditTrailInvalidRange(uint64 firstSequence, uint64 lastSequence)",
  "error AuditTrailInvalidCounts(uint64 indicatorCount, uint64 sightingCount)",
  "error AuditTrailUnknownAnchor(bytes32 orgId, uint256 index)",
  "error AuditTrailSequenceNotAnchored(bytes32 orgId, uint64 sequence)",
] as const;

type Tx = Promise<import("ethers").ContractTransactionResponse>;

export interface RawParameters {
  epochLength: bigint;
  priorPositive: bigint;
  priorNegative: bigint;
  forgetting: bigint;
  maxReportEvidence: bigint;
  halfEvidenceCount: bigint;
}

export interface RawAnchor {
  root: string;
  firstSequence: bigint;
  lastSequence: bigint;
  anchoredAt: bigint;
  blockNumber: bigint;
  indicatorCount: bigint;
  sightingCount: bigint;
}

type At = { blockTag?: number };

export interface ReputationMethods {
  submitReports: ((reports: Array<{ producer: string; confirmations: number; falsePositives: number }>, overrides?: { gasLimit?: bigint }) => Tx) & {
    estimateGas(reports: Array<{ producer: string; confirmations: number; falsePositives: number }>): Promise<bigint>;
  };
  discountReports(reporter: string, epoch: number, producers: string[]): Tx;
  parameters(at?: At): Promise<RawParameters>;
  currentEpoch(at?: At): Promise<bigint>;
  epochEndsAt(at?: At): Promise<bigint>;
  reputationOf(orgId: string, at?: At): Promise<[bigint, bigint, bigint]>;
  submittedReport(reporter: string, producer: string, epoch: number): Promise<{ confirmations: bigint; falsePositives: bigint; positive: bigint; negative: bigint; credibility: bigint; exists: boolean; voided: boolean }>;
  credibilityOf(orgId: string, at?: At): Promise<bigint>;
}

export interface AuditTrailMethods {
  anchor(root: string, firstSequence: number, lastSequence: number, indicatorCount: number, sightingCount: number): Tx;
  anchoredVolume(orgId: string): Promise<[bigint, bigint]>;
  getAnchor(orgId: string, index: number): Promise<RawAnchor>;
  anchorOf(orgId: string, sequence: number): Promise<[bigint, RawAnchor]>;
  nextSequence(orgId: string): Promise<bigint>;
}
