// Placeholder so serverless.yml can declare the rule, DLQ and role; the real handler
// (validation, dedupe, supersede, Rejected handling) lands with the ingestion issue.
export const handler = async (): Promise<never> => {
  throw new Error('start-pipeline is not implemented yet');
};
