namespace GpuSharing.Gateway.Tests.Serving;

/// <summary>
/// The gateway's web host over a silo whose runtime is <c>vllm</c>, pointed at the FAKE vllm executable: every placed
/// replica runs as a child process of the silo, started as a real <c>vllm serve</c> would be.
/// </summary>
public sealed class VllmGatewayHostFixture : GatewayHostFixture, IDisposable
{
    private static readonly int FirstPort = FreePorts.Next();

    public VllmGatewayHostFixture()
        : base([], new Dictionary<string, string?>
        {
            ["GpuSharing:Node:Runtime"] = "vllm",
            ["GpuSharing:Node:Vllm:Path"] = FakeVllm.ExecutablePath,
            ["GpuSharing:Node:Vllm:FirstPort"] = $"{FirstPort}",
            ["GpuSharing:Node:Vllm:LastPort"] = $"{FirstPort + 40}",
            ["GpuSharing:Node:Vllm:RestartDelay"] = "00:00:00.200",
            ["GpuSharing:Node:Vllm:MaxRestartDelay"] = "00:00:01",
        })
    {
        // The fake's children inherit the silo's environment: the log is named there (the binding adds the devices).
        Environment.SetEnvironmentVariable(FakeVllm.LogVariable, Vllm.LogPath);
    }

    public FakeVllm Vllm { get; } = new();

    public void Dispose() => Vllm.Dispose();
}
