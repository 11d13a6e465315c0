namespace GpuSharing.EndToEnd.Tests;

/// <summary>Every test class shares the one <see cref="LocalSystem"/> (starting it takes seconds; the classes run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class LocalSystemCollection : ICollectionFixture<LocalSystem>
{
    public const string Name = "Local system";
}
