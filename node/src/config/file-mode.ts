import { z } from "zod";

/**
 * The file mode of what the node writes for detectors and enforcement points, octal in the
 * config: owner and group (the device's service account) by default, never everyone.
 */
export const FileModeSchema = z
  .string()
  .regex(/^0?[0-7]{3}$/, "an octal file mode such as 0640")
  .default("0640")
  .transform((m) => parseInt(m, 8))
  .refine((m) => (m & 0o007) === 0, "must not let every user of the machine read the feed (TLP:RED for the internal audience)");
