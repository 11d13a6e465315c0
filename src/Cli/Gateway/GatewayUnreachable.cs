namespace GpuSharing.Cli.Gateway;

/// <summary>The gateway did not answer at all: nothing was done, and the message says where the CLI looked.</summary>
public sealed class GatewayUnreachable(Uri server, string reason, Exception inner)
    : Exception($"Cannot reach the gateway at {server} ({reason}). Start the local system with ./run.sh, or pass --server / set GPUSHARE_SERVER.", inner);
