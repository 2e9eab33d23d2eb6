// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IConsortiumRegistry} from "./IConsortiumRegistry.sol";
import {IReputation} from "./IReputation.sol";
import {ConsortiumMember} from "./utils/ConsortiumMember.sol";

/**
 * @title Reputation
 * @notice Beta reputation of the consortium's producers, fed by the members' epoch reports.
 * @dev Evidence is settled lazily: a producer's record holds its evidence settled up to the
 * start of `epoch` and the (weighted) evidence reported during `epoch`; any later touch folds
 * them forward. Views compute the same folding without writing, so reading costs no gas and
 * every value is the same whether or not anyone touched the record. A TypeScript reference
 * (node/src/trust/beta-reputation.ts) implements the same integer arithmetic and is checked
 * against this contract on random inputs.
 */
contract Reputation is IReputation, ConsortiumMember {
    uint256 private constant WAD = 1e18;
    uint256 private constant MAX_REPORTS = 256;
    uint256 private constant MAX_COUNT = 1_000_000;
    /// Bound on settled evidence, so that no product can overflow whatever the parameters.
    uint256 private constant MAX_EVIDENCE = 1e12 * WAD;
    uint256 private constant MAX_PRIOR = 1000 * WAD;

    struct Evidence {
        uint256 positive;
        uint256 negative;
        uint256 pendingPositive;
        uint256 pendingNegative;
        uint64 epoch;
    }

    Parameters private _parameters;
    uint64 private _epochOffset;
    uint64 private _epochOrigin;
    mapping(bytes32 orgId => Evidence) private _evidence;
    mapping(bytes32 reporter => mapping(bytes32 producer => mapping(uint64 epoch => SubmittedReport))) private _reports;

    /// Requirements: as for setParameters, except the caller.
    constructor(IConsortiumRegistry registry_, Parameters memory initial) ConsortiumMember(registry_) {
        _requireValid(initial);
        _parameters = initial;
        _epochOrigin = uint64(block.timestamp);
        emit ParametersChanged(0, initial.epochLength, initial.priorPositive, initial.priorNegative, initial.forgetting);
    }

    /// @inheritdoc IReputation
    function submitReports(Report[] calldata reports) external {
        bytes32 reporter = _callerActiveOrg();
        if (reporter == bytes32(0)) revert ReputationNotActiveMember(msg.sender);
        if (reports.length == 0 || reports.length > MAX_REPORTS) revert ReputationInvalidReportCount(reports.length, MAX_REPORTS);
        uint64 epoch = currentEpoch();
        (uint256 weight, , ) = reputationOf(reporter);
        for (uint256 i = 0; i < reports.length; i++) {
            Report calldata report = reports[i];
            bytes32 producer = report.producer;
            if (producer == reporter) revert ReputationSelfReport(producer);
            if (!_isKnownMember(producer)) revert ReputationUnknownMember(producer);
            uint256 largest = Math.max(report.confirmations, report.falsePositives);
            if (largest > MAX_COUNT) revert ReputationCountTooLarge(producer, largest, MAX_COUNT);
            for (uint256 j = 0; j < i; j++) if (reports[j].producer == producer) revert ReputationDuplicateReport(producer);

            Evidence storage evidence = _settle(producer, epoch);
            SubmittedReport storage previous = _reports[reporter][producer][epoch];
            bool amended = previous.exists;
            if (amended) {
                evidence.pendingPositive -= uint256(previous.confirmations) * previous.weight;
                evidence.pendingNegative -= uint256(previous.falsePositives) * previous.weight;
            }
            evidence.pendingPositive += uint256(report.confirmations) * weight;
            evidence.pendingNegative += uint256(report.falsePositives) * weight;
            _reports[reporter][producer][epoch] = SubmittedReport(report.confirmations, report.falsePositives, true, weight);
            emit ReportSubmitted(epoch, reporter, producer, report.confirmations, report.falsePositives, weight, amended);
        }
    }

    /// @inheritdoc IReputation
    function setParameters(Parameters calldata parameters_) external {
        if (!_isGovernance(msg.sender)) revert ReputationNotGovernance(msg.sender);
        _requireValid(parameters_);
        uint64 epoch = currentEpoch();
        if (parameters_.epochLength != _parameters.epochLength) {
            // The current epoch starts over with the new length; numbering goes on from it.
            _epochOffset = epoch;
            _epochOrigin = uint64(block.timestamp);
        }
        _parameters = parameters_;
        emit ParametersChanged(epoch, parameters_.epochLength, parameters_.priorPositive, parameters_.priorNegative, parameters_.forgetting);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IReputation
    function parameters() external view returns (Parameters memory) {
        return _parameters;
    }

    /// @inheritdoc IReputation
    function currentEpoch() public view returns (uint64) {
        return _epochOffset + (uint64(block.timestamp) - _epochOrigin) / _parameters.epochLength;
    }

    /// @inheritdoc IReputation
    function epochEndsAt() external view returns (uint64) {
        uint64 length = _parameters.epochLength;
        return _epochOrigin + ((uint64(block.timestamp) - _epochOrigin) / length + 1) * length;
    }

    /// @inheritdoc IReputation
    function reputationOf(bytes32 orgId) public view returns (uint256 reputation, uint256 positive, uint256 negative) {
        (positive, negative) = _folded(_evidence[orgId], currentEpoch());
        reputation = _expectation(positive, negative);
    }

    /// @inheritdoc IReputation
    function submittedReport(bytes32 reporter, bytes32 producer, uint64 epoch) external view returns (SubmittedReport memory) {
        return _reports[reporter][producer][epoch];
    }

    // ---------------------------------------------------------------- internals

    /// Folds the producer's evidence forward to the start of `epoch`, recording it.
    function _settle(bytes32 producer, uint64 epoch) private returns (Evidence storage evidence) {
        evidence = _evidence[producer];
        if (evidence.epoch == epoch) return evidence;
        bool hadEvidence = evidence.positive | evidence.negative | evidence.pendingPositive | evidence.pendingNegative != 0;
        (uint256 positive, uint256 negative) = _folded(evidence, epoch);
        evidence.positive = positive;
        evidence.negative = negative;
        evidence.pendingPositive = 0;
        evidence.pendingNegative = 0;
        evidence.epoch = epoch;
        if (hadEvidence) emit EvidenceSettled(producer, epoch, positive, negative, _expectation(positive, negative));
    }

    /// Evidence settled at the start of `epoch`: the recorded epoch's pending evidence added after
    /// one forgetting step, then one more forgetting step per epoch without evidence.
    function _folded(Evidence storage evidence, uint64 epoch) private view returns (uint256 positive, uint256 negative) {
        positive = evidence.positive;
        negative = evidence.negative;
        if (evidence.epoch >= epoch) return (positive, negative);
        uint256 forgetting = _parameters.forgetting;
        positive = Math.min((positive * forgetting) / WAD + evidence.pendingPositive, MAX_EVIDENCE);
        negative = Math.min((negative * forgetting) / WAD + evidence.pendingNegative, MAX_EVIDENCE);
        uint64 gap = epoch - evidence.epoch - 1;
        if (gap > 0 && forgetting < WAD) {
            uint256 factor = _power(forgetting, gap);
            positive = (positive * factor) / WAD;
            negative = (negative * factor) / WAD;
        }
    }

    function _expectation(uint256 positive, uint256 negative) private view returns (uint256) {
        uint256 a = _parameters.priorPositive;
        return ((positive + a) * WAD) / (positive + negative + a + _parameters.priorNegative);
    }

    /// base^exponent in fixed point, by squaring.
    function _power(uint256 base, uint64 exponent) private pure returns (uint256 result) {
        result = WAD;
        while (exponent > 0 && result > 0) {
            if (exponent & 1 == 1) result = (result * base) / WAD;
            base = (base * base) / WAD;
            exponent >>= 1;
        }
    }

    function _requireValid(Parameters memory p) private pure {
        if (p.epochLength < 60) revert ReputationInvalidParameters("epochLength");
        if (p.priorPositive == 0 || p.priorPositive > MAX_PRIOR) revert ReputationInvalidParameters("priorPositive");
        if (p.priorNegative == 0 || p.priorNegative > MAX_PRIOR) revert ReputationInvalidParameters("priorNegative");
        if (p.forgetting == 0 || p.forgetting > WAD) revert ReputationInvalidParameters("forgetting");
    }
}
