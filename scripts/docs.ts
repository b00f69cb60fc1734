import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ERROR_TAXONOMY, type Taxonomy } from '../functions/shared/error-taxonomy';
import { StageConfigSchema } from '../functions/shared/stage-config/schema';
import { definitionOf, type MachineKey } from '../statemachines/definition';

/**
 * Documentation generated from the sources of truth, so it cannot drift: the state diagrams
 * from the generated state machine definitions (statemachines/), the error table from the
 * error taxonomy and the configuration reference from the zod schema. `npm run docs`
 * rewrites them; tests/unit/docs.test.ts fails when they are stale. It also reruns the
 * commands whose transcripts the docs show (scripts/transcripts/), checked by
 * tests/e2e/docs.transcripts.test.ts.
 */
const ROOT = join(__dirname, '..');

type State = {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { Next: string; ErrorEquals: string[] }[];
  ItemProcessor?: { StartAt: string; States: Record<string, State> };
};
type Definition = { StartAt: string; States: Record<string, State> };

const id = (name: string) => name.replace(/[^A-Za-z0-9]/g, '_');

/** A Mermaid stateDiagram-v2 of the ASL: every transition, Map states as composite states. */
export const mermaid = (definition: Definition): string => {
  const lines: string[] = ['stateDiagram-v2'];
  const walk = (def: Definition, indent: string) => {
    lines.push(`${indent}[*] --> ${id(def.StartAt)}`);
    for (const [name, s] of Object.entries(def.States)) {
      lines.push(`${indent}state "${name}" as ${id(name)}`);
      if (s.ItemProcessor) {
        lines.push(`${indent}state ${id(name)} {`);
        walk(s.ItemProcessor, `${indent}  `);
        lines.push(`${indent}}`);
      }
      if (s.Next) lines.push(`${indent}${id(name)} --> ${id(s.Next)}`);
      for (const c of s.Choices ?? []) lines.push(`${indent}${id(name)} --> ${id(c.Next)}`);
      if (s.Default) lines.push(`${indent}${id(name)} --> ${id(s.Default)}: otherwise`);
      for (const c of s.Catch ?? [])
        lines.push(
          `${indent}${id(name)} --> ${id(c.Next)}: ${c.ErrorEquals.length > 3 ? 'permanent error' : c.ErrorEquals.join(', ')}`,
        );
      if (s.End || s.Type === 'Succeed' || s.Type === 'Fail')
        lines.push(`${indent}${id(name)} --> [*]`);
    }
  };
  walk(definition, '  ');
  return lines.join('\n');
};

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  pattern?: string;
  const?: unknown;
  format?: string;
};

const describeType = (s: JsonSchema): string => {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((e) => `\`${e}\``).join(' \\| ');
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(describeType).join(' or ');
  if (s.type === 'array') return `list of ${s.items ? describeType(s.items) : 'values'}`;
  if (
    s.type === 'object' &&
    s.additionalProperties &&
    typeof s.additionalProperties === 'object' &&
    !s.properties
  )
    return `map of ${describeType(s.additionalProperties)}`;
  return String(s.type ?? 'any');
};

const constraints = (s: JsonSchema): string => {
  const parts: string[] = [];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined && s.minLength > 0) parts.push(`length ≥ ${s.minLength}`);
  if (s.maxLength !== undefined) parts.push(`length ≤ ${s.maxLength}`);
  if (s.minItems !== undefined && s.minItems > 0) parts.push(`at least ${s.minItems}`);
  if (s.pattern) parts.push(`pattern \`${s.pattern.replaceAll('|', '\\|')}\``);
  if (s.format) parts.push(s.format);
  return parts.join(', ');
};

/** The configuration reference: one row per field of config/<stage>.yml. */
export const configReference = (): string => {
  const schema = z.toJSONSchema(StageConfigSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  const rows: string[] = [
    '| Field | Type | Required | Default | Constraints |',
    '|---|---|---|---|---|',
  ];
  const walk = (s: JsonSchema, path: string, required: boolean) => {
    const variants = s.anyOf ?? s.oneOf;
    if (variants && variants.every((v) => v.type === 'object' && v.properties)) {
      rows.push(`| \`${path}\` | one of the variants below | ${required ? 'yes' : 'no'} | | |`);
      for (const v of variants) {
        const tag = Object.entries(v.properties ?? {}).find(([, p]) => p.const !== undefined);
        walk(v, `${path}${tag ? ` (${tag[0]}: ${String(tag[1].const)})` : ''}`, true);
      }
      return;
    }
    if (path)
      rows.push(
        `| \`${path}\` | ${describeType(s)} | ${required ? 'yes' : 'no'} | ${s.default !== undefined ? `\`${JSON.stringify(s.default)}\`` : ''} | ${constraints(s)} |`,
      );
    if (s.type === 'object' && s.properties) {
      for (const [key, child] of Object.entries(s.properties))
        walk(child, path ? `${path}.${key}` : key, (s.required ?? []).includes(key));
    } else if (
      s.type === 'object' &&
      s.additionalProperties &&
      typeof s.additionalProperties === 'object'
    ) {
      walk(s.additionalProperties, `${path}.<name>`, true);
    } else if (s.type === 'array' && s.items?.type === 'object') {
      walk(s.items, `${path}[]`, true);
    } else if (s.type === 'array' && (s.items?.anyOf ?? s.items?.oneOf)) {
      walk(s.items, `${path}[]`, true);
    }
  };
  walk(schema, '', true);
  return rows.join('\n');
};

const between = (text: string, marker: string, content: string) => {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`markers ${marker} missing`);
  return `${text.slice(0, i + start.length)}\n${content}\n${text.slice(j)}`;
};

/** Text for a Markdown table cell: `<stage>` is not an HTML tag, `|` not a column. */
const markdown = (text: string) =>
  text.replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('|', '\\|');

/** The error table of docs/pipeline.md: one row per name of the error taxonomy. */
export const errorTable = (taxonomy: Taxonomy = ERROR_TAXONOMY): string =>
  [
    '| Error | Kind | Raised by | Stage | Meaning | What a human does |',
    '|---|---|---|---|---|---|',
    ...Object.entries(taxonomy).map(
      ([name, e]) =>
        `| \`${name}\` | ${e.kind}${e.decided ? ' (a decision)' : ''} | ${e.raisedBy} | ${e.stage} | ${markdown(e.meaning)} | ${markdown(e.advice)} |`,
    ),
  ].join('\n');

const diagramOf = (machine: MachineKey) =>
  `\`\`\`mermaid\n${mermaid(definitionOf(machine, (key) => key) as Definition)}\n\`\`\``;

export const renderDocs = () => {
  const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
  return {
    'docs/architecture.md': between(
      between(read('docs/architecture.md'), 'state-diagram', diagramOf('edgeDeployment')),
      'rollback-diagram',
      diagramOf('rollBackRejected'),
    ),
    'docs/configuration.md': between(
      read('docs/configuration.md'),
      'config-reference',
      configReference(),
    ),
    'docs/pipeline.md': between(read('docs/pipeline.md'), 'error-table', errorTable()),
  };
};

const main = async () => {
  for (const [file, text] of Object.entries(renderDocs())) writeFileSync(join(ROOT, file), text);
  console.log(`${Object.keys(renderDocs()).join(', ')} regenerated`);
  // The transcripts come from real runs on the emulator (a few minutes); --no-transcripts skips them.
  if (process.argv.includes('--no-transcripts')) return;
  const { renderTranscriptDocs } = await import('./transcripts/docs');
  const { generateTranscripts } = await import('./transcripts/scenarios');
  const rendered = renderTranscriptDocs(await generateTranscripts());
  for (const [file, text] of Object.entries(rendered)) writeFileSync(join(ROOT, file), text);
  console.log(`transcripts in ${Object.keys(rendered).join(', ')} regenerated`);
};

if (require.main === module)
  main().then(
    () => process.exit(0),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
