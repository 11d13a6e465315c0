using GpuSharing.Grains.Activation;
using GpuSharing.Grains.Interfaces;
using GpuSharing.Grains.Interfaces.Nodes;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace GpuSharing.Silo.Activation;

/// <summary>
/// Activates a hardware grain on the silo whose metadata names the grain's node (the first segment of its key).
/// Silo metadata reaches the cache a moment after a silo joins, so it waits briefly before it gives up; a node with
/// no silo is unreachable, and its grains are not activated anywhere else.
/// </summary>
public sealed class NodeAffinityPlacementDirector(ISiloMetadataCache metadata, TimeProvider time) : IPlacementDirector
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var node = GrainKeys.NodeOf(target.GrainIdentity.Key.ToString() ?? string.Empty);
        var deadline = time.GetUtcNow() + Patience;
        while (true)
        {
            var silo = context.GetCompatibleSilos(target)
                .Where(s => metadata.GetSiloMetadata(s).Metadata.TryGetValue(SiloMetadataKeys.Node, out var published) && published == node)
                .OrderBy(s => s.ToString(), StringComparer.Ordinal)
                .FirstOrDefault();
            if (silo is not null)
            {
                return silo;
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new NodeUnreachableException($"No active silo serves node '{node}', so {target.GrainIdentity} cannot be activated.");
            }

            await Task.Delay(Poll, time);
        }
    }
}
