import { z } from 'zod';
import { jsonText, slug } from './fields';

/** Build targets: SageMaker Neo's target devices and platforms, and the frameworks it compiles. */

export const NEO_FRAMEWORKS = [
  'TENSORFLOW',
  'KERAS',
  'MXNET',
  'ONNX',
  'PYTORCH',
  'XGBOOST',
  'TFLITE',
  'DARKNET',
  'SKLEARN',
] as const;

/** CreateCompilationJob `OutputConfig.TargetDevice` values for edge devices and hosts. */
export const NEO_TARGET_DEVICES = [
  'lambda',
  'ml_m4',
  'ml_m5',
  'ml_m6g',
  'ml_c4',
  'ml_c5',
  'ml_c6g',
  'ml_p2',
  'ml_p3',
  'ml_g4dn',
  'ml_inf1',
  'ml_inf2',
  'ml_trn1',
  'ml_eia2',
  'jetson_tx1',
  'jetson_tx2',
  'jetson_nano',
  'jetson_xavier',
  'rasp3b',
  'rasp4b',
  'imx8qm',
  'deeplens',
  'rk3399',
  'rk3288',
  'aisage',
  'sbe_c',
  'qcs605',
  'qcs603',
  'sitara_am57x',
  'amba_cv2',
  'amba_cv22',
  'amba_cv25',
  'x86_win32',
  'x86_win64',
  'coreml',
  'jacinto_tda4vm',
  'imx8mplus',
] as const;

/**
 * The newest framework version SageMaker Neo compiles for edge devices ("Supported Frameworks"
 * under "Supported Frameworks, Devices, Systems, and Architectures" for edge devices in the
 * SageMaker developer guide: each row reads "Supports X or earlier"; TensorFlow 2.5 is listed
 * only for ml.inf1 instances, which are not edge devices). DARKNET is listed without a version;
 * SKLEARN is not listed for edge devices at all. The device table lists no framework per
 * device, so the framework table applies to every edge target alike.
 */
export const NEO_EDGE_MAX_VERSION: Partial<Record<(typeof NEO_FRAMEWORKS)[number], string>> = {
  MXNET: '1.8',
  ONNX: '1.7',
  KERAS: '2.2',
  PYTORCH: '1.8',
  TENSORFLOW: '2.4',
  TFLITE: '1.15',
  XGBOOST: '1.3',
};
export const NEO_EDGE_FRAMEWORKS = new Set<string>([
  ...Object.keys(NEO_EDGE_MAX_VERSION),
  'DARKNET',
]);

/** Cloud targets (Lambda and ML instances) follow another table; every other target is an edge device. */
export const isEdgeTarget = (t: { targetDevice?: string }) =>
  !t.targetDevice || !(t.targetDevice === 'lambda' || t.targetDevice.startsWith('ml_'));

/** Compares major.minor (a patch level does not change what Neo supports). */
export const minorAtMost = (version: string, max: string) => {
  const [a = 0, b = 0] = version.split('.').map((p) => Number.parseInt(p, 10));
  const [x = 0, y = 0] = max.split('.').map((p) => Number.parseInt(p, 10));
  return a < x || (a === x && b <= y);
};

export const TargetSchema = z
  .object({
    name: slug('target name'),
    targetDevice: z.enum(NEO_TARGET_DEVICES).optional(),
    targetPlatform: z
      .object({
        os: z.enum(['ANDROID', 'LINUX']),
        arch: z.enum(['X86_64', 'X86', 'ARM64', 'ARM_EABI', 'ARM_EABIHF']),
        accelerator: z.enum(['INTEL_GRAPHICS', 'MALI', 'NVIDIA', 'NNA']).optional(),
      })
      .strict()
      .optional(),
    compilerOptions: jsonText(3, 1024).optional(),
    /** The Greengrass recipe manifest `Platform` that selects this build on a device. */
    greengrassPlatform: z
      .object({
        os: z.enum(['linux', 'windows', 'darwin']),
        architecture: z.string().min(1),
      })
      .catchall(z.string().min(1)),
  })
  .strict()
  .superRefine((target, ctx) => {
    if (Boolean(target.targetDevice) === Boolean(target.targetPlatform)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give exactly one of targetDevice or targetPlatform (SageMaker Neo refuses both)',
        path: ['targetDevice'],
      });
    }
    if (target.targetPlatform?.accelerator === 'NVIDIA' && !target.compilerOptions) {
      ctx.addIssue({
        code: 'custom',
        message: 'NVIDIA targets need compilerOptions (gpu-code, trt-ver, cuda-ver)',
        path: ['compilerOptions'],
      });
    }
  });
