import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * Where the workplace's reference data lives (the OASIS STIX 2.1 schemas and examples, TLP
 * definitions, MISP fixtures): `CTI_SHARED_DATA` if set, else a `shared/data` folder beside the
 * checkout or any folder above it (a fresh clone in CI may sit elsewhere than the working copy),
 * else the workplace's own path. The tests that need it fail with this message rather than skip.
 */
function locate(): string {
  const candidates = [process.env.CTI_SHARED_DATA];
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    candidates.push(join(dir, "shared/data"), join(dir, "../shared/data"));
    if (dirname(dir) === dir) break;
  }
  candidates.push("/work/shared/data");
  const found = candidates.find((c) => c !== undefined && existsSync(join(c, "stix2/schemas")));
  if (!found) throw new Error("reference data not found: set CTI_SHARED_DATA to the shared/data folder (STIX schemas and examples, MISP fixtures)");
  return resolve(found);
}

export const SHARED_DATA = locate();
