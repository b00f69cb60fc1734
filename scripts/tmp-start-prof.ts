import { Emulator } from '/work/main/emulator/emulator';
import { loadStageConfig } from '/work/main/functions/shared/stage-config/load';
const main = async () => {
  const t = performance.now();
  const e = await Emulator.start({ config: loadStageConfig('/work/main/config/local.yml'), configFile: '/work/main/config/local.yml', fleetSize: Number(process.argv[2]) });
  console.log('started in', Math.round(performance.now() - t), 'ms');
  await e.close();
  process.exit(0);
};
void main();
