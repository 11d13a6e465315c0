namespace GpuSharing.Gateway.Tests;

/// <summary>
/// Tests that read the product's meters run alone, after every other class of this assembly. Meters are process-wide:
/// OpenTelemetry's provider in one in-process silo also listens to the <c>GpuSharing.Fleet</c> meter of every other
/// silo (or test) in the process, merges identical instruments into one stream, and stops exporting that stream when
/// any one of those meters is disposed (open-telemetry/opentelemetry-dotnet#6412). In production one silo owns its
/// process; here other fixtures' silos come and go in parallel, so these tests wait for them to be gone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetersCollection
{
    public const string Name = "Process-wide meters";
}
