using GpuSharing.Grains.Placement;
using GpuSharing.Silo.Configuration;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace GpuSharing.Silo.Placement;

/// <summary>Activates control-plane grains on control (or all-in-one) silos, falling back to any silo when there is none.</summary>
public sealed class ControlPlanePlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var control = compatible.Where(IsControl).ToArray();
        var candidates = control.Length > 0 ? control : compatible;
        if (candidates.Contains(context.LocalSilo))
        {
            return Task.FromResult(context.LocalSilo);
        }

        return Task.FromResult(candidates[Random.Shared.Next(candidates.Length)]);
    }

    private bool IsControl(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloMetadataKeys.Role, out var role)
        && Enum.TryParse<SiloRole>(role, ignoreCase: true, out var parsed)
        && parsed is SiloRole.Control or SiloRole.All;
}
