using System.Reflection;

namespace GpuSharing.Unit.Tests.AmdSmi;

public sealed class FixtureCoverageTests
{
    private static readonly string[] NotOutputs = ["sources.txt", "README.txt"];

    [Fact]
    public void Every_amd_smi_fixture_has_a_test_that_asserts_its_values()
    {
        var files = Directory.EnumerateFiles(Fixtures.AmdSmiDirectory, "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(f => !NotOutputs.Contains(f))
            .Order(StringComparer.Ordinal)
            .ToList();
        var covered = typeof(FixtureCoverageTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .SelectMany(m => m.GetCustomAttributes<CoversFixtureAttribute>())
            .Select(a => a.FileName)
            .ToHashSet(StringComparer.Ordinal);

        Assert.True(files.Count >= 37, $"expected the 37 amd-smi fixtures, found {files.Count} in {Fixtures.AmdSmiDirectory}");
        var untested = files.Where(f => !covered.Contains(f)).ToList();
        var unknown = covered.Where(c => !files.Contains(c)).ToList();
        Assert.True(untested.Count == 0, $"fixtures without a test: {string.Join(", ", untested)}");
        Assert.True(unknown.Count == 0, $"tests naming fixtures that do not exist: {string.Join(", ", unknown)}");
    }
}
