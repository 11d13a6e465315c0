using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>Mode names as amd-smi prints them: <c>CPX</c>, <c>CPX*</c> (the current profile), <c>NPS1,NPS4</c>, <c>N/A</c>.</summary>
public static class AmdSmiModes
{
    public static ComputeMode? Compute(string? text)
    {
        var name = Clean(text);
        return name is not null && Enum.TryParse<ComputeMode>(name, ignoreCase: false, out var mode) && Enum.IsDefined(mode) && !int.TryParse(name, out _)
            ? mode
            : null;
    }

    public static MemoryMode? Memory(string? text)
    {
        var name = Clean(text);
        return name is not null && Enum.TryParse<MemoryMode>(name, ignoreCase: false, out var mode) && Enum.IsDefined(mode) && !int.TryParse(name, out _)
            ? mode
            : null;
    }

    /// <summary><c>NPS1,NPS4</c> or <c>NPS1, NPS4</c> → [NPS1, NPS4]; N/A → [].</summary>
    public static IReadOnlyList<MemoryMode> MemoryList(string? text) =>
        AmdSmiQuantity.IsMissing(text)
            ? []
            : [.. text!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Memory).OfType<MemoryMode>().Distinct().Order()];

    public static bool IsCurrentMarker(string? text) => text?.TrimEnd().EndsWith('*') == true;

    private static string? Clean(string? text) =>
        AmdSmiQuantity.IsMissing(text) ? null : text!.Trim().TrimEnd('*').Trim().ToUpperInvariant();
}
