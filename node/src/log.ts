import { pino, type Logger } from "pino";

export type LogFn = (message: string, fields?: Record<string, unknown>) => void;

/** JSON logs on stderr (pino), one child logger per component. */
export function createLogger(name: string, level = process.env.CTI_LOG_LEVEL ?? "info"): Logger {
  return pino({ name, level }, pino.destination(2));
}

export function logFn(logger: Logger, level: "info" | "warn" | "debug" = "info"): LogFn {
  return (message, fields) => logger[level](fields ?? {}, message);
}
