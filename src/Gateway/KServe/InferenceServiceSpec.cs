using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.KServe;

/// <summary>What an opted-in InferenceService asks for: a deployment spec, or the reasons it cannot be read.</summary>
public sealed record InferenceServiceSpec(DeploymentSpec? Spec, IReadOnlyList<string> Errors)
{
    public bool IsValid => Spec is not null && Errors.Count == 0;
}
