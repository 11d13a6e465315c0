namespace GpuSharing.Grains.Models;

[GenerateSerializer, Alias("gpusharing.ModelIndexShardGrainState")]
public sealed class ModelIndexShardGrainState
{
    [Id(0)]
    public SortedSet<string> Deployments { get; set; } = new(StringComparer.Ordinal);
}
