using GpuSharing.Cli.Gateway;
using GpuSharing.Cli.Output;

namespace GpuSharing.Cli.Commands;

/// <summary>What a command works with: the gateway, where to write, stdin, the clock.</summary>
public sealed record CommandContext(GatewayClient Gateway, CliOutput Output, TextReader Input, TimeProvider Time);
