/** Builds the harness bundle with webpack's Node API; rejects with webpack's errors. */
import webpack from 'webpack';
import { harnessConfig } from '../webpack.config.ts';

export async function buildHarness(outDir: string): Promise<void> {
  const compiler = webpack(await harnessConfig(outDir));
  await new Promise<void>((resolve, reject) => {
    compiler.run((error, stats) => {
      compiler.close(() => undefined);
      if (error) return reject(error);
      if (stats?.hasErrors()) return reject(new Error(stats.toString({ all: false, errors: true, errorDetails: false }).slice(0, 4000)));
      resolve();
    });
  });
}
