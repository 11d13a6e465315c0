using System.Globalization;
using System.Text.Json;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// <c>amd-smi partition</c>. From ROCm 7.0 the JSON form is one document
/// <c>{"current_partition", "memory_partition", "partition_profiles", "partition_resources"}</c>; before, the text form
/// is read: column tables under <c>CURRENT_PARTITION:</c>, <c>MEMORY_PARTITION:</c> and
/// <c>ACCELERATOR_PARTITION_PROFILES:</c>, or ROCm 6.3's <c>GPU: N / MEMORY_PARTITION: / CAPS / CURRENT</c> blocks.
/// Partition ids come one per row (6.4 new format) or as <c>0,1,…,7</c> on the primary with N/A on the others (old).
/// </summary>
public static class AmdSmiPartitionParser
{
    private static readonly string[] Sections =
        ["CURRENT_PARTITION", "MEMORY_PARTITION", "ACCELERATOR_PARTITION_PROFILES", "ACCELERATOR_PARTITION_RESOURCES"];

    public static AmdSmiPartitionInfo ParseText(string text)
    {
        var lines = AmdSmiText.Lines(text);
        var requiresRoot = lines.Any(l => l.Contains("requires sudo", StringComparison.OrdinalIgnoreCase) || l.Contains("sudo/root", StringComparison.OrdinalIgnoreCase));
        var current = new List<AmdSmiCurrentPartition>();
        var memory = new List<AmdSmiMemoryPartition>();
        var profiles = new List<AmdSmiPartitionProfile>();

        var i = 0;
        while (i < lines.Count)
        {
            var section = SectionName(lines[i]);
            if (section is null)
            {
                i++;
                continue;
            }

            i++;
            var header = NextHeader(lines, ref i);
            if (header is null)
            {
                continue;
            }

            var rows = new List<string>();
            while (i < lines.Count && IsRow(lines[i]))
            {
                rows.Add(lines[i]);
                i++;
            }

            var table = AmdSmiText.ParseTable(header, rows);
            switch (section)
            {
                case "CURRENT_PARTITION":
                    current.AddRange(table.Select(CurrentRow).OfType<AmdSmiCurrentPartition>());
                    break;
                case "MEMORY_PARTITION":
                    memory.AddRange(table.Select(MemoryRow).OfType<AmdSmiMemoryPartition>());
                    break;
                case "ACCELERATOR_PARTITION_PROFILES":
                    profiles.AddRange(ProfileRows(table));
                    break;
            }
        }

        // ROCm 6.3 printed the memory section as GPU blocks: GPU: 0 / MEMORY_PARTITION: / CAPS: N/A / CURRENT: NPS1.
        foreach (var device in AmdSmiText.ParseDevices(text).Where(d => d.Kind == "GPU"))
        {
            if (device.Root.Find("MEMORY_PARTITION") is { } block && memory.All(m => m.Gpu != device.Index))
            {
                memory.Add(new AmdSmiMemoryPartition(device.Index, AmdSmiModes.MemoryList(block.ValueAt("CAPS")), AmdSmiModes.Memory(block.ValueAt("CURRENT"))));
            }
        }

        return new AmdSmiPartitionInfo(current, memory, profiles, requiresRoot);
    }

    public static AmdSmiPartitionInfo ParseJson(string text)
    {
        const string Command = "partition --json";
        using var document = AmdSmiJson.ParseDocument(text, Command);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || AmdSmiJson.Property(root, "current_partition") is null)
        {
            throw AmdSmiJson.Unparsable(Command, "expected an object with current_partition");
        }

        var current = AmdSmiJson.Array(root, "current_partition")
            .Select(e => AmdSmiJson.Integer(e, "gpu_id") is { } gpu
                ? new AmdSmiCurrentPartition(
                    gpu,
                    AmdSmiModes.Memory(AmdSmiJson.Text(e, "memory")),
                    AmdSmiModes.Compute(AmdSmiJson.Text(e, "accelerator_type")),
                    AmdSmiJson.Integer(e, "accelerator_profile_index"),
                    PartitionIds(AmdSmiJson.Text(e, "partition_id")))
                : null)
            .OfType<AmdSmiCurrentPartition>()
            .ToList();

        var memory = AmdSmiJson.Array(root, "memory_partition")
            .Select(e => AmdSmiJson.Integer(e, "gpu_id") is { } gpu
                ? new AmdSmiMemoryPartition(gpu, AmdSmiModes.MemoryList(AmdSmiJson.Text(e, "memory_partition_caps")), AmdSmiModes.Memory(AmdSmiJson.Text(e, "current_memory_partition")))
                : null)
            .OfType<AmdSmiMemoryPartition>()
            .ToList();

        var profileRows = AmdSmiJson.Array(root, "partition_profiles")
            .Select(e => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["GPU_ID"] = AmdSmiJson.Text(e, "gpu_id") ?? string.Empty,
                ["PROFILE_INDEX"] = AmdSmiJson.Text(e, "profile_index") ?? string.Empty,
                ["MEMORY_PARTITION_CAPS"] = AmdSmiJson.Text(e, "memory_partition_caps") ?? string.Empty,
                ["ACCELERATOR_TYPE"] = AmdSmiJson.Text(e, "accelerator_type") ?? string.Empty,
                ["NUM_PARTITIONS"] = AmdSmiJson.Text(e, "num_partitions") ?? string.Empty,
            })
            .ToList();

        // Without root, amd-smi prints a sudo warning and N/A for every profile (ROCm 6.4+), in JSON as in text.
        var requiresRoot = AmdSmiText.Lines(text).Any(l => l.Contains("requires sudo", StringComparison.OrdinalIgnoreCase) || l.Contains("sudo/root", StringComparison.OrdinalIgnoreCase))
            || (profileRows.Count > 0 && profileRows.All(r => AmdSmiQuantity.IsMissing(r["PROFILE_INDEX"]) || string.IsNullOrEmpty(r["PROFILE_INDEX"])));
        return new AmdSmiPartitionInfo(current, memory, ProfileRows(profileRows), requiresRoot);
    }

    private static string? SectionName(string line)
    {
        var trimmed = line.Trim().TrimEnd(':');
        return line.Trim().EndsWith(':') && Sections.Contains(trimmed) ? trimmed : null;
    }

    private static string? NextHeader(IReadOnlyList<string> lines, ref int i)
    {
        while (i < lines.Count)
        {
            var trimmed = lines[i].Trim();
            if (trimmed.StartsWith("GPU_ID", StringComparison.Ordinal) || trimmed.StartsWith("RESOURCE_INDEX", StringComparison.Ordinal))
            {
                return lines[i++];
            }

            if (SectionName(lines[i]) is not null || trimmed.StartsWith("GPU:", StringComparison.Ordinal))
            {
                return null;
            }

            i++; // blank lines and the sudo warning banner sit between a section name and its header
        }

        return null;
    }

    private static bool IsRow(string line)
    {
        var trimmed = line.Trim();
        return trimmed.Length > 0
            && !trimmed.StartsWith("GPU:", StringComparison.Ordinal)
            && !trimmed.StartsWith('*')
            && !trimmed.StartsWith("Legend", StringComparison.OrdinalIgnoreCase)
            && !AmdSmiText.IsNoise(line)
            && SectionName(line) is null;
    }

    private static AmdSmiCurrentPartition? CurrentRow(IReadOnlyDictionary<string, string> row) =>
        AmdSmiQuantity.ParseInt(row.GetValueOrDefault("GPU_ID")) is { } gpu
            ? new AmdSmiCurrentPartition(
                gpu,
                AmdSmiModes.Memory(row.GetValueOrDefault("MEMORY")),
                AmdSmiModes.Compute(row.GetValueOrDefault("ACCELERATOR_TYPE")),
                AmdSmiQuantity.ParseInt(row.GetValueOrDefault("ACCELERATOR_PROFILE_INDEX")),
                PartitionIds(row.GetValueOrDefault("PARTITION_ID")))
            : null;

    private static AmdSmiMemoryPartition? MemoryRow(IReadOnlyDictionary<string, string> row) =>
        AmdSmiQuantity.ParseInt(row.GetValueOrDefault("GPU_ID")) is { } gpu
            ? new AmdSmiMemoryPartition(gpu, AmdSmiModes.MemoryList(row.GetValueOrDefault("MEMORY_PARTITION_CAPS")), AmdSmiModes.Memory(row.GetValueOrDefault("CURRENT_MEMORY_PARTITION")))
            : null;

    // Continuation rows (one per resource) leave the profile columns empty; an empty GPU_ID belongs to the GPU above.
    private static List<AmdSmiPartitionProfile> ProfileRows(IEnumerable<IReadOnlyDictionary<string, string>> rows)
    {
        var profiles = new List<AmdSmiPartitionProfile>();
        int? gpu = null;
        foreach (var row in rows)
        {
            var gpuText = row.GetValueOrDefault("GPU_ID");
            if (!string.IsNullOrWhiteSpace(gpuText))
            {
                gpu = AmdSmiQuantity.ParseInt(gpuText);
            }

            var index = AmdSmiQuantity.ParseInt(row.GetValueOrDefault("PROFILE_INDEX"));
            var type = row.GetValueOrDefault("ACCELERATOR_TYPE");
            if (gpu is null || index is null || AmdSmiModes.Compute(type) is not { } mode)
            {
                continue;
            }

            profiles.Add(new AmdSmiPartitionProfile(
                gpu.Value,
                index.Value,
                mode,
                AmdSmiModes.MemoryList(row.GetValueOrDefault("MEMORY_PARTITION_CAPS")),
                AmdSmiQuantity.ParseInt(row.GetValueOrDefault("NUM_PARTITIONS")),
                AmdSmiModes.IsCurrentMarker(type)));
        }

        return profiles;
    }

    private static IReadOnlyList<int> PartitionIds(string? text) =>
        AmdSmiQuantity.IsMissing(text)
            ? []
            : [.. text!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? id : (int?)null)
                .OfType<int>()];
}
