import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

/**
 * The exchange's protobuf schema (proto/cti/v1/cti.proto), parsed once per process: every codec
 * (batches, sync, anonymous statements) looks its message types up here.
 */
const PROTO_PATH = fileURLToPath(new URL("../../../proto/cti/v1/cti.proto", import.meta.url));
const root = protobuf.loadSync(PROTO_PATH);

export function ctiType(name: string): protobuf.Type {
  return root.lookupType(`cti.v1.${name}`);
}
