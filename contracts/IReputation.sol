// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IReputation
 * @notice Each producer org's reputation as a beta reputation (Josang and Ismail, 2002): the
 * expectation (r + a) / (r + s + a + b) of positive evidence r (its indicators confirmed by other
 * members' detectors) and negative evidence s (reported false positives), with a prior (a, b).
 *
 * Members report once per epoch per producer, in one transaction for all producers; a report
 * can be amended while its epoch lasts. Each report's counts are weighted by the reporter's own
 * reputation when submitted. An epoch's evidence counts once the epoch has closed, after the
 * evidence of earlier epochs has been multiplied by the forgetting factor once per epoch.
 * All values are fixed point with 18 decimals (1e18 = 1).
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
    }

    struct SubmittedReport {
        uint32 confirmations;
        uint32 falsePositives;
        bool exists;
        /// The reporter's reputation when it submitted: the weight of its counts.
        uint256 weight;
    }

    error ReputationNotActiveMember(address account);
    error ReputationNotGovernance(address account);
    error ReputationSelfReport(bytes32 orgId);
    error ReputationUnknownMember(bytes32 orgId);
    error ReputationDuplicateReport(bytes32 producer);
    error ReputationCountTooLarge(bytes32 producer, uint256 count, uint256 limit);
    error ReputationInvalidReportCount(uint256 count, uint256 limit);
    error ReputationInvalidParameters(string field);

    event ReportSubmitted(
        uint64 indexed epoch,
        bytes32 indexed reporter,
        bytes32 indexed producer,
        uint32 confirmations,
        uint32 falsePositives,
        uint256 weight,
        bool amended
    );
    event EvidenceSettled(bytes32 indexed producer, uint64 indexed epoch, uint256 positive, uint256 negative, uint256 reputation);
    event ParametersChanged(uint64 fromEpoch, uint64 epochLength, uint256 priorPositive, uint256 priorNegative, uint256 forgetting);

    /**
     * @notice Submits, or amends, the caller org's reports on producers for the current epoch.
     *
     * Requirements:
     * - the caller is the wallet of an active member;
     * - 1 to 256 reports, each about a different org that was admitted, never the caller's own;
     * - each count is at most 1,000,000.
     */
    function submitReports(Report[] calldata reports) external;

    /**
     * @notice Sets the epoch length, the prior and the forgetting factor. A new epoch length
     * starts counting from the current epoch.
     *
     * Requirements:
     * - the caller is governance (the registry, executing a Call proposal);
     * - epoch length at least 60 s; priors positive and at most 1,000 (1e21); 0 < forgetting <= 1e18.
     */
    function setParameters(Parameters calldata parameters) external;

    function parameters() external view returns (Parameters memory);
    function currentEpoch() external view returns (uint64);
    /// @notice Unix time at which the current epoch ends.
    function epochEndsAt() external view returns (uint64);
    /// @notice An org's reputation now (evidence of closed epochs only) and the evidence behind it.
    function reputationOf(bytes32 orgId) external view returns (uint256 reputation, uint256 positive, uint256 negative);
    function submittedReport(bytes32 reporter, bytes32 producer, uint64 epoch) external view returns (SubmittedReport memory);
}
