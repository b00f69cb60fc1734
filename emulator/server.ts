import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Backends } from './backends';
import { signingService } from './routes';
import { type Activity, NO_ACTIVITY } from './warp';

/**
 * The emulator's one HTTP server on 127.0.0.1. It listens before the services are wired
 * (the URL is part of every function's environment); `route` swaps in the full router then.
 */
export const listen = async (
  port: number | undefined,
  backends: Backends,
  /** Every request holds it until its answer is sent (or the connection closes). */
  activity: Activity = NO_ACTIVITY,
) => {
  // Until every service is wired, only the storage backends answer (provisioning uses them).
  let dispatch: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    const service = signingService(req);
    if (service === 'dynamodb') return backends.dynamodb(req, res);
    if (service === 's3') return backends.s3(req, res);
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => {
    res.once('close', activity.hold());
    dispatch(req, res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'EADDRINUSE'
          ? Object.assign(
              new Error(
                `port ${port} on 127.0.0.1 is already in use: choose another (--port), or stop what listens there`,
              ),
              { name: 'PortInUse' },
            )
          : error,
      ),
    );
    server.listen(port ?? 0, '127.0.0.1', ok);
  });
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    route: (router: RequestListener) => {
      dispatch = router;
    },
  };
};
