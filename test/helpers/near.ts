import { expect } from "chai";

/**
 * `actual` within `tolerance` of `expected`. Not chai's closeTo: the Hardhat chai matchers, loaded
 * by the contract tests, take it over for bigints and refuse a fraction in a full run.
 */
export function near(actual: number | undefined, expected: number, tolerance = 1e-9, what?: string): void {
  expect(actual, what).to.be.a("number");
  expect(Math.abs(actual! - expected), `${what ? `${what}: ` : ""}${actual} vs ${expected}`).to.be.at.most(tolerance);
}
