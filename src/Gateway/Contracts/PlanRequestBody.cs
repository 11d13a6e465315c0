using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Gateway.Contracts;

/// <summary>
/// The body of <c>POST /api/v1/plan</c>: the deployments to plan and, optionally, a hypothetical fleet (without it, the
/// real fleet as it is now). Limits: <c>GpuSharing:Gateway:MaxPlanDeployments</c>, <c>MaxPlanReplicas</c>, <c>MaxPlanGpus</c>.
/// </summary>
public sealed record PlanRequestBody
{
    [Required, MinLength(1)]
    public IReadOnlyList<PlanDeploymentRequestBody> Deployments { get; init; } = [];

    public IReadOnlyList<PlanFleetGroupRequestBody>? Fleet { get; init; }
}
