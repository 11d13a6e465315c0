using GpuSharing.Grains.Interfaces.Hardware;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// The node's GPUs through the real <c>amd-smi</c>. It learns the tool and ROCm version once and adapts: JSON
/// envelopes, the partition output format, whether a memory-mode change needs a separate driver reload (ROCm 7.0+)
/// and how to reload (<c>amd-smi reset -r</c> until 7.11, modprobe after). It refuses to set partitions in an SR-IOV
/// guest, which the tool cannot do.
/// </summary>
public sealed partial class AmdSmiBackend(AmdSmiClient client, TimeProvider time, ILogger<AmdSmiBackend> logger) : IGpuNodeBackend
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (AmdSmiVersionInfo Versions, string Platform)? _tool;

    public string Kind => "amd-smi";

    public async Task<NodeHardwareSnapshot> ReadNodeAsync(CancellationToken cancellationToken)
    {
        var (versions, platform) = await ToolAsync(cancellationToken);
        var devices = await client.ListAsync(versions, cancellationToken);
        var statics = await client.GetStaticAsync(cancellationToken);
        var metrics = await client.GetMetricsAsync(cancellationToken);
        var partitions = await client.GetPartitionAsync(versions, cancellationToken);
        var cannotSet = IsGuest(platform)
            ? $"it is an SR-IOV guest ({platform}); partitions can only be changed on the host"
            : partitions.RequiresRoot ? "amd-smi runs without root here: it can read partitions but not set them (run the node silo as root)" : null;
        var snapshot = AmdSmiSnapshotBuilder.Build(versions, platform, cannotSet is null, devices, statics, metrics, partitions, time.GetUtcNow()) with { CannotSetPartitionsReason = cannotSet };
        foreach (var warning in snapshot.Warnings)
        {
            LogReadWarning(logger, warning);
        }

        return snapshot;
    }

    public async Task<IReadOnlyList<GpuProcessInfo>> ListProcessesAsync(int gpuIndex, CancellationToken cancellationToken)
    {
        var logical = await LogicalDevicesOfAsync(gpuIndex, cancellationToken);
        var ids = logical.Select(l => l.Gpu).ToHashSet();
        var processes = await client.GetProcessesAsync(cancellationToken);
        return [.. processes.Where(p => ids.Contains(p.Gpu)).Select(p => new GpuProcessInfo(gpuIndex, p.Pid, p.Name, p.VramBytes))];
    }

    public async Task SetComputeModeAsync(int gpuIndex, ComputeMode mode, CancellationToken cancellationToken)
    {
        await RequireBareMetalAsync(cancellationToken);
        var logical = await LogicalDevicesOfAsync(gpuIndex, cancellationToken);

        // The PCI address of the primary partition names the physical GPU whatever mode it is in; logical ids shift.
        var selector = logical[0].Bdf ?? logical[0].Gpu.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await client.SetComputePartitionAsync(selector, mode, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<bool> SetMemoryModeAsync(MemoryMode mode, CancellationToken cancellationToken)
    {
        var (versions, _) = await RequireBareMetalAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var result = await client.SetMemoryPartitionAsync(mode, cancellationToken);
            return versions.MemoryChangeNeedsSeparateReload || result.DriverReloadRequired;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task ReloadDriverAsync(CancellationToken cancellationToken)
    {
        var (versions, _) = await RequireBareMetalAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await client.ReloadDriverAsync(versions, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static bool IsGuest(string platform) => platform.Contains("Guest", StringComparison.OrdinalIgnoreCase);

    private async Task<(AmdSmiVersionInfo Versions, string Platform)> RequireBareMetalAsync(CancellationToken cancellationToken)
    {
        var tool = await ToolAsync(cancellationToken);
        if (IsGuest(tool.Platform))
        {
            throw new GpuDeviceException(new DeviceError(
                DeviceErrorKind.GuestCannotSet,
                null,
                $"This node is an SR-IOV guest ({tool.Platform}); partitions can only be changed on the host."));
        }

        return tool;
    }

    private async Task<IReadOnlyList<AmdSmiLogicalDevice>> LogicalDevicesOfAsync(int gpuIndex, CancellationToken cancellationToken)
    {
        var (versions, _) = await ToolAsync(cancellationToken);
        var groups = AmdSmiSnapshotBuilder.GroupPhysical(await client.ListAsync(versions, cancellationToken));
        return gpuIndex >= 0 && gpuIndex < groups.Count
            ? groups[gpuIndex]
            : throw new GpuDeviceException(new DeviceError(DeviceErrorKind.NotFound, 31, $"amd-smi lists {groups.Count} GPU(s); there is no GPU {gpuIndex}."));
    }

    // The version decides formats and the reload procedure; the platform (bare metal or guest) is in the default view from ROCm 7.0.
    private async Task<(AmdSmiVersionInfo Versions, string Platform)> ToolAsync(CancellationToken cancellationToken)
    {
        if (_tool is { } known)
        {
            return known;
        }

        var versions = await client.GetVersionAsync(cancellationToken);
        var platform = "unknown";
        if (versions.HasPartitionJson)
        {
            var view = await client.GetDefaultViewAsync(cancellationToken);
            platform = view.Platform ?? platform;
            versions = versions with { Rocm = versions.Rocm ?? view.Versions.Rocm };
        }

        LogToolDetected(logger, versions.Tool, versions.Rocm, platform);
        _tool = (versions, platform);
        return _tool.Value;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "amd-smi {Tool} (ROCm {Rocm}) on platform {Platform}")]
    private static partial void LogToolDetected(ILogger logger, string? tool, string? rocm, string platform);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the GPUs: {Warning}")]
    private static partial void LogReadWarning(ILogger logger, string warning);
}
