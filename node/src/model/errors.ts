/** Why an indicator was refused. Stable codes so API clients and logs can act on them. */
export type IndicatorInvalidReason =
  | "UNKNOWN_TYPE"
  | "BAD_VALUE"
  | "BAD_TLP"
  | "BAD_CONFIDENCE"
  | "BAD_VALIDITY"
  | "BAD_LABEL"
  | "BAD_PRODUCER"
  | "BAD_TIME"
  | "BAD_DESCRIPTION"
  | "BAD_GROUP"
  | "GROUP_REQUIRED"
  | "BAD_SIGHTING";

export class InvalidIndicatorError extends Error {
  override readonly name = "InvalidIndicatorError";
  constructor(
    readonly reason: IndicatorInvalidReason,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
