using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Catalog;

namespace GpuSharing.Grains.Planning.Sizing;

/// <summary>
/// Sizes a deployment the way vLLM fills memory: weights = parameters × bytes per parameter of the precision;
/// KV cache = 2 (K and V) × layers × KV heads × head dim × KV bytes per token, for MaxModelLen × MaxNumSeqs tokens or a
/// declared budget; plus the engine's activation reserve. The partition's driver reserve is the partition's concern.
/// </summary>
public static class ModelSizer
{
    public const int MaxReplicas = DeploymentLimits.MaxReplicas;
    public const int MaxContext = DeploymentLimits.MaxContext;
    public const int MaxSequences = DeploymentLimits.MaxSequences;

    private static readonly string TensorParallelChoices = $"{string.Join(", ", DeploymentLimits.TensorParallelSizes.SkipLast(1))} or {DeploymentLimits.TensorParallelSizes[^1]}";

    public static double BytesPerParameter(Precision precision) => precision switch
    {
        Precision.Fp32 => 4,
        Precision.Bf16 or Precision.Fp16 => 2,
        Precision.Fp8 or Precision.Int8 => 1,
        Precision.Int4 => 0.5,
        _ => throw new SizingException("precision", $"Unknown precision {precision}.", isInvalidInput: true),
    };

    /// <summary>vLLM keeps the KV cache in the model's activation dtype (fp32 stays fp32; quantized weights still use 16-bit KV) unless told fp8.</summary>
    public static int KvBytesPerElement(Precision precision, bool kvCacheFp8) =>
        kvCacheFp8 ? 1 : precision == Precision.Fp32 ? 4 : 2;

    public static SizingResult Size(DeploymentSpec spec, SizingOptions? options = null)
    {
        options ??= SizingOptions.Default;
        Validate(spec);
        var entry = ModelCatalog.Find(spec.Model);
        var architecture = spec.Architecture ?? entry?.Architecture
            ?? throw new SizingException("model", $"'{spec.Model}' is not in the model catalog; declare its architecture (parametersBillions, layers, kvHeads, headDim, defaultContext).", isInvalidInput: false);

        var maxModelLen = spec.MaxModelLen ?? Math.Min(architecture.DefaultContext, options.DefaultMaxModelLenCap);
        if (maxModelLen > architecture.DefaultContext)
        {
            throw new SizingException("maxModelLen", $"maxModelLen {maxModelLen} exceeds the context of {entry?.HuggingFaceId ?? spec.Model} ({architecture.DefaultContext} tokens).", isInvalidInput: false);
        }

        var maxNumSeqs = spec.MaxNumSeqs ?? options.DefaultMaxNumSeqs;
        var weights = (long)Math.Ceiling(architecture.ParametersBillions * 1e9 * BytesPerParameter(spec.Precision));
        var perToken = 2L * architecture.Layers * architecture.KvHeads * architecture.HeadDim * KvBytesPerElement(spec.Precision, spec.KvCacheFp8);

        // Every field may be within its range and the product still beyond any memory there is (1,000 layers × 1,024
        // KV heads × 4,096 dims × 10 M tokens × 4,096 sequences): that is a deployment no GPU can hold, not an error of ours.
        var target = spec.KvCacheBytes ?? Product(perToken, maxModelLen, maxNumSeqs);
        if (target > MaxReplicaBytes || weights > MaxReplicaBytes || Product(perToken, maxModelLen, 1) > MaxReplicaBytes)
        {
            throw new SizingException(
                spec.KvCacheBytes is not null ? "kvCacheBytes" : "maxNumSeqs",
                $"{entry?.HuggingFaceId ?? spec.Model} needs more than {Gib(MaxReplicaBytes)} per replica as asked ({Gib(weights)} of weights, {Gib(Math.Min(target, MaxReplicaBytes))}+ of KV cache for {maxNumSeqs} sequence(s) of {maxModelLen} tokens): no GPU holds that.",
                isInvalidInput: false);
        }
        if (spec.MemoryLimitBytes is { } limit)
        {
            // The cap is the owner's word on the whole replica: the KV cache gets what weights and reserve leave, and
            // must still hold one sequence of maxModelLen, or vLLM would refuse to start.
            var left = limit - weights - options.EngineReserveBytes;
            if (left < perToken * maxModelLen)
            {
                throw new SizingException(
                    "memoryLimitBytes",
                    $"A memory limit of {Gib(limit)} leaves {Gib(Math.Max(0, left))} for the KV cache after {Gib(weights)} of weights and {Gib(options.EngineReserveBytes)} of engine reserve; one sequence of {maxModelLen} tokens needs {Gib(perToken * maxModelLen)}.",
                    isInvalidInput: false);
            }

            target = Math.Min(target, left);
        }

        var minimum = Math.Min(target, spec.MinKvCacheBytes ?? perToken * maxModelLen);
        return new SizingResult(
            entry?.HuggingFaceId ?? spec.Model,
            architecture,
            spec.Precision,
            spec.KvCacheFp8,
            maxModelLen,
            maxNumSeqs,
            weights,
            perToken,
            target,
            minimum,
            options.EngineReserveBytes,
            spec.MaxTensorParallel ?? 1);
    }

    private static void Validate(DeploymentSpec spec)
    {
        // The model becomes an argument of the model server. (Which local paths are allowed, the entry points decide.)
        Require(ModelIds.SyntaxError(spec.Model) is null, "model", ModelIds.SyntaxError(spec.Model) ?? string.Empty);
        Require(spec.Replicas is >= 1 and <= MaxReplicas, "replicas", $"replicas must be from 1 to {MaxReplicas}; got {spec.Replicas}.");
        Require(spec.MaxModelLen is null or (>= 1 and <= MaxContext), "maxModelLen", $"maxModelLen must be from 1 to {MaxContext}; got {spec.MaxModelLen}.");
        Require(spec.MaxNumSeqs is null or (>= 1 and <= MaxSequences), "maxNumSeqs", $"maxNumSeqs must be from 1 to {MaxSequences}; got {spec.MaxNumSeqs}.");
        Require(spec.KvCacheBytes is null or > 0, "kvCacheBytes", $"kvCacheBytes must be positive; got {spec.KvCacheBytes}.");
        Require(spec.MinKvCacheBytes is null or > 0, "minKvCacheBytes", $"minKvCacheBytes must be positive; got {spec.MinKvCacheBytes}.");
        Require(spec.MemoryLimitBytes is null or > 0, "memoryLimitBytes", $"memoryLimitBytes must be positive; got {spec.MemoryLimitBytes}.");
        Require(spec.Gpu is null or (>= 0 and <= DeploymentLimits.MaxGpuIndex), "gpu", $"gpu must be a GPU index from 0 to {DeploymentLimits.MaxGpuIndex}; got {spec.Gpu}.");
        Require(spec.Gpu is null || spec.Node is not null, "gpu", "A GPU pin needs a node: pin node and gpu together.");
        Require(spec.MaxTensorParallel is not { } tp || DeploymentLimits.IsTensorParallelSize(tp), "maxTensorParallel", $"maxTensorParallel must be {TensorParallelChoices}; got {spec.MaxTensorParallel}.");
        Require(Enum.IsDefined(spec.Precision), "precision", $"Unknown precision {spec.Precision}.");
        Require(Enum.IsDefined(spec.Priority), "priority", $"Unknown priority {spec.Priority}.");
        if (spec.Architecture is { } a)
        {
            Require(a.ParametersBillions is > 0 and <= 10_000, "architecture.parametersBillions", $"parametersBillions must be from 0 to 10000; got {a.ParametersBillions}.");
            Require(a.Layers is >= 1 and <= 1_000, "architecture.layers", $"layers must be from 1 to 1000; got {a.Layers}.");
            Require(a.KvHeads is >= 1 and <= 1_024, "architecture.kvHeads", $"kvHeads must be from 1 to 1024; got {a.KvHeads}.");
            Require(a.HeadDim is >= 1 and <= 4_096, "architecture.headDim", $"headDim must be from 1 to 4096; got {a.HeadDim}.");
            Require(a.DefaultContext is >= 1 and <= MaxContext, "architecture.defaultContext", $"defaultContext must be from 1 to {MaxContext}; got {a.DefaultContext}.");
        }
    }

    /// <summary>Nothing larger is sized (a petabyte: far beyond any GPU's memory, far from overflowing a long).</summary>
    private const long MaxReplicaBytes = 1L << 50;

    // A product of non-negative factors, saturating at long.MaxValue instead of overflowing.
    private static long Product(long a, long b, long c)
    {
        try
        {
            return checked(a * b * c);
        }
        catch (OverflowException)
        {
            return long.MaxValue;
        }
    }

    private static string Gib(long bytes) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB");

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new SizingException(field, message, isInvalidInput: true);
        }
    }
}
