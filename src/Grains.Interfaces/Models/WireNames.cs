namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// How the deployment contract's choices are spelled on the wire — in REST bodies, in <c>aim.amd.com/*</c>
/// annotations and in what is written back: one table per choice, read and written through the same names.
/// </summary>
public static class WireNames
{
    public const string High = "high";
    public const string Medium = "medium";
    public const string Low = "low";
    public const string Exclusive = "exclusive";
    public const string Shared = "shared";
    public const string Fp32 = "fp32";
    public const string Bf16 = "bf16";
    public const string Fp16 = "fp16";
    public const string Fp8 = "fp8";
    public const string Int8 = "int8";
    public const string Int4 = "int4";
    public const string KvCacheAuto = "auto";
    public const string KvCacheFp8 = "fp8";

    public static IReadOnlyList<(string Name, Priority Value)> Priorities { get; } = [(High, Priority.High), (Medium, Priority.Medium), (Low, Priority.Low)];

    public static IReadOnlyList<(string Name, Isolation Value)> Isolations { get; } = [(Exclusive, Isolation.Exclusive), (Shared, Isolation.Shared)];

    public static IReadOnlyList<(string Name, Precision Value)> Precisions { get; } =
        [(Fp32, Precision.Fp32), (Bf16, Precision.Bf16), (Fp16, Precision.Fp16), (Fp8, Precision.Fp8), (Int8, Precision.Int8), (Int4, Precision.Int4)];

    /// <summary><c>kvCacheDtype</c>: <c>auto</c> (the weights' type) or <c>fp8</c> (true).</summary>
    public static IReadOnlyList<(string Name, bool Value)> KvCacheDtypes { get; } = [(KvCacheAuto, false), (KvCacheFp8, true)];

    public static string Of(Priority priority) => Priorities.Single(p => p.Value == priority).Name;

    public static string Of(Isolation isolation) => Isolations.Single(i => i.Value == isolation).Name;

    public static string Of(Precision precision) => Precisions.Single(p => p.Value == precision).Name;
}
