namespace GpuSharing.Grains.Fleet;

[GenerateSerializer, Alias("gpusharing.FleetGrainState")]
public sealed class FleetGrainState
{
    [Id(0)]
    public SortedSet<string> Nodes { get; set; } = new(StringComparer.Ordinal);
}
