'use strict';
/**
 * The state machine definition lives in edge-deployment.asl.json as plain ASL. Lambda
 * tasks name their function as a placeholder, `"Resource": "${resolveModel}"`, where
 * `resolveModel` is the function's key in serverless.yml (SAM-style definition
 * substitutions, which serverless-step-functions lacks). One substitution serves
 * every consumer:
 *   - serverless.yml: placeholders become `Fn::GetAtt: [key, Arn]`;
 *   - tests and local mode: placeholders become whatever ARN they choose.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const ASL_FILE = join(__dirname, 'edge-deployment.asl.json');
const PLACEHOLDER = /^\$\{([A-Za-z][A-Za-z0-9]*)\}$/;

const loadDefinition = () => JSON.parse(readFileSync(ASL_FILE, 'utf8'));

/** Replaces every `"${key}"` string at any depth with `replace(key)`. */
const substitute = (value, replace) => {
  if (typeof value === 'string') {
    const match = PLACEHOLDER.exec(value);
    return match ? replace(match[1]) : value;
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, replace));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, replace)]));
  }
  return value;
};

/** Every function key the definition refers to. */
const referencedFunctions = (definition = loadDefinition()) => {
  const keys = new Set();
  substitute(definition, (key) => keys.add(key));
  return [...keys].sort();
};

/** serverless.yml: `definition: ${file(./statemachines/definition.cjs):forServerless}` */
const forServerless = () => substitute(loadDefinition(), (key) => ({ 'Fn::GetAtt': [key, 'Arn'] }));

module.exports = { ASL_FILE, loadDefinition, substitute, referencedFunctions, forServerless };
