import { JsonRpcProvider, Network } from "ethers";

/**
 * A JSON-RPC provider for the consortium's ledger. With the chain id known the provider never
 * probes the network again, which matters when the endpoint is down (no retry storm) and
 * matches a permissioned chain whose id never changes. Its request cache is off: after its own
 * transaction the node must read the block that holds it, not a head cached a moment earlier.
 */
export function createProvider(rpcUrl: string, chainId?: number): JsonRpcProvider {
  if (chainId === undefined) return new JsonRpcProvider(rpcUrl, undefined, { polling: true, pollingInterval: 500, cacheTimeout: -1 });
  const network = Network.from(chainId);
  return new JsonRpcProvider(rpcUrl, network, { staticNetwork: network, polling: true, pollingInterval: 500, cacheTimeout: -1 });
}
