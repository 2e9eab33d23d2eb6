// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAuditTrail} from "./IAuditTrail.sol";
import {IConsortiumRegistry} from "./IConsortiumRegistry.sol";
import {IReputation} from "./IReputation.sol";
import {ConsortiumMember} from "./utils/ConsortiumMember.sol";

/**
 * @title Reputation
 * @notice Beta reputation of the consortium's producers, fed by the members' epoch reports, each
 * bounded by evidence (see IReputation and docs/trust.md).
 * @dev Evidence is settled lazily: a producer's record holds its evidence settled up to the
 * start of `epoch` and the evidence reported during `epoch`; any later touch folds them forward.
 * Folding applies, to each closed epoch, the forgetting factor that was in force during it (a
 * schedule of changes), so a record evolves alike whether or not anyone touched it, up to
 * fixed-point rounding (a few units of 1e-18). Views compute the same folding without writing.
 * A TypeScript reference (node/src/trust/beta-reputation.ts) implements the same integer
 * arithmetic and is checked against this contract on random inputs.
 */
contract Reputation is IReputation, ConsortiumMember {
    uint256 private constant WAD = 1e18;
    uint256 private constant MAX_REPORTS = 256;
    uint256 private constant MAX_COUNT = 1_000_000;
    /// Bound on settled evidence, so that no product can overflow whatever the parameters.
    uint256 private constant MAX_EVIDENCE = 1e12 * WAD;
    uint256 private constant MAX_PRIOR = 1000 * WAD;
    uint256 private constant MAX_REPORT_EVIDENCE = 100 * WAD;
    uint64 private constant MAX_HALF_EVIDENCE_COUNT = 1_000_000;

    struct Evidence {
        uint128 positive;
        uint128 negative;
        uint128 pendingPositive;
        uint128 pendingNegative;
        uint64 epoch;
    }

    /// The forgetting factor in force from `fromEpoch` on (until the next step).
    struct ForgettingStep {
        uint64 fromEpoch;
        uint64 forgetting;
    }

    IAuditTrail private immutable _audit;
    Parameters private _parameters;
    uint64 private _epochOffset;
    uint64 private _epochOrigin;
    ForgettingStep[] private _forgetting;
    mapping(bytes32 orgId => Evidence) private _evidence;
    mapping(bytes32 reporter => mapping(bytes32 producer => mapping(uint64 epoch => SubmittedReport))) private _reports;
    /// Credibility + 1; 0 stands for the default, 1e18.
    mapping(bytes32 orgId => uint256) private _credibility;

    modifier onlyGovernance() {
        if (!_isGovernance(msg.sender)) revert ReputationNotGovernance(msg.sender);
        _;
    }

    /// Requirements: `audit_` is not zero; `initial` as for setParameters, except the caller.
    constructor(IConsortiumRegistry registry_, IAuditTrail audit_, Parameters memory initial) ConsortiumMember(registry_) {
        if (address(audit_) == address(0)) revert ReputationZeroAddress("audit");
        _requireValid(initial);
        _audit = audit_;
        _parameters = initial;
        _epochOrigin = uint64(block.timestamp);
        _forgetting.push(ForgettingStep(0, uint64(initial.forgetting)));
        _emitParameters(0, initial);
    }

    /// @inheritdoc IReputation
    function submitReports(Report[] calldata reports) external {
        bytes32 reporter = _callerActiveOrg();
        if (reporter == bytes32(0)) revert ReputationNotActiveMember(msg.sender);
        if (reports.length == 0 || reports.length > MAX_REPORTS) revert ReputationInvalidReportCount(reports.length, MAX_REPORTS);
        uint64 epoch = currentEpoch();
        uint256 credibility = credibilityOf(reporter);
        // What the reporter could have seen and told: its sightings anchored since the previous epoch began.
        uint64 sighted = _audit.sightingsAnchoredSince(reporter, _previousEpochStart());
        bytes32 previousProducer;
        for (uint256 i = 0; i < reports.length; i++) {
            Report calldata report = reports[i];
            bytes32 producer = report.producer;
            // Sorted: duplicates are found in one pass, not in a quadratic loop.
            if (i > 0 && producer == previousProducer) revert ReputationDuplicateReport(producer);
            if (i > 0 && producer < previousProducer) revert ReputationUnsortedReports(i);
            previousProducer = producer;
            if (producer == reporter) revert ReputationSelfReport(producer);
            if (!_isKnownMember(producer)) revert ReputationUnknownMember(producer);
            uint256 largest = Math.max(report.confirmations, report.falsePositives);
            if (largest > MAX_COUNT) revert ReputationCountTooLarge(producer, largest, MAX_COUNT);
            _submit(epoch, reporter, report, credibility, sighted);
        }
    }

    /// @inheritdoc IReputation
    function voidReports(bytes32 reporter, uint64 epoch, bytes32[] calldata producers) external onlyGovernance {
        for (uint256 i = 0; i < producers.length; i++) _void(reporter, producers[i], epoch, true);
    }

    /// @inheritdoc IReputation
    function discountReports(bytes32 reporter, uint64 epoch, bytes32[] calldata producers) external {
        if (_registry.statusOf(reporter) == IConsortiumRegistry.MemberStatus.Active) revert ReputationReporterStillActive(reporter);
        if (_epochAt(_registry.statusSince(reporter)) != epoch) revert ReputationNotSuspendedInEpoch(reporter, epoch);
        for (uint256 i = 0; i < producers.length; i++) _void(reporter, producers[i], epoch, false);
    }

    /// @inheritdoc IReputation
    function setCredibility(bytes32 orgId, uint256 credibility) external onlyGovernance {
        if (credibility > WAD) revert ReputationInvalidCredibility(credibility);
        _credibility[orgId] = credibility + 1;
        emit CredibilityChanged(orgId, credibility);
    }

    /// @inheritdoc IReputation
    function setParameters(Parameters calldata parameters_) external onlyGovernance {
        _requireValid(parameters_);
        uint64 epoch = currentEpoch();
        if (parameters_.epochLength != _parameters.epochLength) {
            // The current epoch starts over with the new length; numbering goes on from it.
            _epochOffset = epoch;
            _epochOrigin = uint64(block.timestamp);
        }
        _parameters = parameters_;
        // The current epoch closes with the new factor; closed epochs keep the one they had.
        ForgettingStep storage last = _forgetting[_forgetting.length - 1];
        if (last.fromEpoch == epoch) last.forgetting = uint64(parameters_.forgetting);
        else _forgetting.push(ForgettingStep(epoch, uint64(parameters_.forgetting)));
        _emitParameters(epoch, parameters_);
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
        return _currentEpochStart() + _parameters.epochLength;
    }

    /// @inheritdoc IReputation
    function reputationOf(bytes32 orgId) public view returns (uint256 reputation, uint256 positive, uint256 negative) {
        (positive, negative) = _folded(_evidence[orgId], currentEpoch());
        reputation = _expectation(positive, negative);
    }

    /// @inheritdoc IReputation
    function credibilityOf(bytes32 orgId) public view returns (uint256) {
        uint256 stored = _credibility[orgId];
        return stored == 0 ? WAD : stored - 1;
    }

    /// @inheritdoc IReputation
    function submittedReport(bytes32 reporter, bytes32 producer, uint64 epoch) external view returns (SubmittedReport memory) {
        return _reports[reporter][producer][epoch];
    }

    /// @inheritdoc IReputation
    function forgettingAt(uint64 epoch) public view returns (uint256) {
        return _forgetting[_stepAt(epoch)].forgetting;
    }

    // ---------------------------------------------------------------- internals

    function _submit(uint64 epoch, bytes32 reporter, Report calldata report, uint256 credibility, uint64 sighted) private {
        SubmittedReport storage previous = _reports[reporter][report.producer][epoch];
        if (previous.voided) revert ReputationReportVoided(reporter, report.producer, epoch);
        _record(epoch, reporter, report.producer, _weigh(epoch, reporter, report, credibility, sighted));
    }

    /// The report as it counts: its counts capped, and the evidence they carry.
    function _weigh(uint64 epoch, bytes32 reporter, Report calldata report, uint256 credibility, uint64 sighted) private returns (SubmittedReport memory weighed) {
        (uint64 anchored, ) = _audit.anchoredVolume(report.producer);
        uint64 cap = anchored < sighted ? anchored : sighted;
        (weighed.confirmations, weighed.falsePositives) = _capped(report.confirmations, report.falsePositives, cap);
        if (weighed.confirmations != report.confirmations || weighed.falsePositives != report.falsePositives) {
            emit ReportCapped(epoch, reporter, report.producer, report.confirmations, report.falsePositives, cap);
        }
        (uint256 positive, uint256 negative) = _evidenceOf(weighed.confirmations, weighed.falsePositives, credibility);
        weighed.positive = uint96(positive);
        weighed.negative = uint96(negative);
        weighed.credibility = uint64(credibility);
        weighed.exists = true;
    }

    /// Replaces the reporter's report of the epoch (if any) by `next` in the producer's pending evidence.
    function _record(uint64 epoch, bytes32 reporter, bytes32 producer, SubmittedReport memory next) private {
        SubmittedReport storage previous = _reports[reporter][producer][epoch];
        Evidence storage evidence = _settle(producer, epoch);
        bool amended = previous.exists;
        if (amended) {
            evidence.pendingPositive -= previous.positive;
            evidence.pendingNegative -= previous.negative;
        }
        evidence.pendingPositive += next.positive;
        evidence.pendingNegative += next.negative;
        _reports[reporter][producer][epoch] = next;
        emit ReportSubmitted(epoch, reporter, producer, next.confirmations, next.falsePositives, next.positive, next.negative, amended);
    }

    /// Counts above `cap` scaled down to it, keeping their ratio.
    function _capped(uint32 confirmations, uint32 falsePositives, uint64 cap) private pure returns (uint32, uint32) {
        uint256 n = uint256(confirmations) + falsePositives;
        if (n <= cap) return (confirmations, falsePositives);
        return (uint32((uint256(confirmations) * cap) / n), uint32((uint256(falsePositives) * cap) / n));
    }

    /// The evidence of `confirmations` and `falsePositives` (capped): at most credibility * maxReportEvidence in all.
    function _evidenceOf(uint32 confirmations, uint32 falsePositives, uint256 credibility) private view returns (uint256 positive, uint256 negative) {
        uint256 n = uint256(confirmations) + falsePositives;
        if (n == 0) return (0, 0);
        uint256 mass = (((credibility * _parameters.maxReportEvidence) / WAD) * n) / (n + _parameters.halfEvidenceCount);
        positive = (mass * confirmations) / n;
        negative = (mass * falsePositives) / n;
    }

    /// Takes a report's evidence back from its producer's record, as it stands now after forgetting.
    function _void(bytes32 reporter, bytes32 producer, uint64 epoch, bool byGovernance) private {
        SubmittedReport storage report = _reports[reporter][producer][epoch];
        if (!report.exists || report.voided) return;
        report.voided = true;
        Evidence storage evidence = _evidence[producer];
        uint256 positive = report.positive;
        uint256 negative = report.negative;
        if (evidence.epoch == epoch) {
            evidence.pendingPositive -= uint128(Math.min(positive, evidence.pendingPositive));
            evidence.pendingNegative -= uint128(Math.min(negative, evidence.pendingNegative));
        } else {
            // Folded in at the start of epoch + 1, forgotten at each epoch's close since.
            uint256 factor = _decay(epoch + 1, evidence.epoch);
            positive = (positive * factor) / WAD;
            negative = (negative * factor) / WAD;
            evidence.positive -= uint128(Math.min(positive, evidence.positive));
            evidence.negative -= uint128(Math.min(negative, evidence.negative));
        }
        emit ReportVoided(epoch, reporter, producer, positive, negative, byGovernance);
    }

    /// Folds the producer's evidence forward to the start of `epoch`, recording it.
    function _settle(bytes32 producer, uint64 epoch) private returns (Evidence storage evidence) {
        evidence = _evidence[producer];
        if (evidence.epoch == epoch) return evidence;
        bool hadEvidence = evidence.positive | evidence.negative | evidence.pendingPositive | evidence.pendingNegative != 0;
        (uint256 positive, uint256 negative) = _folded(evidence, epoch);
        evidence.positive = uint128(positive);
        evidence.negative = uint128(negative);
        evidence.pendingPositive = 0;
        evidence.pendingNegative = 0;
        evidence.epoch = epoch;
        if (hadEvidence) emit EvidenceSettled(producer, epoch, positive, negative, _expectation(positive, negative));
    }

    /// Evidence settled at the start of `epoch`: the recorded epoch's evidence forgotten once with
    /// its factor plus its pending evidence, then forgotten once per closed epoch since, each with
    /// the factor in force during it.
    function _folded(Evidence storage evidence, uint64 epoch) private view returns (uint256 positive, uint256 negative) {
        positive = evidence.positive;
        negative = evidence.negative;
        uint64 recorded = evidence.epoch;
        if (recorded >= epoch) return (positive, negative);
        uint256 forgetting = forgettingAt(recorded);
        positive = Math.min((positive * forgetting) / WAD + evidence.pendingPositive, MAX_EVIDENCE);
        negative = Math.min((negative * forgetting) / WAD + evidence.pendingNegative, MAX_EVIDENCE);
        uint256 factor = _decay(recorded + 1, epoch);
        if (factor != WAD) {
            positive = (positive * factor) / WAD;
            negative = (negative * factor) / WAD;
        }
    }

    /// The product of the forgetting factors of epochs `from` to `to` - 1 (1e18 when none).
    function _decay(uint64 from, uint64 to) private view returns (uint256 factor) {
        factor = WAD;
        if (from >= to) return factor;
        uint256 step = _stepAt(from);
        uint256 steps = _forgetting.length;
        uint64 epoch = from;
        while (epoch < to && factor > 0) {
            uint64 end = step + 1 < steps && _forgetting[step + 1].fromEpoch < to ? _forgetting[step + 1].fromEpoch : to;
            uint256 forgetting = _forgetting[step].forgetting;
            if (forgetting < WAD) factor = (factor * _power(forgetting, end - epoch)) / WAD;
            epoch = end;
            step++;
        }
    }

    /// Index of the forgetting step in force during `epoch` (the last one starting at or before it).
    function _stepAt(uint64 epoch) private view returns (uint256) {
        uint256 low = 0;
        uint256 high = _forgetting.length;
        while (high - low > 1) {
            uint256 mid = (low + high) / 2;
            if (_forgetting[mid].fromEpoch <= epoch) low = mid;
            else high = mid;
        }
        return low;
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

    function _currentEpochStart() private view returns (uint64) {
        uint64 length = _parameters.epochLength;
        return _epochOrigin + ((uint64(block.timestamp) - _epochOrigin) / length) * length;
    }

    function _previousEpochStart() private view returns (uint64) {
        uint64 start = _currentEpochStart();
        uint64 length = _parameters.epochLength;
        return start > length ? start - length : 0;
    }

    /// The epoch a time falls in; only times since the last change of epoch length can be placed.
    function _epochAt(uint64 timestamp) private view returns (uint64) {
        if (timestamp < _epochOrigin) revert ReputationEpochUnknown(timestamp);
        return _epochOffset + (timestamp - _epochOrigin) / _parameters.epochLength;
    }

    function _emitParameters(uint64 fromEpoch, Parameters memory p) private {
        emit ParametersChanged(fromEpoch, p.epochLength, p.priorPositive, p.priorNegative, p.forgetting, p.maxReportEvidence, p.halfEvidenceCount);
    }

    function _requireValid(Parameters memory p) private pure {
        if (p.epochLength < 60) revert ReputationInvalidParameters("epochLength");
        if (p.priorPositive == 0 || p.priorPositive > MAX_PRIOR) revert ReputationInvalidParameters("priorPositive");
        if (p.priorNegative == 0 || p.priorNegative > MAX_PRIOR) revert ReputationInvalidParameters("priorNegative");
        if (p.forgetting == 0 || p.forgetting > WAD) revert ReputationInvalidParameters("forgetting");
        if (p.maxReportEvidence == 0 || p.maxReportEvidence > MAX_REPORT_EVIDENCE) revert ReputationInvalidParameters("maxReportEvidence");
        if (p.halfEvidenceCount == 0 || p.halfEvidenceCount > MAX_HALF_EVIDENCE_COUNT) revert ReputationInvalidParameters("halfEvidenceCount");
    }
}
