using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// What an opted-in KServe object asks for: a deployment spec (with <see cref="Bounds"/>.Min replicas; the reconciler
/// sets the number an autoscaler wants within the bounds), or the reasons it cannot be read.
/// </summary>
public sealed record InferenceServiceSpec(DeploymentSpec? Spec, IReadOnlyList<string> Errors, ReplicaBounds? Bounds = null)
{
    public bool IsValid => Spec is not null && Errors.Count == 0;
}
