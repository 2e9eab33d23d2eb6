/** Gossip topics, versioned with the wire format: a breaking change gets a new topic. */
export const INDICATOR_TOPIC = "/cti-exchange/indicators/1/proto";
