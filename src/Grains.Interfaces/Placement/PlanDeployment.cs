using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Interfaces.Placement;

/// <summary>A deployment of a what-if plan: <c>namespace/name</c> and its spec.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PlanDeployment")]
public sealed record PlanDeployment(string Namespace, string Name, DeploymentSpec Spec);
