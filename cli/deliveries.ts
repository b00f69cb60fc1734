/**
 * What the deliveries of an event came to, in one line of the simulate summary: how many
 * deliveries, how many distinct executions they started or found, what start-pipeline decided
 * for each, and the rollback execution a Rejected event started.
 */
type Delivery = {
  decision?: string;
  executionArn?: string;
  executionName?: string;
  rollbackExecutionArn?: string;
  error?: { name?: string };
  deadLettered?: boolean;
};

export const deliveriesLine = (deliveries: readonly unknown[]): string => {
  const all = deliveries as Delivery[];
  const executions = new Set(all.map((d) => d.executionArn).filter(Boolean));
  const decisions = new Map<string, number>();
  for (const d of all) {
    const key = d.decision ?? (d.deadLettered ? 'dead-lettered' : `failed (${d.error?.name})`);
    decisions.set(key, (decisions.get(key) ?? 0) + 1);
  }
  const rollbacks = all
    .map((d) => d.rollbackExecutionArn?.split(':').pop())
    .filter((name): name is string => Boolean(name));
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return [
    `Deliveries: ${count(all.length, 'delivery', 'deliveries')} → ${count(executions.size, 'execution', 'executions')}`,
    decisions.size ? ` (${[...decisions].map(([k, n]) => `${k} ${n}`).join(', ')})` : '',
    rollbacks.length ? `; rollback execution ${rollbacks.join(', ')} started` : '',
  ].join('');
};
