import type { FastifyInstance } from 'fastify';

/** Build identity baked into the image, read by the pipeline's post-deploy verification. */
export interface BuildInfo {
  readonly commitSha: string;
  readonly buildTime: string;
}

export function registerVersion(app: FastifyInstance, build: BuildInfo): void {
  app.get('/version', async () => ({ commitSha: build.commitSha, buildTime: build.buildTime, node: process.version }));
}
