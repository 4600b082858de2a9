// Tests use the same port helpers as the product's loopback servers.
export { freePort, waitForPort } from '../../infra/ports.ts';
