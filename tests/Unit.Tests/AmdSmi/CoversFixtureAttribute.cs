namespace GpuSharing.Unit.Tests.AmdSmi;

/// <summary>Marks the test that asserts the values of one file in <c>../shared/fixtures/amd-smi/</c>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class CoversFixtureAttribute(string fileName) : Attribute
{
    public string FileName { get; } = fileName;
}
