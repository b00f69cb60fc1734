/** What SageMaker's registry, Neo and Edge Manager share here (botocore service model). */
export type Body = Record<string, any>;

// EntityName (CompilationJobName, EdgePackagingJobName, ModelName).
export const ENTITY_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
