declare module 'asl-validator' {
  type Result = {
    isValid: boolean;
    errors: { message: string; 'Error code'?: string; path?: string }[];
  };
  const validator: (
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ) => Result;
  export = validator;
}
declare module 'dynalite';
declare module 's3rver';
