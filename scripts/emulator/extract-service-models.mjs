#!/usr/bin/env node
/**
 * Extracts from AWS's published service models (botocore's `data/<service>/<version>/
 * service-2.json.gz`, the same models the AWS SDKs are generated from) what the emulator
 * needs to refuse and answer like AWS: for each operation it serves, the HTTP binding, the
 * input and output shapes with their constraint traits (required, min, max, pattern, enum)
 * and the modelled errors. The @aws-sdk/client-* v3 schemas and the aws-sdk v2 `.min.json`
 * files drop length/pattern/range/enum traits, so they cannot serve.
 *
 * Usage: node scripts/emulator/extract-service-models.mjs [botocore-data-dir]
 * (default: the data directory of the `botocore` Python package on this machine).
 * Writes emulator/models/service-models.json; commit it together with this script.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const python = (code) => execFileSync('python3', ['-c', code], { encoding: 'utf8' }).trim();
const dataDir =
  process.argv[2] ??
  join(python('import botocore,os;print(os.path.dirname(botocore.__file__))'), 'data');
const version = process.argv[2]
  ? 'given data directory'
  : `botocore ${python('import botocore;print(botocore.__version__)')}`;

/** Emulator service key (its SigV4 signing name) → botocore model and the operations served. */
const SERVICES = {
  sagemaker: {
    model: 'sagemaker/2017-07-24',
    operations: [
      'DescribeModelPackage',
      'UpdateModelPackage',
      'ListModelPackages',
      'CreateCompilationJob',
      'DescribeCompilationJob',
      'StopCompilationJob',
      'CreateEdgePackagingJob',
      'DescribeEdgePackagingJob',
      'StopEdgePackagingJob',
      'StartPipelineExecution',
      'DescribePipelineExecution',
    ],
  },
  states: {
    model: 'stepfunctions/2016-11-23',
    operations: [
      'StartExecution',
      'DescribeExecution',
      'ListExecutions',
      'GetExecutionHistory',
      'StopExecution',
      'RedriveExecution',
      'SendTaskSuccess',
      'SendTaskFailure',
      'SendTaskHeartbeat',
      'DescribeStateMachine',
      'ListStateMachines',
    ],
  },
  secretsmanager: { model: 'secretsmanager/2017-10-17', operations: ['GetSecretValue'] },
  sqs: {
    model: 'sqs/2012-11-05',
    operations: [
      'SendMessage',
      'ReceiveMessage',
      'DeleteMessage',
      'GetQueueAttributes',
      'GetQueueUrl',
    ],
  },
  events: { model: 'events/2015-10-07', operations: ['PutEvents'] },
  greengrass: {
    model: 'greengrassv2/2020-11-30',
    operations: [
      'CreateComponentVersion',
      'DescribeComponent',
      'GetComponent',
      'ListComponentVersions',
      'CreateDeployment',
      'ListDeployments',
      'GetDeployment',
      'CancelDeployment',
      'ListCoreDevices',
      'GetCoreDevice',
      'ListInstalledComponents',
      'ListEffectiveDeployments',
    ],
  },
  iot: {
    model: 'iot/2015-05-28',
    operations: [
      'DescribeJob',
      'ListJobExecutionsForJob',
      'DescribeJobExecution',
      'DescribeThing',
      'ListThingsInThingGroup',
      'RegisterThing',
      'DescribeEndpoint',
      'AddThingToThingGroup',
    ],
  },
  iotdata: { model: 'iot-data/2015-05-28', operations: ['Publish', 'GetThingShadow'] },
  lambda: { model: 'lambda/2015-03-31', operations: ['Invoke'] },
  sns: { model: 'sns/2010-03-31', operations: ['Publish'] },
  monitoring: { model: 'cloudwatch/2010-08-01', operations: ['PutMetricData'] },
};

const KEPT = ['type', 'required', 'min', 'max', 'pattern', 'enum', 'payload', 'flattened'];
const MEMBER_KEPT = ['shape', 'location', 'locationName', 'flattened'];

const out = {
  source: version,
  generatedBy: 'scripts/emulator/extract-service-models.mjs',
  services: {},
};
for (const [key, { model, operations }] of Object.entries(SERVICES)) {
  const api = JSON.parse(
    gunzipSync(readFileSync(join(dataDir, model, 'service-2.json.gz'))).toString('utf8'),
  );
  const shapes = {};
  const visit = (name) => {
    if (!name || shapes[name]) return;
    const s = api.shapes[name];
    const kept = Object.fromEntries(KEPT.filter((k) => k in s).map((k) => [k, s[k]]));
    if (s.error) kept.error = { code: s.error.code ?? name, status: s.error.httpStatusCode ?? 400 };
    if (s.exception && s.fault) kept.fault = true;
    shapes[name] = kept;
    const ref = (m) => Object.fromEntries(MEMBER_KEPT.filter((k) => k in m).map((k) => [k, m[k]]));
    if (s.members) {
      kept.members = Object.fromEntries(Object.entries(s.members).map(([n, m]) => [n, ref(m)]));
      for (const m of Object.values(s.members)) visit(m.shape);
    }
    for (const k of ['member', 'key', 'value']) {
      if (s[k]) {
        kept[k] = ref(s[k]);
        visit(s[k].shape);
      }
    }
  };
  const ops = {};
  for (const op of operations) {
    const o = api.operations[op];
    if (!o) throw new Error(`${model} has no operation ${op}`);
    visit(o.input?.shape);
    visit(o.output?.shape);
    for (const e of o.errors ?? []) visit(e.shape);
    ops[op] = {
      http: { method: o.http?.method, requestUri: o.http?.requestUri },
      ...(o.input ? { input: o.input.shape } : {}),
      ...(o.output ? { output: o.output.shape, resultWrapper: o.output.resultWrapper } : {}),
      errors: (o.errors ?? []).map((e) => e.shape),
    };
  }
  out.services[key] = {
    model,
    protocol: api.metadata.protocol,
    protocols: api.metadata.protocols,
    awsQueryCompatible: Boolean(api.metadata.awsQueryCompatible),
    operations: ops,
    shapes,
  };
}
mkdirSync(join(ROOT, 'emulator/models'), { recursive: true });
writeFileSync(
  join(ROOT, 'emulator/models/service-models.json'),
  `${JSON.stringify(out, null, 1)}\n`,
);
console.log(`emulator/models/service-models.json from ${version}`);
