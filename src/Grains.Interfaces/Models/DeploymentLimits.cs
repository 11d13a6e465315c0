namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// The ranges of a deployment spec, in one place: the REST reader, the annotation reader, the sizer and the OpenAPI
/// schema all check against these, so that a value one entry accepts no other refuses.
/// </summary>
public static class DeploymentLimits
{
    public const int MaxReplicas = 64;

    /// <summary>The longest context (<c>maxModelLen</c>, an architecture's default context), in tokens.</summary>
    public const int MaxContext = 10_000_000;

    /// <summary>The most concurrent sequences (<c>maxNumSeqs</c>) the KV cache is sized for.</summary>
    public const int MaxSequences = 4096;

    /// <summary>The highest GPU index a pin or a route may name.</summary>
    public const int MaxGpuIndex = 63;

    /// <summary>An SLO latency target (<c>ttftMs</c>, <c>tpotMs</c>) at most: an hour.</summary>
    public const int MaxSloMilliseconds = 3_600_000;

    /// <summary>The tensor-parallel sizes a replica may span: partitions of one GPU, a power of two up to CPX's eight.</summary>
    public static IReadOnlyList<int> TensorParallelSizes { get; } = [1, 2, 4, 8];

    public const int MaxTensorParallel = 8;

    public static bool IsTensorParallelSize(int size) => size is 1 or 2 or 4 or 8;
}
