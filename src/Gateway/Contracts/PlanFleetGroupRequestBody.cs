using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Gateway.Contracts;

/// <summary>GPUs of a hypothetical fleet: so many of one model, all empty.</summary>
public sealed record PlanFleetGroupRequestBody
{
    [Required, MaxLength(32)]
    public string Model { get; init; } = string.Empty;

    [Required, Range(1, 100_000)]
    public int Count { get; init; }
}
