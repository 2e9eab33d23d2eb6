/**
 * The files of each kind of enforcement feed, rendered from its entries. Pure: the entries, the
 * serial and the time give the same files.
 */
import type { EnforcementEntry, EnforcementKind } from "../model/response.js";
import { edlFiles } from "./formats/edl.js";
import { nftablesRuleset } from "./formats/nftables.js";
import { rpzZone, type RpzOptions } from "./formats/rpz.js";
import { suricataDropFiles } from "./formats/suricata-drop.js";

export interface RenderOptions {
  serial: number;
  now: number;
  rpz: Omit<RpzOptions, "serial">;
  nftTable: string;
}

export const RPZ_FILE = "cti-response.rpz";
export const NFT_FILE = "cti-response.nft";

export function renderFeedFiles(kind: EnforcementKind, entries: Iterable<EnforcementEntry>, options: RenderOptions): Record<string, string> {
  switch (kind) {
    case "rpz":
      return { [RPZ_FILE]: rpzZone(entries, { ...options.rpz, serial: options.serial }).zone };
    case "nftables":
      return { [NFT_FILE]: nftablesRuleset(entries, { now: options.now, table: options.nftTable }).ruleset };
    case "edl":
      return edlFiles(entries);
    case "suricata-drop":
      return suricataDropFiles(entries);
  }
}
