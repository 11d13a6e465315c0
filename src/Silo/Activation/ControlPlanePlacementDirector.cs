using GpuSharing.Grains.Activation;
using GpuSharing.Silo.Configuration;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace GpuSharing.Silo.Activation;

/// <summary>
/// Activates control-plane grains on control (or all-in-one) silos, falling back to any silo only when no silo is a
/// control silo. Silo metadata reaches the cache a moment after a silo joins: while a silo's role is not known yet it
/// waits briefly rather than take a node silo for one without a control silo — a node grain or the placement grain
/// activated on a node silo would die with that node's silo, which is exactly when it must answer.
/// </summary>
public sealed class ControlPlanePlacementDirector(ISiloMetadataCache metadata, TimeProvider time) : IPlacementDirector
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var deadline = time.GetUtcNow() + Patience;
        while (true)
        {
            var compatible = context.GetCompatibleSilos(target);
            var roles = compatible.Select(s => (Silo: s, Role: RoleOf(s))).ToList();
            var control = roles.Where(r => r.Role is SiloRole.Control or SiloRole.All).Select(r => r.Silo).ToArray();
            if (control.Length > 0 || roles.All(r => r.Role is not null) || time.GetUtcNow() >= deadline)
            {
                var candidates = control.Length > 0 ? control : compatible;
                return candidates.Contains(context.LocalSilo) ? context.LocalSilo : candidates[Random.Shared.Next(candidates.Length)];
            }

            await Task.Delay(Poll, time);
        }
    }

    private SiloRole? RoleOf(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloMetadataKeys.Role, out var role) && Enum.TryParse<SiloRole>(role, ignoreCase: true, out var parsed)
            ? parsed
            : null;
}
