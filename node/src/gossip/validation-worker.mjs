// Loads the TypeScript worker through tsx, as node/bin/cti.js loads the CLI: a worker thread
// does not inherit the main thread's module hooks.
import { register } from "tsx/esm/api";

register();
await import("./validation-worker.ts");
