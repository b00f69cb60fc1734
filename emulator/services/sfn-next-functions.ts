import type { Definition, Json } from './sfn-model';

/**
 * Which functions a state machine may call next, read from its ASL: for each Task state, the
 * functions of the Task states that can follow it before any other Task runs (through Choice
 * branches, Wait and Pass states, into a Map's iterations and out of them). Catch targets are
 * left out: they are the unlikely path. The function runtime loads these ahead of their first
 * invocation (emulator/runtime/functions.ts, `prefetch`), so a cold start overlaps the work
 * before it instead of adding to it.
 */
export type NextFunctions = {
  /** The functions that can run first when an execution starts. */
  first: string[];
  /** Task state name → the functions that can run after it. */
  after: Map<string, string[]>;
};

type Scope = { states: Record<string, Json>; startAt: string; onEnd: Continuation[] };
type Continuation = { scope: Scope; state: string };

export const nextFunctions = (
  definition: Definition,
  functionOf: (task: Json) => string | undefined,
): NextFunctions => {
  const after = new Map<string, string[]>();
  const root: Scope = { states: definition.States, startAt: definition.StartAt, onEnd: [] };

  /** Functions of the first Tasks reachable from `state` (itself, when it is a Task). */
  const reach = (scope: Scope, state: string, seen: Set<Json>, out: string[]) => {
    const s = scope.states[state];
    if (!s || seen.has(s)) return;
    seen.add(s);
    if (s.Type === 'Task') {
      const key = functionOf(s);
      if (key && !out.includes(key)) out.push(key);
      return;
    }
    if (s.Type === 'Map' && s.ItemProcessor) {
      const inner = iteration(scope, s);
      reach(inner, inner.startAt, seen, out);
      return;
    }
    for (const next of successors(scope, s)) reach(next.scope, next.state, seen, out);
  };

  /** A Map's iterations: at the end of one, the next item starts or the Map moves on. */
  const iteration = (scope: Scope, map: Json): Scope => {
    const inner: Scope = {
      states: map.ItemProcessor.States,
      startAt: map.ItemProcessor.StartAt,
      onEnd: [],
    };
    inner.onEnd.push({ scope: inner, state: inner.startAt });
    if (map.Next) inner.onEnd.push({ scope, state: map.Next });
    else inner.onEnd.push(...scope.onEnd);
    return inner;
  };

  const successors = (scope: Scope, s: Json): Continuation[] => {
    if (s.Type === 'Choice')
      return [...(s.Choices ?? []).map((c: Json) => c.Next), s.Default]
        .filter(Boolean)
        .map((state: string) => ({ scope, state }));
    if (s.Type === 'Fail') return [];
    // Succeed ends an iteration as End does; at the top level it ends the execution.
    if (s.Type === 'Succeed') return scope.onEnd;
    if (s.Next) return [{ scope, state: s.Next }];
    if (s.End) return scope.onEnd;
    return [];
  };

  const visit = (scope: Scope) => {
    for (const [name, s] of Object.entries(scope.states)) {
      if (s.Type === 'Map' && s.ItemProcessor) visit(iteration(scope, s));
      if (s.Type !== 'Task') continue;
      const out: string[] = [];
      const seen = new Set<Json>();
      for (const next of successors(scope, s)) reach(next.scope, next.state, seen, out);
      after.set(name, out);
    }
  };
  visit(root);

  const first: string[] = [];
  reach(root, root.startAt, new Set(), first);
  return { first, after };
};
