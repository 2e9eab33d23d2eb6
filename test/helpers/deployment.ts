import { deploymentId } from "../../node/src/wire/deployment.js";

/** The deployment id the unit tests sign batches for (as a node on chain 31337 with this registry would). */
export const TEST_DEPLOYMENT = deploymentId(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
