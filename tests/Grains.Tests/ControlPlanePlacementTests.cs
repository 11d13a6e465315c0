using System.Collections.Immutable;
using System.Net;
using GpuSharing.Grains.Activation;
using GpuSharing.Silo.Activation;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace GpuSharing.Grains.Tests;

/// <summary>Where control-plane grains (node, fleet, placement, model grains) are activated.</summary>
public sealed class ControlPlanePlacementTests
{
    private static readonly SiloAddress Control = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);
    private static readonly SiloAddress NodeSilo = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11112), 1);

    [Fact]
    public async Task A_node_silo_is_not_taken_for_a_control_grain_while_the_control_silos_role_is_not_yet_known()
    {
        // The node silo asks first; the control silo's metadata reaches its cache a little later (it did under load).
        var cache = new Cache();
        cache.Known[NodeSilo] = "node";
        var director = new ControlPlanePlacementDirector(cache, TimeProvider.System);

        var placing = director.OnAddActivation(new ControlPlanePlacement(), Target(), new Context(NodeSilo, [Control, NodeSilo]));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        cache.Known[Control] = "control";

        Assert.Equal(Control, await placing.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Without_any_control_silo_a_control_grain_goes_where_it_can()
    {
        var cache = new Cache();
        cache.Known[NodeSilo] = "node";
        var director = new ControlPlanePlacementDirector(cache, TimeProvider.System);

        Assert.Equal(NodeSilo, await director.OnAddActivation(new ControlPlanePlacement(), Target(), new Context(NodeSilo, [NodeSilo])));
    }

    private static PlacementTarget Target() =>
        new(GrainId.Create("node", "node-b"), [], GrainInterfaceType.Create("gpusharing.INodeGrain"), 0);

    private sealed class Cache : ISiloMetadataCache
    {
        public Dictionary<SiloAddress, string> Known { get; } = [];

        public SiloMetadata GetSiloMetadata(SiloAddress siloAddress) =>
            Known.TryGetValue(siloAddress, out var role)
                ? With(ImmutableDictionary<string, string>.Empty.Add(SiloMetadataKeys.Role, role))
                : SiloMetadata.Empty;

        // SiloMetadata is filled by Orleans' serializer; a test makes one the same way, through its backing field.
        private static SiloMetadata With(ImmutableDictionary<string, string> values)
        {
            var metadata = new SiloMetadata();
            var property = typeof(SiloMetadata).GetProperty(nameof(SiloMetadata.Metadata))!;
            if (property.SetMethod is { } setter)
            {
                setter.Invoke(metadata, [values]);
            }
            else
            {
                typeof(SiloMetadata).GetField($"<{nameof(SiloMetadata.Metadata)}>k__BackingField", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.SetValue(metadata, values);
            }

            return metadata;
        }
    }

    private sealed class Context(SiloAddress local, SiloAddress[] silos) : IPlacementContext
    {
        public SiloAddress LocalSilo => local;

        public SiloStatus LocalSiloStatus => SiloStatus.Active;

        public SiloAddress[] GetCompatibleSilos(PlacementTarget target) => silos;

        public IReadOnlyDictionary<ushort, SiloAddress[]> GetCompatibleSilosWithVersions(PlacementTarget target) => new Dictionary<ushort, SiloAddress[]> { [0] = silos };
    }
}
