using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.Contracts;

/// <summary>
/// The body of <c>PUT /api/v1/models/{namespace}/{name}</c>, as the OpenAPI document describes it. The gateway reads the
/// JSON itself (<see cref="Http.DeploymentSpecReader"/>, which says which field is wrong and why); this type only
/// documents the same rules.
/// </summary>
public record DeploymentRequestBody
{
    [Required, MaxLength(ModelIds.MaxLength), Description("A Hugging Face id (org/name), a catalog name (qwen2.5-7b), or a local path under an allowed prefix.")]
    public string Model { get; init; } = string.Empty;

    [AllowedValues(WireNames.Fp32, WireNames.Bf16, WireNames.Fp16, WireNames.Fp8, WireNames.Int8, WireNames.Int4), Description("Weights' precision; bf16 when omitted.")]
    public string? Precision { get; init; }

    [Range(1, DeploymentLimits.MaxContext), Description("Context length; the model's default when omitted.")]
    public int? MaxModelLen { get; init; }

    [Range(1, DeploymentLimits.MaxSequences), Description("Concurrent sequences the KV cache is sized for.")]
    public int? MaxNumSeqs { get; init; }

    [Range(1, DeploymentLimits.MaxReplicas), Description("Replicas, placed apart where the fleet allows; 1 when omitted.")]
    public int? Replicas { get; init; }

    [AllowedValues(WireNames.High, WireNames.Medium, WireNames.Low), Description("Admission and preemption priority; medium when omitted.")]
    public string? Priority { get; init; }

    [AllowedValues(WireNames.Exclusive, WireNames.Shared), Description("Exclusive: alone on its partitions (the default for high).")]
    public string? Isolation { get; init; }

    public SloRequestBody? Slo { get; init; }

    public ArchitectureRequestBody? Architecture { get; init; }

    [Range(typeof(long), "1", "9223372036854775807"), Description("KV cache to reserve per replica, instead of the sized one.")]
    public long? KvCacheBytes { get; init; }

    [Range(typeof(long), "1", "9223372036854775807"), Description("The least KV cache a replica may run with when room is short.")]
    public long? MinKvCacheBytes { get; init; }

    [AllowedValues(1, 2, 4, 8), Description("The most partitions one replica may span.")]
    public int? MaxTensorParallel { get; init; }

    [AllowedValues(WireNames.KvCacheAuto, WireNames.KvCacheFp8)]
    public string? KvCacheDtype { get; init; }

    [MaxLength(253), Description("Pins the replicas to a node.")]
    public string? Node { get; init; }

    [Range(0, DeploymentLimits.MaxGpuIndex), Description("Pins the replicas to a GPU of the node (needs node).")]
    public int? Gpu { get; init; }

    [Range(typeof(long), "1", "9223372036854775807"), Description("A cap on each replica's reservation.")]
    public long? MemoryLimitBytes { get; init; }

    [MinLength(1), MaxLength(DeclaredEndpoints.MaxCount), Description("Servers you run for this deployment (OpenAI-compatible base URLs, http or https); the gateway routes to them besides the replicas a node silo runs.")]
    public IReadOnlyList<string>? Endpoints { get; init; }
}
