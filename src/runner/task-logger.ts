import pino from 'pino';
import type { Logger } from '../logger';
import type { SecretRedactor } from '../secrets/secret-redactor';
import type { Task } from '../tasks/task';

/**
 * The daemon's logger for lines about one task: its message, its fields and any error logged with it
 * (message and stack) have the task's secrets redacted, whoever writes the line (the runner or the
 * task's operation through `ctx.log`).
 */
export function redactingTaskLogger(root: Logger, task: Task, redactor: SecretRedactor): Logger {
  return root.child(
    { taskId: task.id, type: task.type },
    {
      serializers: {
        msg: (msg: unknown) => (typeof msg === 'string' ? redactor.text(msg) : msg),
        // The serialized error's objects are not plain (pino gives them a prototype): made plain to be redacted.
        err: (err: Error) => redactor.value(JSON.parse(JSON.stringify(pino.stdSerializers.err(err))) as unknown),
      },
      formatters: { log: (fields: object) => redactor.value(fields) },
    },
  );
}
