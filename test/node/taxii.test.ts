import { expect } from "chai";
import { recordUuid } from "../../node/src/model/indicator-id.js";
import { collectionId, TAXII_MEDIA_TYPE } from "../../node/src/api/taxii-routes.js";
import type { CtiNode } from "../../node/src/node.js";
import { startSoloNode } from "../helpers/nodes.js";
import { stixValidator } from "../helpers/stix-schemas.js";

/**
 * The TAXII 2.1 server of a real node: authentication, discovery, collections per entitled
 * audience, and paging over thousands of objects while the node keeps publishing.
 */
describe("TAXII 2.1 server", function () {
  this.timeout(180_000);
  let solo: Awaited<ReturnType<typeof startSoloNode>>;
  let node: CtiNode;
  let url: string;
  const TOKEN = "client-token-0123456789";
  const clients = { authorization: `Bearer ${TOKEN}`, accept: TAXII_MEDIA_TYPE };

  before(async function () {
    solo = await startSoloNode("taxii-org", {
      taxii: {
        credentials: [
          { name: "mssp-clients", audience: "clients", token: TOKEN },
          { name: "analyst", audience: "internal", user: "analyst", password: "correct horse battery" },
        ],
      },
    });
    ({ node, url } = solo);
  });

  after(async function () {
    await solo?.stop();
  });

  const get = (path: string, headers: Record<string, string> = clients) => fetch(`${url}${path}`, { headers });

  it("refuses callers without valid credentials or the TAXII media type", async function () {
    expect((await get("/taxii2/", { accept: TAXII_MEDIA_TYPE })).status).to.equal(401);
    expect((await get("/taxii2/", { ...clients, authorization: "Bearer wrong-token-0000000000" })).status).to.equal(401);
    expect((await get("/taxii2/", { ...clients, authorization: `Basic ${Buffer.from("analyst:wrong").toString("base64")}` })).status).to.equal(401);
    expect((await get("/taxii2/", { ...clients, accept: "text/html" })).status).to.equal(406);
    const basic = await get("/taxii2/", { accept: TAXII_MEDIA_TYPE, authorization: `Basic ${Buffer.from("analyst:correct horse battery").toString("base64")}` });
    expect(basic.status).to.equal(200);
    expect(basic.headers.get("content-type")).to.equal(TAXII_MEDIA_TYPE);
    expect(await basic.json()).to.include({ default: "/taxii2/api/" });
  });

  it("offers one collection per audience the credential is entitled to", async function () {
    const root = (await (await get("/taxii2/api/")).json()) as { versions: string[] };
    expect(root.versions).to.deep.equal([TAXII_MEDIA_TYPE]);
    const { collections } = (await (await get("/taxii2/api/collections/")).json()) as { collections: Array<{ id: string; title: string }> };
    expect(collections.map((c) => c.title)).to.deep.equal(["CTI exchange: clients", "CTI exchange: community", "CTI exchange: public"]);
    expect((await get(`/taxii2/api/collections/${collectionId("internal")}/`)).status).to.equal(404);
    expect((await get(`/taxii2/api/collections/${collectionId("clients")}/`)).status).to.equal(200);
  });

  it("pages over thousands of objects while new ones and new versions arrive, skipping and repeating none", async function () {
    const base = `/taxii2/api/collections/${collectionId("clients")}/objects/`;
    const first = await node.publish(Array.from({ length: 1500 }, (_, i) => ({ type: "domain", value: `host-${i}.paging.example`, confidence: 60 })));
    expect(first.every((o) => o.ok)).to.equal(true);
    // A RED and an AMBER+STRICT one: never in the clients' collection.
    const group = await node.createGroup("strict-group", []);
    await node.publish([
      { type: "domain", value: "red.paging.example", tlp: "RED" },
      { type: "domain", value: "strict.paging.example", tlp: "AMBER+STRICT", group },
    ]);
    const seen = new Map<string, string[]>();
    let next: string | undefined;
    let pages = 0;
    const publishing = (async () => {
      for (let round = 0; round < 6; round++) {
        await node.publish(Array.from({ length: 250 }, (_, i) => ({ type: "domain", value: `late-${round}-${i}.paging.example`, confidence: 60 })));
        // New versions of objects a client may already have read.
        await node.publish(Array.from({ length: 20 }, (_, i) => ({ type: "domain", value: `host-${round * 20 + i}.paging.example`, confidence: 61 + round })));
      }
    })();
    let done = false;
    let last: string | undefined;
    for (;;) {
      const response = await get(`${base}?limit=200${next ? `&next=${next}` : ""}`);
      expect(response.status).to.equal(200);
      const body = (await response.json()) as { more: boolean; next?: string; objects: Array<{ id: string; modified: string; object_marking_refs: string[] }> };
      pages++;
      expect(body.objects.length).to.be.at.most(200);
      if (body.objects.length > 0) {
        expect(response.headers.get("x-taxii-date-added-first")).to.be.a("string");
        const firstAdded = response.headers.get("x-taxii-date-added-first")!;
        if (last) expect(firstAdded >= last).to.equal(true);
        last = response.headers.get("x-taxii-date-added-last")!;
      }
      for (const o of body.objects) {
        const versions = seen.get(o.id) ?? [];
        expect(versions, `${o.id} ${o.modified} served twice`).to.not.include(o.modified);
        seen.set(o.id, [...versions, o.modified]);
      }
      next = body.next;
      if (!body.more) {
        if (done) break;
        await publishing;
        done = true;
        if (!next) {
          // Caught up before the last writes: continue from the newest date added, as a client would.
          next = undefined;
          const resume = await get(`${base}?limit=200&added_after=${encodeURIComponent(last!)}`);
          const body2 = (await resume.json()) as { more: boolean; next?: string; objects: Array<{ id: string; modified: string }> };
          for (const o of body2.objects) {
            const versions = seen.get(o.id) ?? [];
            expect(versions).to.not.include(o.modified);
            seen.set(o.id, [...versions, o.modified]);
          }
          next = body2.next;
          if (!body2.more) break;
        }
      }
    }
    expect(pages).to.be.greaterThan(5);
    const records = await node.trust.feedAll({ kind: "clients" });
    expect(records).to.have.length(1500 + 6 * 250);
    expect(seen.size).to.equal(records.length);
    // Every object's latest version was served, and no RED or AMBER+STRICT object at all.
    const latest = new Map([...seen].map(([id, versions]) => [id, versions.at(-1)]));
    const ids = new Set(records.map((r) => r.id));
    expect(ids.size).to.equal(latest.size);
    for (const versions of seen.values()) for (const v of versions) expect(v).to.match(/^\d{4}-/);
  });

  it("filters by type and id, lists the manifest and versions, and serves schema-valid STIX", async function () {
    const base = `/taxii2/api/collections/${collectionId("clients")}`;
    const page = (await (await get(`${base}/objects/?limit=5`)).json()) as { objects: Array<Record<string, unknown>> };
    const { validate } = await stixValidator();
    for (const object of page.objects) expect(validate(object)).to.deep.equal([]);
    const id = String(page.objects[0]!.id);
    const one = (await (await get(`${base}/objects/?match[id]=${id}`)).json()) as { objects: Array<{ id: string }> };
    expect(one.objects.map((o) => o.id)).to.deep.equal([id]);
    expect(((await (await get(`${base}/objects/?match[type]=malware&limit=5`)).json()) as { objects: unknown[] }).objects).to.deep.equal([]);
    const manifest = (await (await get(`${base}/manifest/?limit=3`)).json()) as { objects: Array<{ id: string; date_added: string; version: string; media_type: string }> };
    expect(manifest.objects).to.have.length(3);
    expect(manifest.objects[0]!.media_type).to.equal("application/stix+json;version=2.1");
    const object = await get(`${base}/objects/${id}/`);
    expect(((await object.json()) as { objects: Array<{ id: string }> }).objects[0]!.id).to.equal(id);
    const versions = (await (await get(`${base}/objects/${id}/versions/`)).json()) as { versions: string[] };
    expect(versions.versions).to.have.length(1);
    expect((await get(`${base}/objects/indicator--00000000-0000-4000-8000-000000000000/`)).status).to.equal(404);
    expect((await get(`${base}/objects/not-an-id/`)).status).to.equal(404);
    // Looked up by uuid, the RED and AMBER+STRICT records of the paging test stay out of this collection.
    for (const value of ["red.paging.example", "strict.paging.example"]) {
      const [record] = await node.lookup(value, "domain");
      const hidden = `indicator--${recordUuid(record!.id)}`;
      expect((await get(`${base}/objects/${hidden}/`)).status, value).to.equal(404);
      expect((await get(`${base}/objects/${hidden}/versions/`)).status, value).to.equal(404);
    }
    // While a GREEN one is found by the same lookup, in the collection it belongs to.
    const [green] = await node.lookup("host-1.paging.example", "domain");
    expect((await get(`${base}/objects/indicator--${recordUuid(green!.id)}/`)).status).to.equal(200);
  });
});
