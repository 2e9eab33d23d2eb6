// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IReputation
 * @notice Each producer org's reputation as a beta reputation (Josang and Ismail, 2002): the
 * expectation (r + a) / (r + s + a + b) of positive evidence r (its indicators confirmed by other
 * members' detectors) and negative evidence s (reported false positives), with a prior (a, b).
 *
 * Members report once per epoch per producer, in one transaction for many producers; a report can
 * be amended while its epoch lasts. A report's weight is bounded by evidence, not by what the
 * reporter says (docs/trust.md states the attack model and the bound):
 * - its counts are capped by what the producer anchored (AuditTrail indicators, ever) and by what
 *   the reporter could have observed and told (its sightings anchored since the previous epoch
 *   began), keeping their ratio;
 * - the capped counts n carry at most `maxReportEvidence` of evidence, scaled by the reporter's
 *   credibility and by n / (n + halfEvidenceCount): a report of a million false positives weighs
 *   no more than `maxReportEvidence` times the reporter's credibility;
 * - credibility is the reporter's own (1 by default, set by governance), apart from its
 *   reputation as a producer;
 * - governance can void a member's reports of an epoch, and anyone can void the reports a member
 *   made in the epoch in which it was suspended or removed.
 * An epoch's evidence counts once the epoch has closed, after the evidence of earlier epochs has
 * been multiplied by the forgetting factor in force in each epoch. All values are fixed point
 * with 18 decimals (1e18 = 1).
 */
interface IReputation {
    struct Report {
        bytes32 producer;
        /// Distinct indicators of `producer` the reporter's detectors confirmed this epoch.
        uint32 confirmations;
        /// Distinct indicators of `producer` the reporter found to be false positives this epoch.
        uint32 falsePositives;
    }

    struct Parameters {
        /// Seconds per epoch.
        uint64 epochLength;
        /// Prior positive evidence a (1e18 = one confirmation).
        uint256 priorPositive;
        /// Prior negative evidence b.
        uint256 priorNegative;
        /// Forgetting factor applied to past evidence once per epoch, in (0, 1e18].
        uint256 forgetting;
        /// Most evidence one report adds, whatever its counts (1e18 = one confirmation's worth).
        uint256 maxReportEvidence;
        /// Capped counts at which a report carries half of maxReportEvidence.
        uint64 halfEvidenceCount;
    }

    struct SubmittedReport {
        /// The counts as they counted, after the caps.
        uint32 confirmations;
        uint32 falsePositives;
        /// The evidence the report added (1e18 = one confirmation).
        uint96 positive;
        uint96 negative;
        /// The reporter's credibility when it submitted.
        uint64 credibility;
        bool exists;
        bool voided;
    }

    error ReputationNotActiveMember(address account);
    error ReputationNotGovernance(address account);
    error ReputationSelfReport(bytes32 orgId);
    error ReputationUnknownMember(bytes32 orgId);
    error ReputationDuplicateReport(bytes32 producer);
    error ReputationUnsortedReports(uint256 index);
    error ReputationCountTooLarge(bytes32 producer, uint256 count, uint256 limit);
    error ReputationInvalidReportCount(uint256 count, uint256 limit);
    error ReputationInvalidParameters(string field);
    error ReputationInvalidCredibility(uint256 credibility);
    error ReputationReportVoided(bytes32 reporter, bytes32 producer, uint64 epoch);
    error ReputationReporterStillActive(bytes32 reporter);
    error ReputationNotSuspendedInEpoch(bytes32 reporter, uint64 epoch);
    error ReputationEpochUnknown(uint64 timestamp);
    error ReputationZeroAddress(string field);

    event ReportSubmitted(
        uint64 indexed epoch,
        bytes32 indexed reporter,
        bytes32 indexed producer,
        uint32 confirmations,
        uint32 falsePositives,
        uint256 positive,
        uint256 negative,
        bool amended
    );
    /// A report's counts were cut by the caps (what the producer anchored, what the reporter sighted).
    event ReportCapped(uint64 indexed epoch, bytes32 indexed reporter, bytes32 indexed producer, uint32 claimedConfirmations, uint32 claimedFalsePositives, uint64 cap);
    /// A report was voided; `positive` and `negative` are the evidence taken away, as it stood then.
    event ReportVoided(uint64 indexed epoch, bytes32 indexed reporter, bytes32 indexed producer, uint256 positive, uint256 negative, bool byGovernance);
    event CredibilityChanged(bytes32 indexed orgId, uint256 credibility);
    event EvidenceSettled(bytes32 indexed producer, uint64 indexed epoch, uint256 positive, uint256 negative, uint256 reputation);
    event ParametersChanged(
        uint64 fromEpoch,
        uint64 epochLength,
        uint256 priorPositive,
        uint256 priorNegative,
        uint256 forgetting,
        uint256 maxReportEvidence,
        uint64 halfEvidenceCount
    );

    /**
     * @notice Submits, or amends, the caller org's reports on producers for the current epoch.
     *
     * Requirements:
     * - the caller is the wallet of an active member;
     * - 1 to 256 reports, in strictly increasing order of producer, each about an org that was
     *   admitted, never the caller's own, none voided;
     * - each count is at most 1,000,000.
     */
    function submitReports(Report[] calldata reports) external;

    /**
     * @notice Takes back the evidence `reporter`'s reports of `epoch` added about `producers`,
     * whether that epoch has closed or not. Producers without a report, or whose report is
     * voided already, are skipped.
     *
     * Requirements:
     * - the caller is governance (the registry, executing a Call proposal).
     */
    function voidReports(bytes32 reporter, uint64 epoch, bytes32[] calldata producers) external;

    /**
     * @notice Takes back the reports a member made in the epoch during which it was suspended or
     * removed: anyone may call it (every node does when it sees the suspension).
     *
     * Requirements:
     * - `reporter` is not active, and its status changed during `epoch`.
     */
    function discountReports(bytes32 reporter, uint64 epoch, bytes32[] calldata producers) external;

    /**
     * @notice Sets how much a member's reports weigh, 0 to 1e18.
     *
     * Requirements:
     * - the caller is governance; `credibility` <= 1e18.
     */
    function setCredibility(bytes32 orgId, uint256 credibility) external;

    /**
     * @notice Sets the epoch length, the prior, the forgetting factor and the bound on a report's
     * evidence. A new epoch length starts counting from the current epoch; a new forgetting factor
     * applies from the close of the current epoch on, never to epochs already closed.
     *
     * Requirements:
     * - the caller is governance (the registry, executing a Call proposal);
     * - epoch length at least 60 s; priors positive and at most 1,000 (1e21); 0 < forgetting <= 1e18;
     *   0 < maxReportEvidence <= 100 (1e20); 1 <= halfEvidenceCount <= 1,000,000.
     */
    function setParameters(Parameters calldata parameters) external;

    function parameters() external view returns (Parameters memory);
    function currentEpoch() external view returns (uint64);
    /// @notice Unix time at which the current epoch ends.
    function epochEndsAt() external view returns (uint64);
    /// @notice An org's reputation now (evidence of closed epochs only) and the evidence behind it.
    function reputationOf(bytes32 orgId) external view returns (uint256 reputation, uint256 positive, uint256 negative);
    /// @notice How much an org's reports weigh, 0 to 1e18.
    function credibilityOf(bytes32 orgId) external view returns (uint256);
    function submittedReport(bytes32 reporter, bytes32 producer, uint64 epoch) external view returns (SubmittedReport memory);
    /// @notice The forgetting factor in force during `epoch`.
    function forgettingAt(uint64 epoch) external view returns (uint256);
}
