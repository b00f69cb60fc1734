/**
 * The executions commands' logic, with the Step Functions client injected: list, explain,
 * redrive and replay executions of the edge-deployment state machine (one module each).
 */
export { CliError } from './cli-error';
export { type ActionResult, redriveExecution, replayExecution } from './execution-actions';
export {
  DECIDED_AGAINST,
  type Explanation,
  explainExecution,
} from './explain-execution';
export { type ExecutionRow, listExecutions, parseSince } from './list-executions';
export { executionArnOf, findStateMachine, fullHistory } from './state-machine';
