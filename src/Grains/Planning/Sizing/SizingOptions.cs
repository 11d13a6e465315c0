namespace GpuSharing.Grains.Planning.Sizing;

/// <summary>
/// The constants of the memory model. vLLM measures about 5 GiB of activations and runtime for models from 0.5B to
/// 70B (it scales with batched tokens and vocabulary, not with parameters), paid per engine instance; the ROCm runtime
/// and HIP context take a little of each partition.
/// </summary>
public sealed record SizingOptions
{
    public static SizingOptions Default { get; } = new();

    /// <summary>Activations of vLLM's profiling pass plus non-torch memory, per engine (per tensor-parallel rank).</summary>
    public long EngineReserveBytes { get; init; } = 5L << 30;

    /// <summary>Kept free on every partition for the driver and runtime: this fraction of its VRAM…</summary>
    public double DriverReserveFraction { get; init; } = 0.02;

    /// <summary>…and at least this much.</summary>
    public long DriverReserveMinimumBytes { get; init; } = 512L << 20;

    /// <summary>Concurrent sequences sized for when a deployment does not say (vLLM's own default of 256 would size the KV cache for a whole GPU).</summary>
    public int DefaultMaxNumSeqs { get; init; } = 16;

    /// <summary>Context sized for when a deployment does not say: the model's own, capped here.</summary>
    public int DefaultMaxModelLenCap { get; init; } = 8192;

    public long DriverReserve(long partitionBytes) =>
        Math.Max(DriverReserveMinimumBytes, (long)(partitionBytes * DriverReserveFraction));

    public long Usable(long partitionBytes) => Math.Max(0, partitionBytes - DriverReserve(partitionBytes));
}
