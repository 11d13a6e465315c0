using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// Folds amd-smi's per-logical-device answers into physical GPUs. In a partitioned mode amd-smi lists every compute
/// partition as a GPU; they belong together when their PCI addresses differ only in the function, which is the
/// partition index. VRAM per partition: <see cref="AmdSmiPartitionMemory"/>; render nodes and HIP ids come from
/// <c>amd-smi list -e</c> where the tool has it (ROCm 6.4+), never from a numbering guessed from the index.
/// </summary>
public static class AmdSmiSnapshotBuilder
{
    public static NodeHardwareSnapshot Build(
        AmdSmiVersionInfo versions,
        string platform,
        bool canSetPartitions,
        IReadOnlyList<AmdSmiLogicalDevice> devices,
        IReadOnlyList<AmdSmiStaticInfo> statics,
        IReadOnlyList<AmdSmiMetrics> metrics,
        AmdSmiPartitionInfo partitions,
        DateTimeOffset readAt)
    {
        var warnings = new List<string>();
        if (partitions.RequiresRoot)
        {
            warnings.Add("amd-smi withheld the partition profiles (it needs root); capabilities come from the catalog.");
        }

        var staticByGpu = statics.ToDictionary(s => s.Gpu);
        var metricsByGpu = metrics.GroupBy(m => m.Gpu).ToDictionary(g => g.Key, g => g.First());
        var gpus = GroupPhysical(devices)
            .Select((logical, index) => BuildGpu(index, logical, versions, staticByGpu, metricsByGpu, partitions, readAt))
            .ToList();

        var memoryModes = gpus.Select(g => g.MemoryMode).OfType<MemoryMode>().Distinct().ToList();
        if (memoryModes.Count > 1)
        {
            warnings.Add($"GPUs of one node report different memory modes ({string.Join(", ", memoryModes)}).");
        }

        var nodeMemory = gpus.Select(g => g.MemoryMode).OfType<MemoryMode>()
            .GroupBy(m => m).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => (MemoryMode?)g.Key).FirstOrDefault();
        return new NodeHardwareSnapshot(versions.Tool, versions.Rocm, platform, canSetPartitions, nodeMemory, null, gpus, warnings);
    }

    /// <summary>Logical devices grouped by physical GPU (PCI address without function), in amd-smi's order; each group ordered by partition.</summary>
    public static IReadOnlyList<IReadOnlyList<AmdSmiLogicalDevice>> GroupPhysical(IReadOnlyList<AmdSmiLogicalDevice> devices) =>
        [.. devices
            .GroupBy(d => d.PhysicalBdf ?? $"gpu-{d.Gpu}")
            .OrderBy(g => g.Min(d => d.Gpu))
            .Select(g => (IReadOnlyList<AmdSmiLogicalDevice>)[.. g.OrderBy(d => d.Function ?? d.PartitionId ?? 0).ThenBy(d => d.Gpu)])];

    private static GpuDeviceSnapshot BuildGpu(
        int index,
        IReadOnlyList<AmdSmiLogicalDevice> logical,
        AmdSmiVersionInfo versions,
        Dictionary<int, AmdSmiStaticInfo> statics,
        Dictionary<int, AmdSmiMetrics> metrics,
        AmdSmiPartitionInfo partitions,
        DateTimeOffset readAt)
    {
        var primary = logical[0];
        var ids = logical.Select(l => l.Gpu).ToHashSet();
        var primaryStatic = statics.GetValueOrDefault(primary.Gpu);
        var current = partitions.Current.FirstOrDefault(c => c.Gpu == primary.Gpu) ?? partitions.Current.FirstOrDefault(c => ids.Contains(c.Gpu));
        var family = GpuCatalog.Identify(primaryStatic?.MarketName, primaryStatic?.DeviceId);

        var compute = primaryStatic?.ComputePartition ?? current?.AcceleratorType ?? InferCompute(logical.Count, family);
        var memory = primaryStatic?.MemoryPartition
            ?? current?.Memory
            ?? partitions.Memory.FirstOrDefault(m => ids.Contains(m.Gpu))?.Current;
        var count = compute is { } mode && (int)mode != logical.Count && logical.Count == 1 ? (int)mode : logical.Count;

        var reported = logical
            .Select(l => metrics.GetValueOrDefault(l.Gpu)?.TotalVramBytes ?? statics.GetValueOrDefault(l.Gpu)?.VramBytes)
            .OfType<long>()
            .ToList();
        var (total, perPartition) = AmdSmiPartitionMemory.Resolve(family, count, reported, equalReportsAreShares: versions.RocmVersion is not { } v || v >= new Version(6, 4));

        var deviceComputeUnits = family?.ComputeUnits ?? (primaryStatic?.ComputeUnits ?? 0) * (logical.Count > 1 ? logical.Count : 1);
        var partitionComputeUnits = deviceComputeUnits / Math.Max(1, count);
        var resource = compute is { } c && memory is { } m ? $"amd.com/{c.ToString().ToLowerInvariant()}_{m.ToString().ToLowerInvariant()}" : "amd.com/gpu";

        var devicePartitions = Enumerable.Range(0, count)
            .Select(p =>
            {
                var device = p < logical.Count ? logical[p] : null;
                return new DevicePartition(
                    p,
                    perPartition,
                    partitionComputeUnits,
                    device?.Bdf,
                    device is null ? null : device.HipId ?? device.Gpu,
                    versions.ReportsRenderPerPartition ? device?.RenderNode : null);
            })
            .ToList();

        return new GpuDeviceSnapshot(
            index,
            family?.Name,
            primaryStatic?.MarketName ?? "unknown",
            primaryStatic?.DeviceId,
            primary.Bdf,
            primary.Uuid,
            total,
            deviceComputeUnits,
            compute,
            memory,
            devicePartitions,
            Capabilities(ids, partitions, family),
            readAt,
            Telemetry(logical, metrics));
    }

    // Usage, power and temperature are the device's, reported on its primary partition; VRAM in use is each partition's
    // (each logical device reports its own) and the GPU's is their sum.
    private static GpuTelemetry? Telemetry(IReadOnlyList<AmdSmiLogicalDevice> logical, Dictionary<int, AmdSmiMetrics> metrics)
    {
        if (!metrics.TryGetValue(logical[0].Gpu, out var primary))
        {
            return null;
        }

        var perPartition = logical.Select(l => metrics.GetValueOrDefault(l.Gpu)?.UsedVramBytes).ToList();
        var used = perPartition.OfType<long>().ToList();
        return new GpuTelemetry(primary.GfxActivityPercent, primary.SocketPowerWatts, primary.HotspotCelsius, primary.MemoryCelsius, used.Count > 0 ? used.Sum() : null, perPartition);
    }

    private static ComputeMode? InferCompute(int logicalCount, GpuFamily? family) =>
        family?.ComputeModes.FirstOrDefault(m => (int)m == logicalCount) is { } mode && (int)mode == logicalCount ? mode : null;

    private static GpuCapabilities Capabilities(HashSet<int> ids, AmdSmiPartitionInfo partitions, GpuFamily? family)
    {
        var profiles = partitions.Profiles.Where(p => ids.Contains(p.Gpu)).GroupBy(p => p.ProfileIndex).Select(g => g.First()).ToList();
        if (profiles.Count == 0)
        {
            return family?.CatalogCapabilities() ?? GpuCapabilities.None;
        }

        var catalog = family?.CatalogCapabilities();
        var modes = profiles
            .OrderBy(p => p.Type)
            .Select(p => new ComputeModeSupport(
                p.Type,
                p.ProfileIndex,
                p.MemoryCaps.Count > 0 ? p.MemoryCaps : catalog?.ComputeModes.FirstOrDefault(c => c.Mode == p.Type)?.MemoryModes ?? [],
                p.NumPartitions ?? (int)p.Type))
            .ToList();
        var memoryCaps = partitions.Memory.FirstOrDefault(m => ids.Contains(m.Gpu) && m.Caps.Count > 0)?.Caps;
        IReadOnlyList<MemoryMode> memoryModes = memoryCaps ?? [.. modes.SelectMany(m => m.MemoryModes).Distinct().Order()];
        return new GpuCapabilities(modes, memoryModes, CapabilitySource.Device);
    }
}
