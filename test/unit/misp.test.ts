import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { importMisp, mispFeed } from "../../node/src/interop/misp.js";
import { mergeIndicator, type IndicatorRecord } from "../../node/src/model/record.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { SHARED_DATA } from "../helpers/shared-data.js";

const FIXTURES = join(SHARED_DATA, "misp");
const now = Date.parse("2026-11-21T12:00:00Z");
const read = async (name: string) => JSON.parse(await readFile(join(FIXTURES, name), "utf8"));

describe("MISP import", function () {
  it("maps attributes by type, tlp tags to TLP, galaxies to families, and says what it left out", async function () {
    const result = importMisp(await read("57c4445b-c548-4654-af0b-4be3950d210f.json"), { defaultTlp: "GREEN" });
    expect(result.inputs.map((i) => `${String(i.type)}:${String(i.value)}:${String(i.tlp)}`)).to.deep.equal([
      "md5:0749bae92ca336a02c83d126e04ec628:CLEAR",
      "sha1:77b0c41b7d340b8a3d903f21347bbf06aa766b5b:CLEAR",
      "sha256:b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68:CLEAR",
    ]);
    const reasons = result.skipped.map((s) => `${s.type}: ${s.reason}`);
    expect(reasons).to.include("link: MISP type link has no indicator type here");
    expect(reasons).to.include("regkey|value: MISP type regkey|value has no indicator type here");
    expect(result.skipped).to.have.length(6);
  });

  it("imports sightings as this org's, and skips what MISP marks not for detection unless asked", async function () {
    const withSightings = importMisp(await read("sighting_1.json"), { defaultTlp: "GREEN" });
    expect(withSightings.inputs.map((i) => i.value)).to.include("ooiasjdnqjwbeasdasd.com");
    expect(withSightings.inputs[0]!.labels!.malwareFamilies).to.deep.equal(["gozi"]);
    expect(withSightings.sightings[0]).to.deep.equal({ value: "ooiasjdnqjwbeasdasd.com", type: "domain", kind: "sighting", observedAt: 1551253950000 });
    const event = await read("misp_event.json");
    expect(importMisp(event, { defaultTlp: "GREEN" }).inputs).to.deep.equal([]);
    expect(importMisp(event, { defaultTlp: "GREEN", includeNonIds: true }).inputs.map((i) => i.value)).to.deep.equal(["http://fake.website.com/malware/is/here"]);
  });

  it("splits composite types and reads IPs, CIDRs, AMBER with the group given", function () {
    const result = importMisp(
      {
        Event: {
          uuid: "e",
          Tag: [{ name: "tlp:amber" }],
          Attribute: [
            { uuid: "a1", type: "ip-dst|port", value: "198.51.100.7|443", to_ids: true },
            { uuid: "a2", type: "domain|ip", value: "evil.example|2001:db8::1", to_ids: true },
            { uuid: "a3", type: "filename|sha256", value: `drop.exe|${"ab".repeat(32)}`, to_ids: true },
            { uuid: "a4", type: "ip-src", value: "203.0.113.0/24", to_ids: true, Tag: [{ name: "tlp:red" }] },
            { uuid: "a5", type: "domain", value: "gone.example", to_ids: true, deleted: true },
          ],
          Object: [{ name: "file", Attribute: [{ uuid: "o1", type: "md5", value: "cd".repeat(16), to_ids: true }] }],
        },
      },
      { defaultTlp: "GREEN", group: 9 },
    );
    expect(result.inputs.map((i) => `${String(i.type)}:${String(i.value)}:${String(i.tlp)}:${String(i.group)}`)).to.deep.equal([
      "ipv4:198.51.100.7:AMBER:9",
      "domain:evil.example:AMBER:9",
      "ipv6:2001:db8::1:AMBER:9",
      `sha256:${"ab".repeat(32)}:AMBER:9`,
      "cidr:203.0.113.0/24:RED:undefined",
      `md5:${"cd".repeat(16)}:AMBER:9`,
    ]);
    expect(result.inputs.at(-1)!.description).to.equal("MISP object file");
    expect(result.skipped).to.deep.equal([{ source: "a5", type: "domain", reason: "deleted" }]);
  });
});

describe("MISP feed export", function () {
  function record(producer: string, type: "domain" | "sha256", value: string, tlp = "GREEN"): IndicatorRecord {
    return mergeIndicator(undefined, buildIndicator({ type, value, tlp, group: tlp === "AMBER" ? 2 : undefined, validUntil: now + 86_400_000 }, { producer, now }), { sequence: 1, index: 0 }, now);
  }

  it("writes manifest.json, one event per producer and TLP, and hashes.csv, deterministically", function () {
    const records = [record("acme-bank", "domain", "evil.example"), record("acme-bank", "sha256", "ab".repeat(32), "AMBER"), record("north-cert", "domain", "bad.example")];
    const files = mispFeed(records, new Map(), now);
    const manifest = JSON.parse(files["manifest.json"]!) as Record<string, { info: string; Orgc: { name: string }; Tag: Array<{ name: string }> }>;
    const uuids = Object.keys(manifest);
    expect(uuids).to.have.length(3);
    expect(Object.keys(files).sort()).to.deep.equal([...uuids.map((u) => `${u}.json`), "hashes.csv", "manifest.json"].sort());
    for (const uuid of uuids) {
      const event = JSON.parse(files[`${uuid}.json`]!).Event;
      expect(event.uuid).to.equal(uuid);
      expect(event.Orgc.name).to.equal(manifest[uuid]!.Orgc.name);
      expect(event.Tag[0].name).to.match(/^tlp:(green|amber)$/);
      for (const a of event.Attribute) expect(files["hashes.csv"]).to.include(`${createHash("md5").update(a.value).digest("hex")},${uuid}`);
    }
    expect(mispFeed(records, new Map(), now)).to.deep.equal(files);
  });

  it("round-trips: MISP event in, records, feed out, and in again gives the same indicators", async function () {
    const first = importMisp(await read("sighting_1.json"), { defaultTlp: "GREEN" });
    const records = first.inputs.map((input, i) => mergeIndicator(undefined, buildIndicator(input, { producer: "acme-bank", now }), { sequence: 1, index: i }, now));
    const feed = mispFeed(records, new Map(), now);
    const manifest = JSON.parse(feed["manifest.json"]!) as Record<string, unknown>;
    const events = Object.keys(manifest).map((uuid) => JSON.parse(feed[`${uuid}.json`]!));
    const again = importMisp(events, { defaultTlp: "RED" });
    expect(again.inputs.map((i) => [i.type, i.value, i.tlp])).to.deep.equal(first.inputs.map((i) => [i.type, i.value, "GREEN"]));
  });
});
