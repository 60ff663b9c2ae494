import { TERMINAL_STATES, TaskState } from '../../tasks/task';

export const isTerminal = (state: TaskState) => TERMINAL_STATES.includes(state);
