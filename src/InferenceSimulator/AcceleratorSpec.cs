namespace GpuSharing.InferenceSimulator;

/// <summary>
/// What the timing model takes from a GPU family: peak HBM bandwidth and peak dense 16-bit matrix throughput (AMD's
/// published figures), of the whole device. A partition gets its compute-unit share of both.
/// </summary>
public sealed record AcceleratorSpec(string Family, double BandwidthBytesPerSecond, double Bf16FlopsPerSecond)
{
    public static readonly AcceleratorSpec Mi300X = new("MI300X", 5.3e12, 1.307e15);

    private static readonly Dictionary<string, AcceleratorSpec> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["MI300X"] = Mi300X,
        ["MI325X"] = new("MI325X", 6.0e12, 1.307e15),
        ["MI350X"] = new("MI350X", 8.0e12, 2.3e15),
        ["MI355X"] = new("MI355X", 8.0e12, 2.5e15),
    };

    /// <summary>The family's figures; an unknown family is timed as an MI300X.</summary>
    public static AcceleratorSpec For(string? family) =>
        family is not null && Known.TryGetValue(family, out var spec) ? spec : Mi300X;
}
