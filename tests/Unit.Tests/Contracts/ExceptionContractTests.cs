using System.Reflection;
using GpuSharing.Grains.Interfaces.Nodes;
using GpuSharing.Grains.Placement;

namespace GpuSharing.Unit.Tests.Contracts;

/// <summary>
/// An exception a grain throws reaches its caller, the gateway included. One with a generated codec in an assembly the
/// caller does not load cannot be read there (Orleans falls back only for exceptions without one): the chaos suite
/// met exactly that — a 500 where the node was merely down.
/// </summary>
public sealed class ExceptionContractTests
{
    [Fact]
    public void Exceptions_with_a_generated_codec_live_in_the_contract_library()
    {
        var grains = typeof(PlacementOptions).Assembly;

        var misplaced = grains.GetTypes()
            .Where(t => typeof(Exception).IsAssignableFrom(t) && t.GetCustomAttribute<GenerateSerializerAttribute>() is not null)
            .Select(t => t.FullName)
            .ToList();

        Assert.Empty(misplaced);
        Assert.NotNull(typeof(NodeUnreachableException).GetCustomAttribute<GenerateSerializerAttribute>());
        Assert.Equal("Grains.Interfaces", typeof(NodeUnreachableException).Assembly.GetName().Name);
    }
}
