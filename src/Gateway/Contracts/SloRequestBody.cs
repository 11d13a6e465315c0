using System.ComponentModel.DataAnnotations;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.Contracts;

/// <summary>A deployment's service-level objective: time to first token, time per output token, the share of requests that must meet them.</summary>
public sealed record SloRequestBody
{
    [Range(1, DeploymentLimits.MaxSloMilliseconds)]
    public int? TtftMs { get; init; }

    [Range(1, DeploymentLimits.MaxSloMilliseconds)]
    public int? TpotMs { get; init; }

    [Range(0.0, 1.0)]
    public double? Target { get; init; }
}
