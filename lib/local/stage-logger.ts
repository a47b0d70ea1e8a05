import type { LogItem } from '@aws-lambda-powertools/logger';
import { Logger } from '@aws-lambda-powertools/logger';

/** A powertools Logger whose lines go to the stage's log instead of stdout. */
export class StageLogger extends Logger {
  private sink: (line: string) => void = () => {};

  static to(sink: (line: string) => void, serviceName: string): StageLogger {
    const logger = new StageLogger({ serviceName, logLevel: 'INFO' });
    logger.sink = sink;
    return logger;
  }

  protected override printLog(_level: number, log: LogItem): void {
    log.prepareForPrint();
    const { level, message, ...rest } = log.getAttributes() as Record<string, unknown>;
    const extra = Object.entries(rest)
      .filter(([k]) => !['timestamp', 'service', 'sampling_rate', 'xray_trace_id'].includes(k))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ');
    this.sink(`${String(level)} ${String(message)}${extra ? ` ${extra}` : ''}`);
  }
}
