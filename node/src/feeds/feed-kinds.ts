/** The kinds of external feed the node reads (feeds/feed-service.ts). */
export const FEED_KINDS = ["misp", "text", "csv"] as const;
export type FeedKind = (typeof FEED_KINDS)[number];
