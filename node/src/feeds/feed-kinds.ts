/** The kinds of external feed the node reads (feeds/feed-service.ts). */
export const FEED_KINDS = ["misp", "text", "csv"] as const;
export type FeedKind = (typeof FEED_KINDS)[number];

/** A feed's name: what reports, the CLI and the API call it. */
export const FEED_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
