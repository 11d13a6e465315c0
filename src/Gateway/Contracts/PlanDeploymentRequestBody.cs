using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Gateway.Contracts;

/// <summary>One deployment of a what-if plan: its name and its spec.</summary>
public sealed record PlanDeploymentRequestBody : DeploymentRequestBody
{
    [Required, MaxLength(63)]
    public string Namespace { get; init; } = string.Empty;

    [Required, MaxLength(63)]
    public string Name { get; init; } = string.Empty;
}
