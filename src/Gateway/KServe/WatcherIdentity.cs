namespace GpuSharing.Gateway.KServe;

/// <summary>This gateway replica's name in the leader Lease and in Events.</summary>
public sealed class WatcherIdentity(string name)
{
    public string Name { get; } = name;

    public static WatcherIdentity From(KServeOptions options) =>
        new(options.Identity
            ?? Environment.GetEnvironmentVariable("POD_NAME")
            ?? $"{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid():N}"[..Math.Min(63, Environment.MachineName.Length + 9)]);
}
