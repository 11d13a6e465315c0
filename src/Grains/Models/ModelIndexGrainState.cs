namespace GpuSharing.Grains.Models;

[GenerateSerializer, Alias("gpusharing.ModelIndexGrainState")]
public sealed class ModelIndexGrainState
{
    [Id(0)]
    public SortedSet<string> Deployments { get; set; } = new(StringComparer.Ordinal);
}
