using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Gateway.Contracts;

/// <summary>The shape of a model the catalog does not know, enough to size its weights and KV cache.</summary>
public sealed record ArchitectureRequestBody
{
    [Required]
    public double ParametersBillions { get; init; }

    [Required, Range(1, 1_000)]
    public int Layers { get; init; }

    [Required, Range(1, 1_024)]
    public int KvHeads { get; init; }

    [Required, Range(1, 4_096)]
    public int HeadDim { get; init; }

    [Required, Range(1, 10_000_000)]
    public int DefaultContext { get; init; }
}
