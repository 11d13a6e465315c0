namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// The vLLM arguments a binding sets. The binding writes them; the KServe write-back replaces exactly these in a
/// predictor's arguments and leaves every other argument of the user's as it was.
/// </summary>
public static class VllmFlags
{
    /// <summary>The model the binding serves (for <c>vllm serve</c>, the positional argument).</summary>
    public const string Model = "--model";

    public const string GpuMemoryUtilization = "--gpu-memory-utilization";
    public const string MaxModelLen = "--max-model-len";
    public const string MaxNumSeqs = "--max-num-seqs";
    public const string TensorParallelSize = "--tensor-parallel-size";
    public const string Dtype = "--dtype";
    public const string Quantization = "--quantization";
    public const string KvCacheDtype = "--kv-cache-dtype";

    /// <summary>Every flag a binding owns.</summary>
    public static IReadOnlyList<string> Owned { get; } = [GpuMemoryUtilization, MaxModelLen, MaxNumSeqs, TensorParallelSize, Dtype, Quantization, KvCacheDtype];
}
