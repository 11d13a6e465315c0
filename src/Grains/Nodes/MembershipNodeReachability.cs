using GpuSharing.Grains.Activation;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace GpuSharing.Grains.Nodes;

/// <summary>A node is reachable while an active silo publishes its name in its metadata.</summary>
public sealed class MembershipNodeReachability(IClusterMembershipService membership, ISiloMetadataCache metadata) : INodeReachability
{
    public bool IsReachable(string node) =>
        membership.CurrentSnapshot.Members.Values.Any(member =>
            member.Status == SiloStatus.Active
            && metadata.GetSiloMetadata(member.SiloAddress).Metadata.TryGetValue(SiloMetadataKeys.Node, out var published)
            && string.Equals(published, node, StringComparison.Ordinal));
}
