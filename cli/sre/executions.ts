/**
 * The executions commands' logic, with the Step Functions client injected: list, explain,
 * redrive and replay executions of the edge-deployment state machine (one module each).
 */
export { CliError } from './cli-error';
export { type ActionResult, redriveExecution, replayExecution } from './execution-actions';
export {
  type Explanation,
  explainExecution,
} from './explain-execution';
export {
  type ExecutionRow,
  listExecutions,
  listStageExecutions,
  parseSince,
} from './list-executions';
export { executionArnFrom, findStateMachine, fullHistory } from './state-machine';
